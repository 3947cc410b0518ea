//! 23条通報 case work: the code lists (dispositions, decisions, professions) versioned by fiscal
//! year, the case state machine from intake to closure, and the rules that turn case records into
//! the sheet's section-4 figures. No I/O: the store keeps the records, this module decides.
//!
//! The flow follows 措置入院の運用に関するガイドライン (H30.3): `Received` (intake) →
//! `Investigating` (事前調査) → a decision (`ExamOrdered`, `OnHold`, or exam not needed, which
//! goes straight to follow-up) → the 措置診察 with its disposition → `FollowUp` (全件フォロー:
//! every case is followed whatever the outcome) → `Closed`. A 緊急措置入院 lasts at most 72 h
//! and is followed by a full 措置診察: a case whose disposition is 緊急措置 may be examined once
//! more, and the second disposition replaces the first.

use crate::FiscalYear;
use std::fmt;

mod finding;
mod rules;
mod section4;
pub mod texts;

pub use rules::{
    ArticleEntry, ExamRequirement, INVESTIGATION_STAFF, INVESTIGATION_STAFF_GUIDED, INVESTIGATION_STAFF_SOURCE,
    REPORT_ARTICLES, ReportArticle, ReviewFlag, exam_requirement,
};

pub use finding::{FIRST_DUE_DAYS, FIRST_DUE_SOURCE, first_due_on, parse_reception, reception_matches};

pub use section4::{
    COUNCIL_MEETINGS, DERIVED_KEYS, Report23Counts, Section4Counts, apply_derived, derived_values, figure_label,
    figure_of, outcomes_fiscal_year, set_entered,
};

/// A disposition of a 23条 case (入院形態 or none), as a versioned code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Disposition {
    /// 措置入院 (法29条).
    Sochi,
    /// 緊急措置入院 (法29条の2), 72 h at most, then a full 措置診察.
    KinkyuSochi,
    /// 医療保護入院 (法33条).
    IryoHogo,
    /// 応急入院 (法33条の7).
    Oukyu,
    /// 任意入院 (法20条).
    Nini,
    /// Examined, no admission (入院なし).
    NoAdmission,
    /// その他.
    Other,
}

/// One entry of a versioned code list: in force from `from` to `to` (inclusive, `None` = still).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeEntry<T: 'static> {
    /// The value.
    pub value: T,
    /// The code in the database and forms.
    pub code: &'static str,
    /// The label staff read.
    pub label: &'static str,
    /// First fiscal year in force.
    pub from: i32,
    /// Last fiscal year in force, if it was retired.
    pub to: Option<i32>,
}

impl<T> CodeEntry<T> {
    /// Whether the entry is in force in a fiscal year.
    pub fn in_force(&self, fy: FiscalYear) -> bool {
        fy.year() >= self.from && self.to.is_none_or(|to| fy.year() <= to)
    }
}

/// The disposition code list. 医療保護入院 is time-limited since R6.4 but keeps its code.
pub const DISPOSITIONS: &[CodeEntry<Disposition>] = &[
    CodeEntry { value: Disposition::Sochi, code: "sochi", label: "措置入院", from: 1989, to: None },
    CodeEntry {
        value: Disposition::KinkyuSochi, code: "kinkyu_sochi", label: "緊急措置入院", from: 1989, to: None
    },
    CodeEntry { value: Disposition::IryoHogo, code: "iryo_hogo", label: "医療保護入院", from: 1989, to: None },
    CodeEntry { value: Disposition::Oukyu, code: "oukyu", label: "応急入院", from: 1989, to: None },
    CodeEntry { value: Disposition::Nini, code: "nini", label: "任意入院", from: 1989, to: None },
    CodeEntry { value: Disposition::NoAdmission, code: "no_admission", label: "入院なし", from: 1989, to: None },
    CodeEntry { value: Disposition::Other, code: "other", label: "その他", from: 1989, to: None },
];

