//! How a deadline and the time left read in Japanese, in Japan time: a period that ends at
//! midnight reads as its last day (`2027-04-10まで`), any other as the minute it runs out
//! (`2026-12-09 22:15まで`); time left reads `あと2日3時間` or, once passed, `5時間10分超過`.

use super::compute::Clock;
use super::period::{JST, last_day};
use time::{Duration, OffsetDateTime, Time};

/// The deadline as staff read it, in JST.
pub fn deadline_text(deadline: OffsetDateTime) -> String {
    let local = deadline.to_offset(JST);
    if local.time() == Time::MIDNIGHT {
        format!("{}まで", last_day(deadline))
    } else {
        format!("{} {:02}:{:02}まで", local.date(), local.hour(), local.minute())
    }
}

/// The time left (negative once overdue), to the minute.
pub fn time_left_text(left: Duration) -> String {
    let minutes = left.whole_minutes().unsigned_abs();
    let (days, hours, mins) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    let span = if days > 0 {
        format!("{days}日{hours}時間")
    } else if hours > 0 {
        format!("{hours}時間{mins}分")
    } else {
        format!("{mins}分")
    };
    if left.is_negative() { format!("{span}超過") } else { format!("あと{span}") }
}

impl Clock {
    /// The deadline as staff read it (`期限未設定` when there is none).
    pub fn deadline_text(&self) -> String {
        self.deadline.map_or_else(|| "期限未設定".to_string(), deadline_text)
    }

    /// The time left at `now` as staff read it, if there is a deadline.
    pub fn time_left_text(&self, now: OffsetDateTime) -> Option<String> {
        self.time_left(now).map(time_left_text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn deadlines_read_as_a_last_day_or_a_minute_in_japan_time() {
        assert_eq!(deadline_text(datetime!(2027-04-10 15:00 UTC)), "2027-04-10まで");
        assert_eq!(deadline_text(datetime!(2026-12-09 13:15 UTC)), "2026-12-09 22:15まで");
    }

    #[test]
    fn time_left_reads_in_days_hours_and_minutes() {
        assert_eq!(time_left_text(Duration::minutes(2 * 1440 + 3 * 60 + 5)), "あと2日3時間");
        assert_eq!(time_left_text(Duration::minutes(45)), "あと45分");
        assert_eq!(time_left_text(Duration::minutes(-(5 * 60 + 10))), "5時間10分超過");
        assert_eq!(time_left_text(Duration::seconds(-30)), "0分超過");
    }
}
