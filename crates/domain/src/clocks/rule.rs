//! The shape of a legal clock rule: what starts and stops it, how long it runs, when it is due
//! soon, where the rule comes from, and whether nimo could verify it. The rules themselves are
//! data in `table.rs`.

use super::EventKind;
use super::period::{JST, after_days, after_hours, after_months, months_before};
use crate::beds::AdmissionType;
use time::{Date, Duration, OffsetDateTime};

/// One version of a clock rule, in force from `effective_from` to `effective_to` (both inclusive,
/// JST dates of the starting event; `None` = open).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Stable code, the same for every version of a rule (stored with each clock).
    pub id: &'static str,
    /// The label staff read.
    pub label: &'static str,
    /// First day in force (`None`: since before the records nimo keeps).
    pub effective_from: Option<Date>,
    /// Last day in force (`None`: still in force).
    pub effective_to: Option<Date>,
    /// The article in force for this version.
    pub article: &'static str,
    /// The article's number before the R6.4 amendment, where it moved.
    pub previous_article: Option<&'static str>,
    /// How long the clock runs.
    pub length: Length,
    /// What the length is counted from.
    pub anchor: Anchor,
    /// Events that start the clock (an event that starts it again replaces the running instance).
    pub starts: &'static [Start],
    /// Events that stop it.
    pub stops: &'static [Stop],
    /// An event that stops the running instance and starts the next one (更新, the next report).
    pub restarts_on: Option<EventKind>,
    /// Whether a restarted instance counts from the end of the previous one (a renewed period
    /// follows the period it renews) rather than from the restarting event.
    pub chains: bool,
    /// Whether an end declared by the starting event (the hospital's 入院期間, a warrant's term,
    /// a plan's period) replaces the computed one when it is earlier.
    pub declared_may_shorten: bool,
    /// Moves the deadline before the end of the period (the notice due before expiry).
    pub ends_before: Option<Window>,
    /// From when before the deadline the clock is "due soon" (a working choice unless the
    /// source says otherwise).
    pub due_soon: Window,
    /// Where the rule comes from.
    pub source: Source,
    /// Whether nimo verified it.
    pub verification: Verification,
}

/// How long a clock runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Length {
    /// Hours from the anchor (民法139条: from the instant).
    Hours(u32),
    /// Days from the anchor (民法140条: first day not counted unless it starts at midnight).
    Days(u32),
    /// Calendar months from the anchor (民法143条).
    Months(u32),
    /// Months from the start of each period: `early` while the period starts less than
    /// `threshold` months after the anchor, `late` after that (医療保護入院's 入院期間).
    StagedMonths {
        /// Months of a period starting early.
        early: u32,
        /// Months after the anchor from which periods are `late`.
        threshold: u32,
        /// Months of a later period.
        late: u32,
    },
    /// A schedule from the anchor: the n-th instance is due `first[n]` months after it, then
    /// every `every` months after the last of `first` (定期病状報告).
    ScheduleMonths {
        /// The first due points, in months after the anchor.
        first: &'static [u32],
        /// The interval after them.
        every: u32,
    },
    /// Only the end the starting event declares (a plan's period); none declared, no deadline.
    Declared,
}

/// What a length is counted from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// The event that started this instance.
    Start,
    /// The entry into the current 入院形態 (admission in it or change into it).
    FormEntry,
    /// The latest earlier event of a kind (the start of police 保護 for its extension).
    Last(EventKind),
}

/// What starts a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// An event of a kind.
    Event(EventKind),
    /// Entering a 入院形態; `specified_doctor`: `Some(true)` only on a 特定医師's examination,
    /// `Some(false)` only on a 指定医's, `None` either.
    Enters {
        /// The form entered.
        form: AdmissionType,
        /// Whose examination it must rest on.
        specified_doctor: Option<bool>,
    },
    /// Leaving a 入院形態 (change of form, 措置解除 or discharge).
    Leaves(AdmissionType),
}

/// What stops a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// An event of a kind.
    Event(EventKind),
    /// Leaving a 入院形態.
    Leaves(AdmissionType),
}

/// A stretch of time before a deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// Hours.
    Hours(u32),
    /// Days (24-hour days).
    Days(u32),
    /// Calendar months (the same JST time of day, months earlier).
    Months(u32),
}

impl Window {
    /// The instant this window before `deadline`.
    pub fn before(self, deadline: OffsetDateTime) -> OffsetDateTime {
        match self {
            Window::Hours(h) => deadline - Duration::hours(i64::from(h)),
            Window::Days(d) => deadline - Duration::days(i64::from(d)),
            Window::Months(m) => months_before(deadline, m),
        }
    }

