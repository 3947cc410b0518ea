//! The network's PDCA (issue 17): 普及啓発 events, the 構築推進事業 actions that section 5's 今後の取組
//! become, and the annual schedule (section 6) planned against what happened. Codes and labels
//! of events and actions, the rule that matches a schedule row to the meetings and events that
//! fulfil it ([`fill_done`]), the fiscal year's calendar month by month ([`calendar`]) and the
//! iCalendar feed (`ical`). No I/O: the store reads the records, web shows them.

pub mod ical;
mod schedule;

pub use schedule::{
    CalendarMonth, MonthRow, Occurrence, RowState, calendar, fill_done, same_item, state_of as schedule_state,
};

use crate::text::TextRule;

/// The longest event title (講演会のテーマ).
pub const TITLE: TextRule = TextRule::line(200);
/// The longest audience, owner or schedule item.
pub const SHORT: TextRule = TextRule::line(100);
/// Partner organisations and materials: one a line.
pub const LIST: TextRule = TextRule::lines(2000);
/// An action's progress note.
pub const NOTE: TextRule = TextRule::lines(2000);
/// The most participants an event may record (a sanity bound, not a rule of the programme).
pub const MAX_PARTICIPANTS: i64 = 1_000_000;

/// What a 普及啓発 event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// 講演会.
    Lecture,
    /// 研修.
    Training,
    /// 啓発物配布 (leaflets, posters).
    Distribution,
    /// 意見交換会・講座 (with partners).
    Forum,
    /// その他.
    Other,
}

impl EventKind {
    /// Every kind, in the order forms offer them.
    pub const ALL: [EventKind; 5] =
        [EventKind::Lecture, EventKind::Training, EventKind::Distribution, EventKind::Forum, EventKind::Other];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            EventKind::Lecture => "lecture",
            EventKind::Training => "training",
            EventKind::Distribution => "distribution",
            EventKind::Forum => "forum",
            EventKind::Other => "other",
        }
    }

    /// The kind of a code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// As staff read it.
    pub fn label(self) -> &'static str {
        match self {
            EventKind::Lecture => "講演会",
            EventKind::Training => "研修",
            EventKind::Distribution => "啓発物配布",
            EventKind::Forum => "講座・意見交換会",
            EventKind::Other => "その他",
        }
    }
}

/// Whether a meeting or event is still to come, took place, or was called off (the codes of
/// `council_meeting.status` and `awareness_event.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HeldStatus {
    /// 予定.
    Planned,
    /// 実施済.
    Held,
    /// 中止.
    Cancelled,
}

impl HeldStatus {
    /// Every status.
    pub const ALL: [HeldStatus; 3] = [HeldStatus::Planned, HeldStatus::Held, HeldStatus::Cancelled];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            HeldStatus::Planned => "planned",
            HeldStatus::Held => "held",
            HeldStatus::Cancelled => "cancelled",
        }
    }

    /// The status of a code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// As staff read it.
    pub fn label(self) -> &'static str {
        match self {
            HeldStatus::Planned => "予定",
            HeldStatus::Held => "実施済",
            HeldStatus::Cancelled => "中止",
        }
    }
}

/// Where a 構築推進事業 action stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionStatus {
    /// 未着手.
    NotStarted,
    /// 実施中.
    InProgress,
    /// 完了.
    Done,
    /// 見送り.
    Dropped,
}

impl ActionStatus {
    /// Every status, in the order forms offer them.
    pub const ALL: [ActionStatus; 4] =
        [ActionStatus::NotStarted, ActionStatus::InProgress, ActionStatus::Done, ActionStatus::Dropped];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            ActionStatus::NotStarted => "not_started",
            ActionStatus::InProgress => "in_progress",
            ActionStatus::Done => "done",
            ActionStatus::Dropped => "dropped",
        }
    }

    /// The status of a code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// As staff read it.
    pub fn label(self) -> &'static str {
        match self {
            ActionStatus::NotStarted => "未着手",
            ActionStatus::InProgress => "実施中",
            ActionStatus::Done => "完了",
            ActionStatus::Dropped => "見送り",
        }
    }

    /// Whether the action goes on into next year when the sheet is copied (everything but 完了).
    pub fn carries_over(self) -> bool {
        self != ActionStatus::Done
    }
}

/// The status of an action item of a meeting (`action_item.status`, migration 0027), as staff
/// read it.
pub fn action_item_status_label(code: &str) -> &'static str {
    match code {
        "open" => "未着手",
        "in_progress" => "対応中",
        "done" => "完了",
        "dropped" => "取りやめ",
        _ => "不明",
    }
}

/// A text list typed one item a line: trimmed, empty lines dropped.
pub fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
}
