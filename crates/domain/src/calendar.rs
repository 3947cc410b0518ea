//! Fiscal years (年度, April–March) and dates of year/month/day precision, shown in 和暦 and 西暦.

use serde::{Deserialize, Serialize};
use std::fmt;
use time::{Date, Month, PrimitiveDateTime};

/// Parses an ISO calendar date, `2022-05-10`: the one form nimo stores dates in and date
/// inputs send.
pub fn parse_iso_date(text: &str) -> Option<Date> {
    Date::parse(text, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

/// Parses a local date and time to the minute, `2022-05-10T14:30`: what a
/// `<input type="datetime-local">` sends and how the store keeps a 通報's receipt time (local
/// time as staff typed it, no offset).
pub fn parse_local_minute(text: &str) -> Option<PrimitiveDateTime> {
    PrimitiveDateTime::parse(text, time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]")).ok()
}

/// The text of a local date and time to the minute, `2022-05-10T14:30` (the inverse of
/// [`parse_local_minute`]).
pub fn local_minute_text(at: PrimitiveDateTime) -> String {
    format!("{}T{:02}:{:02}", at.date(), at.hour(), at.minute())
}

/// A Japanese era (元号) with the first and last day it was in force.
struct Era {
    name: &'static str,
    letter: char,
    first_day: (i32, u8, u8),
    /// The last day, or `None` for the current era.
    last_day: Option<(i32, u8, u8)>,
}

/// Newest first, so that the first era whose first day is not after a date is its era.
const ERAS: [Era; 3] = [
    Era { name: "令和", letter: 'R', first_day: (2019, 5, 1), last_day: None },
    Era { name: "平成", letter: 'H', first_day: (1989, 1, 8), last_day: Some((2019, 4, 30)) },
    Era { name: "昭和", letter: 'S', first_day: (1926, 12, 25), last_day: Some((1989, 1, 7)) },
];

impl Era {
    /// Whether any day from `first` to `last` (inclusive) lies within the era.
    fn overlaps(&self, first: (i32, u8, u8), last: (i32, u8, u8)) -> bool {
        last >= self.first_day && self.last_day.is_none_or(|end| first <= end)
    }
}

fn era_of(year: i32, month: u8, day: u8) -> Option<&'static Era> {
    ERAS.iter().find(|era| (year, month, day) >= era.first_day)
}

fn era_year_text(era: &Era, year: i32) -> String {
    let n = year - era.first_day.0 + 1;
    if n == 1 { "元".to_string() } else { n.to_string() }
}

/// A fiscal year (年度), named by the calendar year in which it starts: 2022 = 令和4年度,
/// which runs from 2022-04-01 to 2023-03-31.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
#[schema(example = 2022)]
pub struct FiscalYear(pub i32);

impl FiscalYear {
    /// The earliest and latest fiscal years nimo accepts.
    pub const RANGE: std::ops::RangeInclusive<i32> = 1989..=2100;

    /// A fiscal year within [`FiscalYear::RANGE`].
    pub fn new(year: i32) -> Option<Self> {
        Self::RANGE.contains(&year).then_some(Self(year))
    }

    /// The calendar year it starts in.
    pub fn year(self) -> i32 {
        self.0
    }

    /// The next fiscal year.
    pub fn next(self) -> Self {
        Self(self.0 + 1)
    }

    /// The fiscal year a date falls in.
    pub fn of_date(year: i32, month: u8) -> Self {
        if month >= 4 { Self(year) } else { Self(year - 1) }
    }

    /// 和暦 name such as 令和4年度. FY2019 is written 令和元年度, as the government does, although
    /// it began under 平成. A year before any era nimo knows (the field is public) is written in
    /// 西暦 instead.
    pub fn wareki(self) -> String {
        match self.era() {
            Some(era) => format!("{}{}年度", era.name, era_year_text(era, self.0)),
            None => self.seireki(),
        }
    }

    /// Short 和暦 name such as R4年度 (西暦 before 昭和).
    pub fn wareki_short(self) -> String {
        match self.era() {
            Some(era) => format!("{}{}年度", era.letter, self.0 - era.first_day.0 + 1),
            None => self.seireki(),
        }
    }

    fn era(self) -> Option<&'static Era> {
        if self.0 == 2019 { Some(&ERAS[0]) } else { era_of(self.0, 4, 1) }
    }

    /// 西暦 name such as 2022年度.
    pub fn seireki(self) -> String {
        format!("{}年度", self.0)
    }

    /// First day (April 1st).
    pub fn first_day(self) -> Date {
        Date::from_calendar_date(self.0, Month::April, 1).expect("april 1st exists")
    }

    /// Last day (March 31st of the next calendar year).
    pub fn last_day(self) -> Date {
        Date::from_calendar_date(self.0 + 1, Month::March, 31).expect("march 31st exists")
    }

    /// The twelve (year, month) pairs of the fiscal year, April first.
    pub fn months(self) -> impl Iterator<Item = (i32, u8)> {
        (4..=15u8).map(move |m| if m <= 12 { (self.0, m) } else { (self.0 + 1, m - 12) })
    }
}

