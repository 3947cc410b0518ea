//! The 夜間・休日 band of the bed search: whether a moment (Japan time) falls in the nights,
//! weekends, national holidays or year-end days on which only hospitals that take such
//! admissions can be counted on. The band's hours are data with their source; the national
//! holidays are computed from 国民の祝日に関する法律 (the equinoxes by the usual formula, which
//! the 国立天文台's announcement each February confirms: shown as 要確認).

use time::{Date, Duration, Month, OffsetDateTime, UtcOffset, Weekday};

/// The band's definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BandRule {
    /// The hour (JST) a weekday's night starts.
    pub night_from_hour: u8,
    /// The hour (JST) the night ends the next morning.
    pub night_until_hour: u8,
    /// The year-end days (12月29日〜1月3日) are in the band as 休日.
    pub year_end: bool,
    /// Where the hours come from.
    pub source: &'static str,
    /// What is still to be checked (shown as 要確認).
    pub unverified: &'static str,
}

/// The band nimo uses: weekdays 17:00–翌9:00, and all of Saturdays, Sundays, national holidays
/// and 12月29日〜1月3日.
pub const BAND: BandRule = BandRule {
    night_from_hour: 17,
    night_until_hour: 9,
    year_end: true,
    source: "精神科救急医療体制整備事業の夜間・休日（東京都の例: 平日17時〜翌9時、土日祝日・年末年始）",
    unverified: "時間帯は都道府県の体制ごとに異なるため要確認。祝日は祝日法の規定から計算（春分・秋分は計算式、2022〜2099年のみ）",
};

/// The first and last years whose national holidays nimo computes (2020 and 2021 moved three
/// holidays for the Olympics by a special law, so earlier years are left out).
pub const HOLIDAY_YEARS: std::ops::RangeInclusive<i32> = 2022..=2099;

/// Why a moment is in the band.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BandReason {
    /// A weekday's night.
    Night,
    /// Saturday or Sunday.
    Weekend,
    /// A national holiday (its name).
    Holiday(&'static str),
    /// 12月29日〜1月3日.
    YearEnd,
}

impl BandReason {
    /// The Japanese words for the page.
    pub fn label(self) -> String {
        match self {
            BandReason::Night => format!("夜間（{}時〜翌{}時）", BAND.night_from_hour, BAND.night_until_hour),
            BandReason::Weekend => "休日（土曜・日曜）".into(),
            BandReason::Holiday(name) => format!("休日（{name}）"),
            BandReason::YearEnd => "休日（年末年始）".into(),
        }
    }
}

/// Japan time (JST, +09:00; Japan keeps no summer time).
const JST: UtcOffset = match UtcOffset::from_hms(9, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

/// Whether the moment (Unix seconds) is in the 夜間・休日 band, and why; `None` on a weekday
/// between 9:00 and 17:00 JST that is no holiday.
pub fn band_at(unix: i64) -> Option<BandReason> {
    let moment = OffsetDateTime::from_unix_timestamp(unix).ok()?.to_offset(JST);
    let hour = moment.hour();
    let night = !(BAND.night_until_hour..BAND.night_from_hour).contains(&hour);
    match day_off(moment.date()) {
        Some(reason) => Some(reason),
        None if night => Some(BandReason::Night),
        None => None,
    }
}

/// Whether a day is a 休日 of the band, and why.
pub fn day_off(date: Date) -> Option<BandReason> {
    if let Some(name) = holiday(date) {
        return Some(BandReason::Holiday(name));
    }
    if BAND.year_end && matches!((date.month(), date.day()), (Month::December, 29..=31) | (Month::January, 1..=3)) {
        return Some(BandReason::YearEnd);
    }
    matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday).then_some(BandReason::Weekend)
}

/// The national holiday (国民の祝日, 振替休日 or 国民の休日) a date is, within
/// [`HOLIDAY_YEARS`]; `None` for other days and for years outside them.
pub fn holiday(date: Date) -> Option<&'static str> {
    if !HOLIDAY_YEARS.contains(&date.year()) {
        return None;
    }
    if let Some(name) = national_holiday(date) {
        return Some(name);
    }
    // 法3条2項: a holiday on a Sunday moves to the nearest following day that is no holiday.
    let mut before = date.previous_day()?;
    while national_holiday(before).is_some() {
        if before.weekday() == Weekday::Sunday {
            return Some("振替休日");
        }
        before = before.previous_day()?;
    }
    // 法3条3項: a day between two holidays.
    let next = date.next_day()?;
    let previous = date.previous_day()?;
    (national_holiday(previous).is_some() && national_holiday(next).is_some()).then_some("国民の休日")
}

