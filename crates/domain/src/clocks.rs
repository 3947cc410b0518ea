//! Legal clocks: every statutory time limit that runs while nimo follows a person (police 保護,
//! 緊急措置入院's 72 hours, 応急入院, the 医療保護入院 period and its renewal, the hospital's
//! notices, the 退院後生活環境相談員, the 退院後支援計画's period), as a versioned table of rules
//! (`table`) and pure functions that turn a person's events into clocks. No I/O.
//!
//! A rule names the events that start it, the events that stop it and its length (`rule`); the
//! version in force is chosen by the JST date of the starting event. [`compute`] walks the events
//! in time order and returns every clock instance, running or stopped; [`Clock::state_at`] says
//! whether one is running, due soon, overdue or stopped at a given instant, and [`board`] orders
//! the running ones most urgent first. Days and months are counted as the 民法 counts periods
//! (`period`). A rule nimo could not verify says so ([`Verification::Unconfirmed`]): pages show
//! it as 要確認.
//!
//! An administrator may move a running clock's deadline with a coded reason ([`MoveReason`]);
//! [`apply_moves`] puts the latest move's deadline on the clock and keeps the computed one
//! ([`Moved`]), so pages show both. A 簡易裁判所's 許可状 extending police 保護 is such a move.

mod period;
mod rule;
mod table;

pub use period::{JST, after_days, after_hours, after_months, first_counted_day, jst_date, last_day};
pub use rule::{Anchor, Confidence, Length, Rule, Source, Start, Stop, Verification, Window, rules_at};
pub use table::{ARTICLE_MOVES, ArticleMove, R6_4, RULES};

mod compute;
mod events;
mod moves;
mod text;

pub use compute::{Clock, ClockState, StopReason, board, compute};
pub use events::{Event, EventKind};
pub use moves::{
    Move, MoveError, MoveReason, Moved, WARRANT_LIMIT, WARRANT_RULE, apply as apply_moves, check as check_move,
};
pub use text::{deadline_text, time_left_text};

#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;