impl Disposition {
    /// The entry of this disposition.
    pub fn entry(self) -> &'static CodeEntry<Disposition> {
        DISPOSITIONS.iter().find(|e| e.value == self).expect("every disposition is listed")
    }

    /// The code.
    pub fn code(self) -> &'static str {
        self.entry().code
    }

    /// The label.
    pub fn label(self) -> &'static str {
        self.entry().label
    }

    /// The disposition of a code in force in a fiscal year.
    pub fn parse(code: &str, fy: FiscalYear) -> Option<Self> {
        DISPOSITIONS.iter().find(|e| e.code == code && e.in_force(fy)).map(|e| e.value)
    }

    /// The disposition of a stored code, whatever the year (for reading old records).
    pub fn from_code(code: &str) -> Option<Self> {
        DISPOSITIONS.iter().find(|e| e.code == code).map(|e| e.value)
    }

    /// The codes in force in a fiscal year, for forms.
    pub fn list(fy: FiscalYear) -> Vec<&'static CodeEntry<Disposition>> {
        DISPOSITIONS.iter().filter(|e| e.in_force(fy)).collect()
    }
}

/// What a 指定医 found at the 措置診察.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Finding {
    /// 要措置: a risk of 自傷他害 due to a mental disorder.
    NeedsSochi,
    /// 措置不要.
    NoSochi,
}

impl Finding {
    /// The code.
    pub fn code(self) -> &'static str {
        match self {
            Finding::NeedsSochi => "needs_sochi",
            Finding::NoSochi => "no_sochi",
        }
    }

    /// The label.
    pub fn label(self) -> &'static str {
        match self {
            Finding::NeedsSochi => "要措置",
            Finding::NoSochi => "措置不要",
        }
    }

    /// The finding of a code.
    pub fn parse(code: &str) -> Option<Self> {
        [Finding::NeedsSochi, Finding::NoSochi].into_iter().find(|f| f.code() == code)
    }
}

/// The state of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaseState {
    /// 受理: the report was taken.
    Received,
    /// 事前調査中.
    Investigating,
    /// 保留: decision deferred (e.g. whereabouts unknown).
    OnHold,
    /// 診察決定: a 措置診察 was ordered.
    ExamOrdered,
    /// フォロー中 (全件フォロー): after a disposition or a decision that no exam is needed.
    FollowUp,
    /// 終結.
    Closed,
}

impl CaseState {
    /// Every state.
    pub const ALL: [CaseState; 6] = [
        CaseState::Received,
        CaseState::Investigating,
        CaseState::OnHold,
        CaseState::ExamOrdered,
        CaseState::FollowUp,
        CaseState::Closed,
    ];

    /// The code in the database.
    pub fn code(self) -> &'static str {
        match self {
            CaseState::Received => "received",
            CaseState::Investigating => "investigating",
            CaseState::OnHold => "on_hold",
            CaseState::ExamOrdered => "exam_ordered",
            CaseState::FollowUp => "follow_up",
            CaseState::Closed => "closed",
        }
    }

    /// The label staff read.
    pub fn label(self) -> &'static str {
        match self {
            CaseState::Received => "受理",
            CaseState::Investigating => "事前調査中",
            CaseState::OnHold => "保留",
            CaseState::ExamOrdered => "措置診察予定",
            CaseState::FollowUp => "フォロー中",
            CaseState::Closed => "終結",
        }
    }

    /// The state of a code.
    pub fn parse(code: &str) -> Option<Self> {
        CaseState::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// An event that moves a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseEvent {
    /// 事前調査を開始, with the number of staff who took part (the guideline asks for two or
    /// more, [`INVESTIGATION_STAFF_GUIDED`]); the note is sealed by the store.
    StartInvestigation {
        /// How many staff took part ([`INVESTIGATION_STAFF`]).
        staff: u8,
    },
    /// 診察の要否: exam ordered.
    OrderExam,
    /// 診察不要, with its reason.
    NoExamNeeded {
        /// Why no exam is needed (required).
        reason: String,
    },
    /// 保留, with its reason.
    Hold {
        /// Why (required).
        reason: String,
    },
    /// 措置診察 and its disposition.
    Examine {
        /// The first 指定医's finding.
        first: Finding,
        /// The second 指定医's finding (none only for 緊急措置, which needs one 指定医).
        second: Option<Finding>,
        /// The disposition.
        disposition: Disposition,
        /// The receiving hospital, required when the disposition admits.
        hospital: String,
        /// Why this disposition, required when [`exam_requirement`] says so.
        reason: String,
    },
    /// A follow-up contact (全件フォロー).
    FollowUpContact,
    /// 終結, with its reason.
    Close {
        /// Why the case is closed (required).
        reason: String,
    },
}

