//! The code lists of a 退院後支援計画: its states, who answers the consent question, the end
//! reasons and the events, each with the code stored in the database and the label staff read.

use std::fmt;
use time::Date;

/// The state of a plan. Terminal codes are exactly `declined`, `ended`, `transferred`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlanState {
    /// 同意確認前 (a candidate; never stored: a plan is created by its consent answer).
    Candidate,
    /// 計画作成中 (consent given).
    Drafting,
    /// 支援中 (from the 退院日).
    Active,
    /// 同意なし (no plan).
    Declined,
    /// 終了.
    Ended,
    /// 移管済み (passed to the municipality the person moved to).
    Transferred,
}

impl PlanState {
    /// Every state.
    pub const ALL: [PlanState; 6] = [
        PlanState::Candidate,
        PlanState::Drafting,
        PlanState::Active,
        PlanState::Declined,
        PlanState::Ended,
        PlanState::Transferred,
    ];

    /// The code in the database.
    pub fn code(self) -> &'static str {
        match self {
            PlanState::Candidate => "candidate",
            PlanState::Drafting => "drafting",
            PlanState::Active => "active",
            PlanState::Declined => "declined",
            PlanState::Ended => "ended",
            PlanState::Transferred => "transferred",
        }
    }

    /// The label staff read.
    pub fn label(self) -> &'static str {
        match self {
            PlanState::Candidate => "同意確認前",
            PlanState::Drafting => "計画作成中",
            PlanState::Active => "支援中",
            PlanState::Declined => "同意なし",
            PlanState::Ended => "終了",
            PlanState::Transferred => "移管済み",
        }
    }

    /// The state of a code.
    pub fn parse(code: &str) -> Option<Self> {
        PlanState::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Whether no event is accepted any more.
    pub fn is_terminal(self) -> bool {
        matches!(self, PlanState::Declined | PlanState::Ended | PlanState::Transferred)
    }
}

impl fmt::Display for PlanState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Who answered the consent question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Party {
    /// 本人.
    Person,
    /// 家族等.
    Family,
}

impl Party {
    /// The code.
    pub fn code(self) -> &'static str {
        match self {
            Party::Person => "person",
            Party::Family => "family",
        }
    }

    /// The label.
    pub fn label(self) -> &'static str {
        match self {
            Party::Person => "本人",
            Party::Family => "家族等",
        }
    }

    /// The party of a code.
    pub fn parse(code: &str) -> Option<Self> {
        [Party::Person, Party::Family].into_iter().find(|p| p.code() == code)
    }
}

/// Who among the 家族等 (法5条2項) gave a view on the plan: a code, never a name.
pub const FAMILY_RELATIONS: &[(&str, &str)] = &[
    ("spouse", "配偶者"),
    ("parent", "親"),
    ("child", "子"),
    ("sibling", "兄弟姉妹"),
    ("guardian", "後見人・保佐人"),
    ("other", "その他の家族等"),
];

/// The label of a family relation code.
pub fn family_relation_label(code: &str) -> Option<&'static str> {
    FAMILY_RELATIONS.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
}

/// Why a plan ended (code list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EndReason {
    /// 期間満了.
    PeriodOver,
    /// 本人の同意撤回.
    ConsentWithdrawn,
    /// 再入院.
    Readmitted,
    /// 転居（移管）: moved away (the plan itself passes only by a transfer with consent).
    Moved,
    /// 死亡.
    Died,
    /// 支援不要となった.
    NoLongerNeeded,
    /// その他.
    Other,
}

/// The end reasons with their codes and labels, in form order.
pub const END_REASONS: &[(EndReason, &str, &str)] = &[
    (EndReason::PeriodOver, "period_over", "期間満了"),
    (EndReason::ConsentWithdrawn, "consent_withdrawn", "本人の同意撤回"),
    (EndReason::Readmitted, "readmitted", "再入院"),
    (EndReason::Moved, "moved", "転居（移管）"),
    (EndReason::Died, "died", "死亡"),
    (EndReason::NoLongerNeeded, "no_longer_needed", "支援不要となった"),
    (EndReason::Other, "other", "その他"),
];

impl EndReason {
    /// The code.
    pub fn code(self) -> &'static str {
        END_REASONS.iter().find(|(r, _, _)| *r == self).map_or("other", |(_, c, _)| c)
    }

    /// The label.
    pub fn label(self) -> &'static str {
        END_REASONS.iter().find(|(r, _, _)| *r == self).map_or("その他", |(_, _, l)| l)
    }

    /// The reason of a code.
    pub fn parse(code: &str) -> Option<Self> {
        END_REASONS.iter().find(|(_, c, _)| *c == code).map(|(r, _, _)| *r)
    }
}

/// An event in a plan's life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanEvent {
    /// The consent question was answered.
    Consent {
        /// Given (true) or refused.
        given: bool,
        /// Who answered: only 本人's answer is accepted (a 家族等's is refused, see `PlanStatus::apply`).
        party: Party,
    },
    /// The plan contents were drafted (the contents themselves are sealed by the store).
    Draft,
    /// A 支援会議 was held (before discharge, for a review, or for an extension).
    Meeting {
        /// Held to consider an extension (purpose 「延長の検討」): an extension needs one.
        for_extension: bool,
    },
    /// Support started on the 退院日 (the event's date).
    Start {
        /// The end of the support period.
        period_end: Date,
        /// The first review, if planned.
        next_review: Option<Date>,
    },
    /// 見直し.
    Review {
        /// The next review date.
        next_review: Option<Date>,
    },
    /// 延長.
    Extend {
        /// The new end of the period.
        new_end: Date,
        /// Why (required).
        reason: String,
        /// Whether the person consented (required).
        consent: bool,
    },
    /// 移管 to the municipality the person moved to.
    Transfer {
        /// Destination 地方公共団体コード (6 digits).
        destination: String,
        /// Whether the person consented to pass the plan on (required).
        consent: bool,
    },
    /// 終了.
    End {
        /// Why.
        reason: EndReason,
    },
}

impl PlanEvent {
    /// The event's code in the database and forms.
    pub fn code(&self) -> &'static str {
        match self {
            PlanEvent::Consent { .. } => "consent",
            PlanEvent::Draft => "draft",
            PlanEvent::Meeting { .. } => "meeting",
            PlanEvent::Start { .. } => "start",
            PlanEvent::Review { .. } => "review",
            PlanEvent::Extend { .. } => "extend",
            PlanEvent::Transfer { .. } => "transfer",
            PlanEvent::End { .. } => "end",
        }
    }

    /// The label of an event code.
    pub fn label_of(code: &str) -> &'static str {
        match code {
            "consent" => "同意の確認",
            "draft" => "計画内容の作成",
            "meeting" => "支援会議",
            "start" => "支援開始（退院）",
            "review" => "見直し",
            "extend" => "期間の延長",
            "transfer" => "移管",
            "end" => "終了",
            _ => "記録",
        }
    }
}