    /// In Japanese (`24時間`, `14日`, `1か月`).
    pub fn label(self) -> String {
        match self {
            Window::Hours(h) => format!("{h}時間"),
            Window::Days(d) => format!("{d}日"),
            Window::Months(m) => format!("{m}か月"),
        }
    }
}

/// Where a rule comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    /// The law and article (警察官職務執行法3条3項, 精神保健福祉法29条の2第3項 …).
    pub law: &'static str,
    /// The ordinance (施行規則) part, if any.
    pub ordinance: Option<&'static str>,
    /// The 通知 or guideline, with its number and date, if any.
    pub notice: Option<&'static str>,
    /// What nimo read to check the rule (text copies, MHLW pages, forms).
    pub read: &'static str,
    /// How strong that reading is.
    pub confidence: Confidence,
}

/// How strong the source nimo read is (domain.md (h)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confidence {
    /// P: the primary text (an exact copy of the law, an MHLW 通知).
    Primary,
    /// S: a reliable secondary source (MHLW slides, a prefecture's form, a 通知 quoted elsewhere).
    Secondary,
    /// N: not verified.
    None,
}

/// Whether nimo could verify a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// 確認済: length, start and stop were read in the source.
    Confirmed,
    /// 要確認: what still has to be checked against the original.
    Unconfirmed(&'static str),
}

impl Verification {
    /// `確認済` or `要確認`.
    pub fn label(self) -> &'static str {
        match self {
            Verification::Confirmed => "確認済",
            Verification::Unconfirmed(_) => "要確認",
        }
    }
}

impl Rule {
    /// Whether the rule is in force on a JST date.
    pub fn in_force(&self, on: Date) -> bool {
        self.effective_from.is_none_or(|from| from <= on) && self.effective_to.is_none_or(|to| on <= to)
    }

    /// The end of the period of one instance, before `ends_before` moves it: `period_start` is
    /// where this instance counts from (its start, or the previous instance's end when the rule
    /// chains), `anchor` what the rule counts from, `instance` its number (0 for the first).
    pub fn period_end(
        &self,
        period_start: OffsetDateTime,
        anchor: OffsetDateTime,
        instance: u32,
        declared: Option<OffsetDateTime>,
    ) -> Option<OffsetDateTime> {
        let from = match self.anchor {
            Anchor::Start => period_start,
            Anchor::FormEntry | Anchor::Last(_) => anchor,
        };
        let legal = match self.length {
            Length::Hours(h) => Some(after_hours(from, h)),
            Length::Days(d) => Some(after_days(from, d)),
            Length::Months(m) => Some(after_months(from, m)),
            Length::StagedMonths { early, threshold, late } => {
                let months = if period_start < after_months(anchor, threshold) { early } else { late };
                Some(after_months(period_start, months))
            }
            Length::ScheduleMonths { first, every } => {
                let index = usize::try_from(instance).unwrap_or(usize::MAX);
                let months = match first.get(index) {
                    Some(m) => *m,
                    None => {
                        let after = u32::try_from(index - first.len() + 1).unwrap_or(u32::MAX);
                        first.last().copied().unwrap_or(0).saturating_add(every.saturating_mul(after))
                    }
                };
                Some(after_months(anchor, months))
            }
            Length::Declared => return declared,
        };
        match (legal, declared) {
            (Some(legal), Some(declared)) if self.declared_may_shorten => Some(legal.min(declared)),
            (legal, _) => legal,
        }
    }

    /// The length in Japanese (`72時間`, `10日`, `3か月（入院から6か月後は6か月）` …).
    pub fn length_label(&self) -> String {
        let base = match self.length {
            Length::Hours(h) => format!("{h}時間"),
            Length::Days(d) => format!("{d}日"),
            Length::Months(m) => format!("{m}か月"),
            Length::StagedMonths { early, threshold, late } => {
                format!("{early}か月（{threshold}か月経過後は{late}か月）")
            }
            Length::ScheduleMonths { first, every } => {
                let points: Vec<String> = first.iter().map(|m| format!("{m}か月")).collect();
                format!("{}、以後{every}か月ごと", points.join("・"))
            }
            Length::Declared => "定めた期間".to_string(),
        };
        match self.ends_before {
            Some(window) => format!("{base}の満了の{}前まで", window.label()),
            None => base,
        }
    }

    /// The article with its pre-R6.4 number, if it moved (`法33条の6（R6.3以前は33条の7）`).
    pub fn article_label(&self) -> String {
        match self.previous_article {
            Some(before) => format!("{}（令和6年3月以前は{before}）", self.article),
            None => self.article.to_string(),
        }
    }
}

/// The rules of `table` in force on the JST date of `at`.
pub fn rules_at(table: &'static [Rule], at: OffsetDateTime) -> impl Iterator<Item = &'static Rule> {
    let on = at.to_offset(JST).date();
    table.iter().filter(move |rule| rule.in_force(on))
}
