//! Fiscal years (年度, April–March) and dates of year/month/day precision, shown in 和暦 and 西暦.

use serde::{Deserialize, Serialize};
use std::fmt;
use time::{Date, Month};

/// A Japanese era (元号) with the first day it was in force.
struct Era {
    name: &'static str,
    letter: char,
    first_day: (i32, u8, u8),
}

/// Newest first, so that the first era whose first day is not after a date is its era.
const ERAS: [Era; 3] = [
    Era { name: "令和", letter: 'R', first_day: (2019, 5, 1) },
    Era { name: "平成", letter: 'H', first_day: (1989, 1, 8) },
    Era { name: "昭和", letter: 'S', first_day: (1926, 12, 25) },
];

fn era_of(year: i32, month: u8, day: u8) -> Option<&'static Era> {
    ERAS.iter().find(|era| (year, month, day) >= era.first_day)
}

fn era_year_text(era: &Era, year: i32) -> String {
    let n = year - era.first_day.0 + 1;
    if n == 1 { "元".to_string() } else { n.to_string() }
}

/// A fiscal year (年度), named by the calendar year in which it starts: 2022 = 令和4年度,
/// which runs from 2022-04-01 to 2023-03-31.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
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
    /// it began under 平成.
    pub fn wareki(self) -> String {
        let era = if self.0 == 2019 { &ERAS[0] } else { era_of(self.0, 4, 1).unwrap_or(&ERAS[2]) };
        format!("{}{}年度", era.name, era_year_text(era, self.0))
    }

    /// Short 和暦 name such as R4年度.
    pub fn wareki_short(self) -> String {
        let era = if self.0 == 2019 { &ERAS[0] } else { era_of(self.0, 4, 1).unwrap_or(&ERAS[2]) };
        format!("{}{}年度", era.letter, self.0 - era.first_day.0 + 1)
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
    Year,
    Month,
    Day,
}

/// A date known to the year, the month or the day, as the sheet's history writes them
/// (平成30年9月, 令和2年). Serialised as ISO text: `2020`, `2018-09`, `2022-07-15`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PartialDate {
    pub year: i32,
    pub month: Option<u8>,
    pub day: Option<u8>,
}

/// Why a text is not a date nimo understands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("日付「{0}」を読み取れません（例: 令和4年7月、R4.7、2022-07、2022-07-15）")]
pub struct DateError(pub String);

impl PartialDate {
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

    /// 和暦 text as the sheet writes it: 平成30年9月, 令和2年, 令和4年7月15日.
    pub fn wareki(&self) -> String {
        let (m, d) = (self.month.unwrap_or(12), self.day.unwrap_or(if self.month.is_some() { 1 } else { 31 }));
        // A month that straddles an era change (2019-04 vs 2019-05) takes the era of its first day.
        let era = era_of(self.year, m, d).unwrap_or(&ERAS[2]);
        let mut text = format!("{}{}年", era.name, era_year_text(era, self.year));
        if let Some(m) = self.month {
            text.push_str(&format!("{m}月"));
        }
        if let Some(d) = self.day {
            text.push_str(&format!("{d}日"));
        }
        text
    }

    /// Parses ISO (`2018-09`), 和暦 (`令和3年4月`, `令和元年`, `平成30年9月1日`) or short 和暦
    /// (`R3.4`, `H30.9.1`); full-width digits are accepted.
    pub fn parse(input: &str) -> Result<Self, DateError> {
        let text = crate::text::nfkc(input.trim());
        let fail = || DateError(input.trim().to_string());
        if text.is_empty() {
            return Err(fail());
        }
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
            (era.first_day.0 + n - 1, rest.to_string())
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
        Ok(date)
    }

    fn check(&self) -> Result<(), ()> {
        if !(1900..=2100).contains(&self.year) {
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

    proptest::proptest! {
        #[test]
        fn wareki_text_parses_back(year in 1990i32..2090, month in 1u8..=12) {
            let date = PartialDate::month(year, month);
            proptest::prop_assert_eq!(PartialDate::parse(&date.wareki()).unwrap(), date);
        }
    }
}
