//! Counting legal periods in Japan time, after 民法138–143条 (the general rules for periods set
//! by law): hours run from the instant itself (139条); days and months do not count the first
//! day unless the period starts at midnight (140条) and end with the end of their last day
//! (141条); months follow the calendar and end the day before the corresponding day of the last
//! month, or on that month's last day when it has no corresponding day (143条). 142条 (a last day
//! on a holiday moves to the next day where no business is done on it) is not applied: whether it
//! applies to these duties is not verified, and without it a deadline is never later than the law's.
//!
//! Every deadline is the instant at which the period has run out (the start of the JST day after
//! the last day, for days and months), so "overdue" is simply `now >= deadline`.

use time::{Date, Duration, OffsetDateTime, Time, UtcOffset};

/// Japan Standard Time (no daylight saving).
pub const JST: UtcOffset = time::macros::offset!(+9);

/// The calendar date in Japan of an instant.
pub fn jst_date(at: OffsetDateTime) -> Date {
    at.to_offset(JST).date()
}

/// The instant a JST day begins.
pub fn start_of_jst_day(date: Date) -> OffsetDateTime {
    date.with_time(Time::MIDNIGHT).assume_offset(JST)
}

/// The first day counted (起算日) of a period of days or months beginning at `at`: the next JST
/// day, or the day itself when the period begins at midnight.
pub fn first_counted_day(at: OffsetDateTime) -> Date {
    let local = at.to_offset(JST);
    if local.time() == Time::MIDNIGHT { local.date() } else { local.date().next_day().unwrap_or(local.date()) }
}

/// The end of a period of `hours` hours beginning at `at`.
pub fn after_hours(at: OffsetDateTime, hours: u32) -> OffsetDateTime {
    at + Duration::hours(i64::from(hours))
}

/// The end of a period of `days` days beginning at `at`: the start of the JST day after its last day.
pub fn after_days(at: OffsetDateTime, days: u32) -> OffsetDateTime {
    start_of_jst_day(first_counted_day(at) + Duration::days(i64::from(days)))
}

/// The end of a period of `months` months beginning at `at`.
pub fn after_months(at: OffsetDateTime, months: u32) -> OffsetDateTime {
    let first = first_counted_day(at);
    let corresponding = shift_months(first, i64::from(months));
    // No corresponding day in the last month (31 → 30, 29 → 28): that month's last day ends it.
    let end = if corresponding.day() == first.day() {
        corresponding
    } else {
        corresponding.next_day().unwrap_or(corresponding)
    };
    start_of_jst_day(end)
}

/// The instant `months` calendar months before `at`, at the same JST time of day (the day clamped
/// to the month's last day).
pub fn months_before(at: OffsetDateTime, months: u32) -> OffsetDateTime {
    let local = at.to_offset(JST);
    let date = shift_months(local.date(), -i64::from(months));
    date.with_time(local.time()).assume_offset(JST)
}

/// A date moved by whole months, the day clamped to the month's last day.
pub fn shift_months(date: Date, months: i64) -> Date {
    let index = i64::from(date.year()) * 12 + i64::from(u8::from(date.month())) - 1 + months;
    let year = i32::try_from(index.div_euclid(12)).unwrap_or(date.year());
    let month = u8::try_from(index.rem_euclid(12) + 1)
        .ok()
        .and_then(|m| time::Month::try_from(m).ok())
        .unwrap_or(time::Month::January);
    let day = date.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).unwrap_or(date)
}

/// The last day (in JST) of a period that ends at `deadline`, for periods counted in days or months.
pub fn last_day(deadline: OffsetDateTime) -> Date {
    jst_date(deadline - Duration::nanoseconds(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn hours_run_from_the_instant() {
        let at = datetime!(2026-12-06 22:15 +9);
        assert_eq!(after_hours(at, 72), datetime!(2026-12-09 22:15 +9));
        assert_eq!(after_hours(at, 12), datetime!(2026-12-07 10:15 +9));
    }

    #[test]
    fn ten_days_from_2330_jst_end_with_the_tenth_following_day() {
        // 23:30 JST on 31 March: the first day is not counted, 1 April is day 1, 10 April day 10.
        let at = datetime!(2027-03-31 23:30 +9);
        let deadline = after_days(at, 10);
        assert_eq!(deadline, datetime!(2027-04-11 00:00 +9));
        assert_eq!(last_day(deadline), date!(2027 - 04 - 10));
    }

    #[test]
    fn days_are_counted_on_the_japanese_calendar_not_on_utc() {
        // 00:30 JST on 1 April 2027 is still 31 March in UTC (and in fiscal year 2026 there).
        let at = datetime!(2027-03-31 15:30 UTC);
        assert_eq!(jst_date(at), date!(2027 - 04 - 01));
        let deadline = after_days(at, 10);
        assert_eq!(last_day(deadline), date!(2027 - 04 - 11));
        assert_eq!(deadline, datetime!(2027-04-11 15:00 UTC));
    }

    #[test]
    fn a_period_starting_at_midnight_counts_its_first_day() {
        let deadline = after_days(datetime!(2027-04-01 00:00 +9), 10);
        assert_eq!(last_day(deadline), date!(2027 - 04 - 10));
    }

    #[test]
    fn months_end_the_day_before_the_corresponding_day_or_at_the_months_end() {
        // 民法143条: from 30 November 10:00 the first day is 1 December; 3 months end on 28 February.
        assert_eq!(last_day(after_months(datetime!(2026-11-30 10:00 +9), 3)), date!(2027 - 02 - 28));
        // First day 30 November; February has no 30th, so its last day ends the period.
        assert_eq!(last_day(after_months(datetime!(2026-11-29 10:00 +9), 3)), date!(2027 - 02 - 28));
        // First day 16 January; the corresponding day is 16 April, so 15 April is the last day.
        assert_eq!(last_day(after_months(datetime!(2026-01-15 10:00 +9), 3)), date!(2026 - 04 - 15));
        // Leap years: first day 31 December 2027, two months end on 29 February 2028.
        assert_eq!(last_day(after_months(datetime!(2027-12-30 09:00 +9), 2)), date!(2028 - 02 - 29));
    }

    #[test]
    fn months_before_keeps_the_time_of_day() {
        assert_eq!(months_before(datetime!(2027-03-31 00:00 +9), 1), datetime!(2027-02-28 00:00 +9));
        assert_eq!(shift_months(date!(2027 - 01 - 31), -2), date!(2026 - 11 - 30));
    }
}
