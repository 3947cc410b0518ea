//! A 市町村長同意 clock as the list and the request page show it: label, article, deadline and
//! time left in JST, state, and 要確認 with what is missing.

use nimo_domain::clocks::{Clock, ClockState};
use time::OffsetDateTime;

/// A clock as a page shows it.
pub(crate) struct ClockRow {
    pub(crate) label: &'static str,
    pub(crate) article: String,
    pub(crate) deadline: String,
    pub(crate) left: String,
    pub(crate) state: &'static str,
    pub(crate) urgent: bool,
    pub(crate) unconfirmed: Option<&'static str>,
}

pub(crate) fn clock_row(clock: &Clock, now: OffsetDateTime) -> ClockRow {
    let state = clock.state_at(now);
    ClockRow {
        label: clock.rule.label,
        article: clock.rule.article_label(),
        deadline: clock.deadline_text(),
        left: if state == ClockState::Stopped { String::new() } else { clock.time_left_text(now).unwrap_or_default() },
        state: state.label(),
        urgent: matches!(state, ClockState::Overdue | ClockState::DueSoon),
        unconfirmed: match clock.rule.verification {
            nimo_domain::clocks::Verification::Unconfirmed(why) => Some(why),
            nimo_domain::clocks::Verification::Confirmed => None,
        },
    }
}