/// The 国民の祝日 of 祝日法2条 (as amended to 2018; from 2022).
fn national_holiday(date: Date) -> Option<&'static str> {
    let (year, month, day) = (date.year(), date.month(), date.day());
    let nth_monday = |n: u8| date.weekday() == Weekday::Monday && (day - 1) / 7 + 1 == n;
    let offset = year - 1980;
    let equinox = |base: f64| (base + 0.242194 * f64::from(offset)).floor() as i32 - offset.div_euclid(4);
    Some(match month {
        Month::January if day == 1 => "元日",
        Month::January if nth_monday(2) => "成人の日",
        Month::February if day == 11 => "建国記念の日",
        Month::February if day == 23 => "天皇誕生日",
        Month::March if i32::from(day) == equinox(20.8431) => "春分の日",
        Month::April if day == 29 => "昭和の日",
        Month::May if day == 3 => "憲法記念日",
        Month::May if day == 4 => "みどりの日",
        Month::May if day == 5 => "こどもの日",
        Month::July if nth_monday(3) => "海の日",
        Month::August if day == 11 => "山の日",
        Month::September if nth_monday(3) => "敬老の日",
        Month::September if i32::from(day) == equinox(23.2488) => "秋分の日",
        Month::October if nth_monday(2) => "スポーツの日",
        Month::November if day == 3 => "文化の日",
        Month::November if day == 23 => "勤労感謝の日",
        _ => return None,
    })
}

/// The start of the next weekday daytime after `unix` (for tests and the page: when the band
/// ends), searched hour by hour for at most two weeks.
pub fn band_ends_after(unix: i64) -> Option<i64> {
    let mut at = unix;
    for _ in 0..(24 * 14) {
        if band_at(at).is_none() {
            return Some(at);
        }
        at += Duration::HOUR.whole_seconds();
        at -= at.rem_euclid(3600);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn at(moment: OffsetDateTime) -> Option<BandReason> {
        band_at(moment.unix_timestamp())
    }

    #[test]
    fn the_holidays_of_2026_are_the_cabinet_offices_list() {
        // 内閣府「国民の祝日について」令和8年: 16 祝日, 振替休日 5/6, 国民の休日 9/22.
        let expected = [
            (date!(2026 - 01 - 01), "元日"),
            (date!(2026 - 01 - 12), "成人の日"),
            (date!(2026 - 02 - 11), "建国記念の日"),
            (date!(2026 - 02 - 23), "天皇誕生日"),
            (date!(2026 - 03 - 20), "春分の日"),
            (date!(2026 - 04 - 29), "昭和の日"),
            (date!(2026 - 05 - 03), "憲法記念日"),
            (date!(2026 - 05 - 04), "みどりの日"),
            (date!(2026 - 05 - 05), "こどもの日"),
            (date!(2026 - 05 - 06), "振替休日"),
            (date!(2026 - 07 - 20), "海の日"),
            (date!(2026 - 08 - 11), "山の日"),
            (date!(2026 - 09 - 21), "敬老の日"),
            (date!(2026 - 09 - 22), "国民の休日"),
            (date!(2026 - 09 - 23), "秋分の日"),
            (date!(2026 - 10 - 12), "スポーツの日"),
            (date!(2026 - 11 - 03), "文化の日"),
            (date!(2026 - 11 - 23), "勤労感謝の日"),
        ];
        let mut found = Vec::new();
        let mut day = date!(2026 - 01 - 01);
        while day.year() == 2026 {
            if let Some(name) = holiday(day) {
                found.push((day, name));
            }
            day = day.next_day().unwrap();
        }
        assert_eq!(found, expected);
        assert_eq!(holiday(date!(2025 - 03 - 20)), Some("春分の日"));
        assert_eq!(holiday(date!(2025 - 11 - 24)), Some("振替休日"));
        assert_eq!(holiday(date!(2019 - 05 - 01)), None, "outside the computed years");
    }

    #[test]
    fn nights_weekends_holidays_and_the_year_end_are_in_the_band() {
        // Monday 2026-12-07, JST.
        assert_eq!(at(datetime!(2026-12-07 10:00 +9)), None);
        assert_eq!(at(datetime!(2026-12-07 16:59 +9)), None);
        assert_eq!(at(datetime!(2026-12-07 17:00 +9)), Some(BandReason::Night));
        assert_eq!(at(datetime!(2026-12-07 08:59 +9)), Some(BandReason::Night));
        assert_eq!(at(datetime!(2026-12-07 09:00 +9)), None);
        assert_eq!(at(datetime!(2026-12-05 12:00 +9)), Some(BandReason::Weekend));
        assert_eq!(at(datetime!(2026-11-23 12:00 +9)), Some(BandReason::Holiday("勤労感謝の日")));
        assert_eq!(at(datetime!(2026-12-29 12:00 +9)), Some(BandReason::YearEnd));
        // 00:30 UTC on Monday is 09:30 JST: daytime.
        assert_eq!(at(datetime!(2026-12-07 00:30 UTC)), None);
        assert_eq!(
            band_ends_after(datetime!(2026-12-05 12:00 +9).unix_timestamp()),
            Some(datetime!(2026-12-07 09:00 +9).unix_timestamp())
        );
    }
}
