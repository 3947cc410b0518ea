//! How typed dates and times read on pages: the store hands out `time` values, and pages show
//! them exactly as they showed the stored text before (ISO dates, `2022-05-10 14:30` receipt
//! times, `2026-05-01 09:30 UTC` save times).

use std::borrow::Borrow;
use time::{Date, OffsetDateTime, PrimitiveDateTime};

/// A receipt time as pages show it: `2022-05-10 14:30`. (Templates pass their values by
/// reference, code by value: both are taken.)
pub fn minute(at: impl Borrow<PrimitiveDateTime>) -> String {
    nimo_domain::calendar::local_minute_text(*at.borrow()).replace('T', " ")
}

/// An optional date as ISO text, empty when there is none.
pub fn date_or_empty(date: impl Borrow<Option<Date>>) -> String {
    date.borrow().map(|d| d.to_string()).unwrap_or_default()
}

/// When a sheet was saved, to the minute in UTC: `2026-05-01 09:30 UTC`.
pub fn saved_at(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!("{} {:02}:{:02} UTC", at.date(), at.hour(), at.minute())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn dates_and_times_read_as_the_stored_text_did() {
        assert_eq!(minute(datetime!(2022-05-10 14:30)), "2022-05-10 14:30");
        assert_eq!(date_or_empty(Some(date!(2022 - 05 - 01))), "2022-05-01");
        assert_eq!(date_or_empty(None), "");
        assert_eq!(saved_at(datetime!(2026-05-01 18:30:59.5 +09:00)), "2026-05-01 09:30 UTC");
    }
}