impl CaseEvent {
    /// The event's code in the database.
    pub fn code(&self) -> &'static str {
        match self {
            CaseEvent::StartInvestigation { .. } => "start_investigation",
            CaseEvent::OrderExam => "order_exam",
            CaseEvent::NoExamNeeded { .. } => "no_exam_needed",
            CaseEvent::Hold { .. } => "hold",
            CaseEvent::Examine { .. } => "examine",
            CaseEvent::FollowUpContact => "follow_up",
            CaseEvent::Close { .. } => "close",
        }
    }

    /// The review flag the event gives its case, if any.
    pub fn review_flag(&self) -> Option<ReviewFlag> {
        match self {
            CaseEvent::Examine { first, second, disposition, .. } => {
                exam_requirement(*first, *second, *disposition).flag
            }
            _ => None,
        }
    }

    /// The label of an event code, for the timeline.
    pub fn label_of(code: &str) -> &'static str {
        match code {
            "intake" => "通報受理",
            "identify" => "本人の特定",
            "start_investigation" => "事前調査",
            "order_exam" => "措置診察の決定",
            "no_exam_needed" => "診察不要の決定",
            "hold" => "保留",
            "examine" => "措置診察・処遇決定",
            "follow_up" => "フォロー（連絡・訪問）",
            "close" => "終結",
            _ => "記録",
        }
    }
}

/// What the state machine knows about a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseStatus {
    /// The state.
    pub state: CaseState,
    /// The disposition, once examined.
    pub disposition: Option<Disposition>,
    /// Whether the decision was that no exam is needed.
    pub exam_not_needed: bool,
    /// How many 措置診察 were recorded (a second only after 緊急措置).
    pub examinations: u8,
}

impl CaseStatus {
    /// A case just taken in.
    pub fn received() -> Self {
        Self { state: CaseState::Received, disposition: None, exam_not_needed: false, examinations: 0 }
    }

    /// Whether the status is one the flow can reach: a disposition exactly when examined, no
    /// disposition together with "no exam needed", follow-up only after a decision or an exam.
    pub fn is_consistent(&self) -> bool {
        let examined = self.examinations > 0;
        let decided = examined || self.exam_not_needed;
        let by_state = match self.state {
            CaseState::Received | CaseState::Investigating | CaseState::OnHold | CaseState::ExamOrdered => !decided,
            CaseState::FollowUp | CaseState::Closed => decided,
        };
        by_state
            && examined == self.disposition.is_some()
            && !(examined && self.exam_not_needed)
            && self.examinations <= 2
            && (self.examinations < 2 || self.disposition != Some(Disposition::KinkyuSochi))
    }

