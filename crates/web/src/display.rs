//! How typed dates and times read wherever nimo shows them — pages, PDFs, exports and the CLI: the
//! store hands out `time` values (instants in UTC, Unix seconds, RFC 3339 text), and every instant
//! is shown here, and only here, as Japan time (JST, +09:00), the wall time of the people who use
//! nimo. Receipt times are typed as local wall times and shown as they were typed.

use std::borrow::Borrow;
use time::{Date, OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// Japan Standard Time, UTC+9 (Japan has no daylight saving time).
pub const JST: UtcOffset = time::macros::offset!(+9);

/// A receipt time as pages show it: `2022-05-10 14:30`. (Templates pass their values by
/// reference, code by value: both are taken.)
pub fn minute(at: impl Borrow<PrimitiveDateTime>) -> String {
    nimo_domain::calendar::local_minute_text(*at.borrow()).replace('T', " ")
}

/// An optional date as ISO text, empty when there is none.
pub fn date_or_empty(date: impl Borrow<Option<Date>>) -> String {
    date.borrow().map(|d| d.to_string()).unwrap_or_default()
}

/// An instant in Japan time to the minute: `2026-05-01 18:30`.
pub fn jst_minute(at: OffsetDateTime) -> String {
    let at = at.to_offset(JST);
    format!("{} {:02}:{:02}", at.date(), at.hour(), at.minute())
}

/// The day an instant falls on in Japan.
pub fn jst_date(at: OffsetDateTime) -> Date {
    at.to_offset(JST).date()
}

/// An instant in Japan time to the second: `2026-05-01 18:30:05`.
pub fn jst_second(at: OffsetDateTime) -> String {
    let at = at.to_offset(JST);
    format!("{} {:02}:{:02}:{:02}", at.date(), at.hour(), at.minute(), at.second())
}

/// A Unix time (seconds) in Japan time to the minute; empty if it is out of range.
pub fn unix_minute(at: i64) -> String {
    OffsetDateTime::from_unix_timestamp(at).map(jst_minute).unwrap_or_default()
}

/// A legal clock's deadline in Japan time: its last day when the period ends at midnight
/// (`2027-04-10まで`), the minute otherwise (`2026-12-09 22:15まで`), `期限未設定` without one.
pub fn clock_deadline(clock: &nimo_domain::clocks::Clock) -> String {
    let text = clock.deadline_text();
    match clock.moved {
        // A moved deadline shows the computed one and why it moved.
        Some(moved) => {
            let original = moved.original.map_or_else(|| "期限未設定".to_string(), nimo_domain::clocks::deadline_text);
            format!("{text}（当初 {original}、変更: {}）", moved.reason.label())
        }
        None => text,
    }
}

/// The date in Japan at an instant: what "today" means to a form's default or a due date.
pub fn date_in_japan(at: OffsetDateTime) -> Date {
    at.to_offset(JST).date()
}

/// When a sheet was saved, to the minute in Japan time: `2026-05-01 18:30`.
pub fn saved_at(at: OffsetDateTime) -> String {
    jst_minute(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn dates_and_receipt_times_read_as_typed() {
        assert_eq!(minute(datetime!(2022-05-10 14:30)), "2022-05-10 14:30");
        assert_eq!(date_or_empty(Some(date!(2022 - 05 - 01))), "2022-05-01");
        assert_eq!(date_or_empty(None), "");
    }

    #[test]
    fn a_utc_instant_is_shown_as_the_wall_time_in_japan() {
        // 2026-05-01 09:30:59.5 UTC is 18:30 in Tokyo; 15:10 UTC is already the next day there.
        assert_eq!(jst_minute(datetime!(2026-05-01 09:30:59.5 UTC)), "2026-05-01 18:30");
        assert_eq!(jst_minute(datetime!(2026-04-30 15:10 UTC)), "2026-05-01 00:10");
        assert_eq!(saved_at(datetime!(2026-05-01 18:30:59.5 +09:00)), "2026-05-01 18:30");
        assert_eq!(jst_second(datetime!(2026-12-31 23:59:58 -01:00)), "2027-01-01 09:59:58");
        assert_eq!(unix_minute(datetime!(2026-05-01 09:30 UTC).unix_timestamp()), "2026-05-01 18:30");
        assert_eq!(unix_minute(i64::MAX), "");
        assert_eq!(date_in_japan(datetime!(2026-04-30 15:00 UTC)), date!(2026 - 05 - 01));
        assert_eq!(date_in_japan(datetime!(2026-04-30 14:59 UTC)), date!(2026 - 04 - 30));
    }
}