impl fmt::Display for FiscalYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}（{}）", self.wareki(), self.seireki())
    }
}

/// How much of a [`PartialDate`] is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    /// Only the year is known (令和2年).
    Year,
    /// The year and month are known (平成30年9月).
    Month,
    /// The full date is known (令和4年7月15日).
    Day,
}

/// A date known to the year, the month or the day, as the sheet's history writes them
/// (平成30年9月, 令和2年). Serialised as ISO text: `2020`, `2018-09`, `2022-07-15`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PartialDate {
    /// The calendar year (西暦), within [`PartialDate::YEARS`] when parsed.
    pub year: i32,
    /// The month 1–12, when known.
    pub month: Option<u8>,
    /// The day of the month, when known (only with a month).
    pub day: Option<u8>,
}

/// Why a text is not a date nimo understands; holds the text as typed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("日付「{0}」を読み取れません（1927〜2100年の実在する日付。例: 令和4年7月、R4.7、2022-07、2022-07-15）")]
pub struct DateError(pub String);

impl PartialDate {
    /// The years nimo accepts: from 昭和2年, the first full year of an era nimo knows, so that
    /// every date has a 和暦 name, to 2100.
    pub const YEARS: std::ops::RangeInclusive<i32> = 1927..=2100;

    /// A date of year precision.
    pub fn year(year: i32) -> Self {
        Self { year, month: None, day: None }
    }

    /// A date of month precision.
    pub fn month(year: i32, month: u8) -> Self {
        Self { year, month: Some(month), day: None }
    }

    /// How precise it is.
    pub fn precision(&self) -> Precision {
        match (self.month, self.day) {
            (Some(_), Some(_)) => Precision::Day,
            (Some(_), None) => Precision::Month,
            _ => Precision::Year,
        }
    }

    /// The fiscal year it falls in, when the month is known.
    pub fn fiscal_year(&self) -> Option<FiscalYear> {
        self.month.map(|m| FiscalYear::of_date(self.year, m))
    }

    /// ISO text: `2020`, `2018-09`, `2022-07-15`.
    pub fn iso(&self) -> String {
        match (self.month, self.day) {
            (Some(m), Some(d)) => format!("{:04}-{m:02}-{d:02}", self.year),
            (Some(m), None) => format!("{:04}-{m:02}", self.year),
            _ => format!("{:04}", self.year),
        }
    }

    /// 和暦 text as the sheet writes it: 平成30年9月, 令和2年, 令和4年7月15日. A date before any
    /// era nimo knows (the fields are public) is written in 西暦 (1900年) rather than with a
    /// year of zero or less.
    pub fn wareki(&self) -> String {
        let (m, d) = (self.month.unwrap_or(12), self.day.unwrap_or(if self.month.is_some() { 1 } else { 31 }));
        // A month that straddles an era change (2019-04 vs 2019-05) takes the era of its first day.
        let era_and_year = era_of(self.year, m, d).map(|era| (era, self.year - era.first_day.0 + 1));
        let mut text = match era_and_year {
            Some((era, n)) if n >= 1 => format!("{}{}年", era.name, era_year_text(era, self.year)),
            _ => format!("{}年", self.year),
        };
        if let Some(m) = self.month {
            text.push_str(&format!("{m}月"));
        }
        if let Some(d) = self.day {
            text.push_str(&format!("{d}日"));
        }
        text
    }