    /// The events allowed now, by code (for the buttons on the case page).
    pub fn allowed(&self) -> Vec<&'static str> {
        match self.state {
            CaseState::Received => vec!["start_investigation"],
            CaseState::Investigating => vec!["order_exam", "no_exam_needed", "hold"],
            CaseState::OnHold => vec!["order_exam", "no_exam_needed"],
            CaseState::ExamOrdered => vec!["examine"],
            CaseState::FollowUp if self.may_examine_again() => vec!["examine", "follow_up", "close"],
            CaseState::FollowUp => vec!["follow_up", "close"],
            CaseState::Closed => vec![],
        }
    }

    fn may_examine_again(&self) -> bool {
        self.disposition == Some(Disposition::KinkyuSochi) && self.examinations == 1
    }

    /// Applies an event, or says in Japanese why it is refused.
    pub fn apply(&self, event: &CaseEvent) -> Result<CaseStatus, CaseError> {
        check_event(event)?;
        let refuse = || CaseError::Transition { state: self.state, event: event.code() };
        let mut next = self.clone();
        match (self.state, event) {
            (CaseState::Received, CaseEvent::StartInvestigation { .. }) => next.state = CaseState::Investigating,
            (CaseState::Investigating | CaseState::OnHold, CaseEvent::OrderExam) => next.state = CaseState::ExamOrdered,
            (CaseState::Investigating | CaseState::OnHold, CaseEvent::NoExamNeeded { .. }) => {
                next.state = CaseState::FollowUp;
                next.exam_not_needed = true;
            }
            (CaseState::Investigating, CaseEvent::Hold { .. }) => next.state = CaseState::OnHold,
            (CaseState::ExamOrdered, CaseEvent::Examine { disposition, .. }) => {
                next.state = CaseState::FollowUp;
                next.disposition = Some(*disposition);
                next.examinations = 1;
            }
            (CaseState::FollowUp, CaseEvent::Examine { disposition, .. }) if self.may_examine_again() => {
                if *disposition == Disposition::KinkyuSochi {
                    return Err(CaseError::Invalid {
                        field: "disposition",
                        reason: "緊急措置入院の後の措置診察では、緊急措置以外の処遇を選んでください".into(),
                    });
                }
                next.disposition = Some(*disposition);
                next.examinations = 2;
            }
            (CaseState::FollowUp, CaseEvent::FollowUpContact) => {}
            (CaseState::FollowUp, CaseEvent::Close { .. }) => next.state = CaseState::Closed,
            _ => return Err(refuse()),
        }
        Ok(next)
    }
}

/// Checks an event's own fields, naming the field in Japanese.
fn check_event(event: &CaseEvent) -> Result<(), CaseError> {
    let required = |field: &'static str, text: &str, what: &str| {
        if text.trim().is_empty() {
            Err(CaseError::Invalid { field, reason: format!("{what}を入力してください") })
        } else {
            Ok(())
        }
    };
    match event {
        CaseEvent::NoExamNeeded { reason } => required("reason", reason, "診察不要の理由"),
        CaseEvent::Hold { reason } => required("reason", reason, "保留の理由"),
        CaseEvent::Close { reason } => required("reason", reason, "終結の理由"),
        CaseEvent::StartInvestigation { staff } => {
            if INVESTIGATION_STAFF.contains(staff) {
                Ok(())
            } else {
                Err(CaseError::Invalid {
                    field: "staff_count",
                    reason: format!(
                        "事前調査に当たった職員の人数を{}から{}の数で入力してください",
                        INVESTIGATION_STAFF.start(),
                        INVESTIGATION_STAFF.end()
                    ),
                })
            }
        }
        CaseEvent::Examine { first, second, disposition, hospital, reason } => {
            let admits = !matches!(disposition, Disposition::NoAdmission | Disposition::Other);
            if *disposition != Disposition::KinkyuSochi && second.is_none() {
                return Err(CaseError::Invalid {
                    field: "second",
                    reason:
                        "二次診察（2人目の指定医）の所見を選んでください（1人の所見で足りるのは緊急措置入院だけです）"
                            .into(),
                });
            }
            if *disposition == Disposition::Sochi
                && (*first != Finding::NeedsSochi || *second != Some(Finding::NeedsSochi))
            {
                return Err(CaseError::Invalid {
                    field: "disposition",
                    reason: "措置入院は2人の指定医がともに「要措置」と診察した場合だけです".into(),
                });
            }
            if *disposition == Disposition::KinkyuSochi && *first != Finding::NeedsSochi {
                return Err(CaseError::Invalid {
                    field: "disposition",
                    reason: "緊急措置入院には指定医の「要措置」の所見が必要です".into(),
                });
            }
            if admits && hospital.trim().is_empty() {
                return Err(CaseError::Invalid {
                    field: "hospital",
                    reason: "入院先の医療機関を入力してください".into(),
                });
            }
            match exam_requirement(*first, *second, *disposition).reason {
                Some(missing) if reason.trim().is_empty() => {
                    Err(CaseError::Invalid { field: "reason", reason: missing.into() })
                }
                _ => Ok(()),
            }
        }
        CaseEvent::OrderExam | CaseEvent::FollowUpContact => Ok(()),
    }
}

/// Why an event was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    /// The event is not allowed in the case's state.
    #[error("「{}」の状態では「{}」はできません", state.label(), CaseEvent::label_of(event))]
    Transition {
        /// The state.
        state: CaseState,
        /// The refused event's code.
        event: &'static str,
    },
    /// A field of the event is missing or wrong.
    #[error("{reason}")]
    Invalid {
        /// The form field.
        field: &'static str,
        /// The reason, naming the field.
        reason: String,
    },
}

impl CaseError {
    /// The form field the error belongs to (`state` for a refused transition).
    pub fn field(&self) -> &'static str {
        match self {
            CaseError::Transition { .. } => "state",
            CaseError::Invalid { field, .. } => field,
        }
    }
}

/// Professions of outreach visitors (versioned code list).
pub const PROFESSIONS: &[CodeEntry<&'static str>] = &[
    CodeEntry { value: "doctor", code: "doctor", label: "医師", from: 1989, to: None },
    CodeEntry { value: "nurse", code: "nurse", label: "看護師", from: 1989, to: None },
    CodeEntry { value: "phn", code: "phn", label: "保健師", from: 1989, to: None },
    CodeEntry { value: "psw", code: "psw", label: "精神保健福祉士", from: 1989, to: None },
    CodeEntry { value: "psychologist", code: "psychologist", label: "心理職", from: 1989, to: None },
    CodeEntry { value: "midwife", code: "midwife", label: "助産師", from: 1989, to: None },
    CodeEntry { value: "ot", code: "ot", label: "作業療法士", from: 1989, to: None },
    CodeEntry { value: "other", code: "other", label: "その他", from: 1989, to: None },
];

/// Outreach contact methods. `phone` is a call, not a visit: the sheet's ③ counts visits only.
pub const VISIT_METHODS: &[(&str, &str)] =
    &[("home", "家庭訪問"), ("accompanied", "同行訪問"), ("phone", "電話（訪問ではない）")];

/// The 受付番号 of a case, which the bed finder's holds carry instead of a name: the fiscal year
/// of receipt in short 和暦 and the case number (`R3-012`). Unique, since case numbers are; a
/// valid `beds::CaseRef` for any case number below 10^15.
pub fn reception_number(fy: FiscalYear, case_id: i64) -> String {
    format!("{}-{case_id:03}", fy.wareki_short().trim_end_matches("年度"))
}

/// The admission type the bed finder searches for after a disposition, if it is an admission.
pub fn admission_of(disposition: Disposition) -> Option<crate::beds::AdmissionType> {
    use crate::beds::AdmissionType;
    match disposition {
        Disposition::Sochi => Some(AdmissionType::Sochi),
        Disposition::KinkyuSochi => Some(AdmissionType::KinkyuSochi),
        Disposition::IryoHogo => Some(AdmissionType::IryoHogo),
        Disposition::Oukyu => Some(AdmissionType::Okyu),
        Disposition::Nini => Some(AdmissionType::Nini),
        Disposition::NoAdmission | Disposition::Other => None,
    }
}

impl fmt::Display for CaseState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests;