    /// Parses ISO (`2018-09`), 和暦 (`令和3年4月`, `令和元年`, `平成30年9月1日`) or short 和暦
    /// (`R3.4`, `H30.9.1`); full-width digits are accepted. A 和暦 date must lie (at least in
    /// part, for year or month precision) within its era: 平成31年4月 and 平成31年 are dates,
    /// 平成31年5月 (令和元年5月), 令和0年 and H40 are not.
    pub fn parse(input: &str) -> Result<Self, DateError> {
        let text = crate::text::nfkc(input.trim());
        let fail = || DateError(input.trim().to_string());
        if text.is_empty() {
            return Err(fail());
        }
        let mut era_of_text = None;
        let (year, rest) = if let Some(era) = ERAS.iter().find(|e| {
            text.starts_with(e.name) || text.starts_with(e.letter) || text.starts_with(e.letter.to_ascii_lowercase())
        }) {
            let body = text.strip_prefix(era.name).or_else(|| text.get(1..)).ok_or_else(fail)?;
            let digits: String = body.chars().take_while(|c| c.is_ascii_digit()).collect();
            let (n, rest) = if body.starts_with('元') {
                (1, &body['元'.len_utf8()..])
            } else if !digits.is_empty() {
                (digits.parse::<i32>().map_err(|_| fail())?, &body[digits.len()..])
            } else {
                return Err(fail());
            };
            if n < 1 {
                return Err(fail());
            }
            era_of_text = Some(era);
            (era.first_day.0.checked_add(n - 1).ok_or_else(fail)?, rest.to_string())
        } else {
            let digits: String = text.chars().take_while(|c| c.is_ascii_digit()).collect();
            if digits.len() != 4 {
                return Err(fail());
            }
            (digits.parse::<i32>().map_err(|_| fail())?, text[4..].to_string())
        };
        let numbers: Vec<&str> = rest.split(['-', '.', '/', '年', '月', '日']).filter(|s| !s.is_empty()).collect();
        if numbers.iter().any(|n| !n.chars().all(|c| c.is_ascii_digit())) || numbers.len() > 2 {
            return Err(fail());
        }
        let month = numbers.first().map(|n| n.parse::<u8>()).transpose().map_err(|_| fail())?;
        let day = numbers.get(1).map(|n| n.parse::<u8>()).transpose().map_err(|_| fail())?;
        let date = Self { year, month, day };
        date.check().map_err(|_| fail())?;
        if let Some(era) = era_of_text
            && !era.overlaps(date.first_day(), date.last_day())
        {
            return Err(fail());
        }
        Ok(date)
    }

    /// The first possible day as (year, month, day).
    fn first_day(&self) -> (i32, u8, u8) {
        (self.year, self.month.unwrap_or(1), self.day.unwrap_or(1))
    }

    /// An upper bound of the last possible day as (year, month, day); day 31 stands for the end
    /// of any month, which is enough to compare with an era's first or last day.
    fn last_day(&self) -> (i32, u8, u8) {
        (self.year, self.month.unwrap_or(12), self.day.unwrap_or(31))
    }

    fn check(&self) -> Result<(), ()> {
        if !Self::YEARS.contains(&self.year) {
            return Err(());
        }
        match (self.month, self.day) {
            (None, None) => Ok(()),
            (Some(m), None) if (1..=12).contains(&m) => Ok(()),
            (Some(m), Some(d)) => {
                let month = Month::try_from(m).map_err(|_| ())?;
                Date::from_calendar_date(self.year, month, d).map(|_| ()).map_err(|_| ())
            }
            _ => Err(()),
        }
    }
}

impl TryFrom<String> for PartialDate {
    type Error = DateError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        // The exchange format is strict ISO; 和暦 is for people typing into forms.
        let date = Self::parse(&value)?;
        if date.iso() != value {
            return Err(DateError(value));
        }
        Ok(date)
    }
}

impl From<PartialDate> for String {
    fn from(date: PartialDate) -> Self {
        date.iso()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates_and_local_minutes_parse_only_in_their_one_form() {
        assert_eq!(parse_iso_date("2022-05-10").map(|d| d.to_string()), Some("2022-05-10".into()));
        for bad in ["2022-5-10", "2022-02-30", "2022-05-10 ", "", "R4.5.10"] {
            assert_eq!(parse_iso_date(bad), None, "{bad}");
        }
        let at = parse_local_minute("2022-05-10T14:30").unwrap();
        assert_eq!(local_minute_text(at), "2022-05-10T14:30");
        for bad in ["2022-05-10 14:30", "2022-05-10T14:30:00", "2022-05-10T25:00", "2022-05-10"] {
            assert_eq!(parse_local_minute(bad), None, "{bad}");
        }
    }

    #[test]
    fn fiscal_years_in_wareki() {
        assert_eq!(FiscalYear(2022).wareki(), "令和4年度");
        assert_eq!(FiscalYear(2022).wareki_short(), "R4年度");
        assert_eq!(FiscalYear(2019).wareki(), "令和元年度");
        assert_eq!(FiscalYear(2018).wareki(), "平成30年度");
        assert_eq!(FiscalYear(1989).wareki(), "平成元年度");
        assert_eq!(FiscalYear(2022).to_string(), "令和4年度（2022年度）");
    }

    #[test]
    fn january_2022_is_in_fy2021() {
        assert_eq!(FiscalYear::of_date(2022, 1), FiscalYear(2021));
        assert_eq!(PartialDate::month(2022, 1).fiscal_year(), Some(FiscalYear(2021)));
        assert_eq!(FiscalYear(2022).last_day().to_string(), "2023-03-31");
        assert_eq!(FiscalYear(2022).months().last(), Some((2023, 3)));
    }

    #[test]
    fn dates_in_wareki() {
        assert_eq!(PartialDate::month(2018, 9).wareki(), "平成30年9月");
        assert_eq!(PartialDate::year(2020).wareki(), "令和2年");
        assert_eq!(PartialDate::month(2019, 4).wareki(), "平成31年4月");
        assert_eq!(PartialDate::month(2019, 5).wareki(), "令和元年5月");
    }

    #[test]
    fn parses_what_staff_type() {
        assert_eq!(PartialDate::parse("令和3年4月").unwrap(), PartialDate::month(2021, 4));
        assert_eq!(PartialDate::parse("R3.4").unwrap(), PartialDate::month(2021, 4));
        assert_eq!(PartialDate::parse("Ｈ３０．９").unwrap(), PartialDate::month(2018, 9));
        assert_eq!(PartialDate::parse("令和元年").unwrap(), PartialDate::year(2019));
        assert_eq!(PartialDate::parse("2022-07-15").unwrap().precision(), Precision::Day);
        assert_eq!(PartialDate::parse("２０２０").unwrap(), PartialDate::year(2020));
        for bad in ["", "令和", "2022-13", "2023-02-29", "R3.4.5.6", "abc", "22-01"] {
            assert!(PartialDate::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn exchange_form_is_strict_iso() {
        let d: PartialDate = serde_json::from_str("\"2018-09\"").unwrap();
        assert_eq!(d, PartialDate::month(2018, 9));
        assert!(serde_json::from_str::<PartialDate>("\"R3.4\"").is_err());
        assert_eq!(serde_json::to_string(&d).unwrap(), "\"2018-09\"");
    }

    #[test]
    fn dates_that_never_existed_in_their_era_are_refused() {
        for bad in [
            "H31.5",
            "平成31年5月",
            "平成31年5月1日",
            "R0.4",
            "令和0年",
            "H40",
            "平成0年",
            "R1.4",
            "令和元年4月30日",
            "S64.2",
            "昭和65年",
            "昭和64年1月8日",
            "H1.1.7",
        ] {
            assert!(PartialDate::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_at_the_edges_of_an_era_stay_valid() {
        for (text, date) in [
            ("平成31年", PartialDate::year(2019)),
            ("平成31年4月", PartialDate::month(2019, 4)),
            ("H31.4.30", PartialDate { year: 2019, month: Some(4), day: Some(30) }),
            ("令和元年", PartialDate::year(2019)),
            ("R1.5", PartialDate::month(2019, 5)),
            ("昭和64年", PartialDate::year(1989)),
            ("昭和64年1月7日", PartialDate { year: 1989, month: Some(1), day: Some(7) }),
            ("平成元年1月", PartialDate::month(1989, 1)),
            ("S2", PartialDate::year(1927)),
        ] {
            assert_eq!(PartialDate::parse(text).unwrap(), date, "{text}");
        }
    }

    #[test]
    fn years_outside_1927_to_2100_are_refused() {
        for bad in ["1926", "1900-01", "2101", "S1", "昭和元年", "R83"] {
            let error = PartialDate::parse(bad).unwrap_err();
            assert!(error.to_string().contains("1927〜2100"), "{bad}");
        }
        assert_eq!(PartialDate::parse("1927-01").unwrap(), PartialDate::month(1927, 1));
        assert_eq!(PartialDate::parse("R82").unwrap(), PartialDate::year(2100));
        assert!(serde_json::from_str::<PartialDate>("\"1926-12\"").is_err());
    }

    #[test]
    fn wareki_never_prints_an_era_year_of_zero_or_less() {
        assert_eq!(PartialDate::year(1900).wareki(), "1900年");
        assert_eq!(PartialDate::month(1926, 12).wareki(), "1926年12月");
        assert_eq!(PartialDate::year(1927).wareki(), "昭和2年");
        assert_eq!(FiscalYear(1900).wareki(), "1900年度");
        assert_eq!(FiscalYear(1900).wareki_short(), "1900年度");
    }

    /// Whether any day of the month lies within the era, day by day, as an oracle for `parse`.
    fn some_day_of_the_month_is_in(era: &Era, year: i32, month: u8) -> bool {
        let to_date = |(y, m, d): (i32, u8, u8)| Date::from_calendar_date(y, Month::try_from(m).unwrap(), d).unwrap();
        let month_enum = Month::try_from(month).unwrap();
        (1..=time::util::days_in_month(month_enum, year)).any(|day| {
            let date = Date::from_calendar_date(year, month_enum, day).unwrap();
            date >= to_date(era.first_day) && era.last_day.is_none_or(|last| date <= to_date(last))
        })
    }

    proptest::proptest! {
        #[test]
        fn an_era_month_parses_exactly_when_some_day_of_it_lies_in_the_era(
            era_index in 0usize..3,
            era_year in 0i32..120,
            month in 1u8..=12,
        ) {
            let era = &ERAS[era_index];
            let year = era.first_day.0 + era_year - 1;
            let exists = era_year >= 1
                && PartialDate::YEARS.contains(&year)
                && some_day_of_the_month_is_in(era, year, month);
            let parsed = PartialDate::parse(&format!("{}{era_year}年{month}月", era.name));
            proptest::prop_assert_eq!(parsed.is_ok(), exists, "{}{}年{}月", era.name, era_year, month);
            if let Ok(date) = parsed {
                proptest::prop_assert_eq!(date, PartialDate::month(year, month));
            }
        }

        #[test]
        fn every_date_nimo_accepts_reads_back_from_its_wareki(
            year in PartialDate::YEARS,
            month in proptest::option::of(1u8..=12),
            day in proptest::option::of(1u8..=28),
        ) {
            let date = PartialDate { year, month, day: month.and(day) };
            let wareki = date.wareki();
            proptest::prop_assert_eq!(PartialDate::parse(&wareki).unwrap(), date, "{}", wareki);
        }

        #[test]
        fn wareki_text_parses_back(year in 1990i32..2090, month in 1u8..=12) {
            let date = PartialDate::month(year, month);
            proptest::prop_assert_eq!(PartialDate::parse(&date.wareki()).unwrap(), date);
        }
    }
}
