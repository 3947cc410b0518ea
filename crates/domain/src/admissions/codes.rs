//! The code lists of an admission: the allowed changes of 入院形態 as data, who consented to a
//! 医療保護入院, the notices the 保健所 receives, the hospital reference, the states and events,
//! and the errors, each with the code stored in the database and the label staff read.

use crate::beds::AdmissionType::{self, IryoHogo, KinkyuSochi, Nini, Okyu, Sochi};
use crate::clocks::{ARTICLE_MOVES, JST, R6_4};
use std::fmt;
use time::OffsetDateTime;

/// A change of 入院形態 the law allows while the person stays in hospital, with when it happens.
/// A 措置入院 changes only through 措置解除 (see [`AFTER_SOCHI`]).
pub const FORM_CHANGES: &[(AdmissionType, AdmissionType, &str)] = &[
    (KinkyuSochi, Sochi, "措置診察で2人の指定医の診察結果が一致し、措置入院となった"),
    (KinkyuSochi, IryoHogo, "措置不要とされ、家族等または市町村長の同意で医療保護入院となった"),
    (KinkyuSochi, Nini, "措置不要とされ、本人の同意で任意入院となった"),
    (Okyu, IryoHogo, "家族等または市町村長の同意が得られ、医療保護入院となった"),
    (Okyu, Nini, "本人の同意で任意入院となった"),
    (IryoHogo, Nini, "本人の同意で任意入院となった"),
    (IryoHogo, Sochi, "措置診察の結果、措置入院となった"),
    (Nini, IryoHogo, "退院の申出の後、指定医の診察と家族等の同意で医療保護入院となった"),
    (Nini, Sochi, "措置診察の結果、措置入院となった"),
];

/// The forms a person may stay in after 措置解除 (or they leave hospital).
pub const AFTER_SOCHI: &[AdmissionType] = &[IryoHogo, Nini];

/// Whether a change of form is allowed.
pub fn may_change(from: AdmissionType, to: AdmissionType) -> bool {
    FORM_CHANGES.iter().any(|(f, t, _)| *f == from && *t == to)
}

/// The forms reachable from `from` by a change.
pub fn changes_from(from: AdmissionType) -> Vec<AdmissionType> {
    FORM_CHANGES.iter().filter(|(f, _, _)| *f == from).map(|(_, t, _)| *t).collect()
}

/// Whether a form may rest on a 特定医師's examination (医療保護入院, 応急入院).
pub fn allows_specified_doctor(form: AdmissionType) -> bool {
    matches!(form, IryoHogo | Okyu)
}

/// Whether the 入院日時 falls on or after R6.4 (JST), when 医療保護入院 became time-limited.
pub fn after_r6_4(at: OffsetDateTime) -> bool {
    at.to_offset(JST).date() >= R6_4
}

/// Who consented to a 医療保護入院 (or to its renewal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Consent {
    /// 家族等.
    Family,
    /// 市町村長 (no 家族等, none can express a view, or all decline to say).
    Mayor,
}

impl Consent {
    /// Both, in the order forms list them.
    pub const ALL: [Consent; 2] = [Consent::Family, Consent::Mayor];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Consent::Family => "family",
            Consent::Mayor => "mayor",
        }
    }

    /// The label staff read.
    pub fn label(self) -> &'static str {
        match self {
            Consent::Family => "家族等の同意",
            Consent::Mayor => "市町村長同意",
        }
    }

    /// The consent of a code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    /// The article of a 市町村長同意 on the JST date of `at` (33条3項 until R6.3, 2項 after).
    pub fn article_at(self, at: OffsetDateTime) -> Option<&'static str> {
        let moved = ARTICLE_MOVES.iter().find(|m| m.topic.starts_with("市町村長同意"))?;
        match self {
            Consent::Family => None,
            Consent::Mayor if after_r6_4(at) => Some(moved.after),
            Consent::Mayor => Some(moved.before),
        }
    }
}

/// A notice or report from the hospital that the 保健所 received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoticeKind {
    /// 入院届 (医療保護入院).
    Admission,
    /// 更新届.
    Renewal,
    /// 退院届.
    Discharge,
    /// 定期病状報告 (措置入院).
    PeriodicReport,
    /// 症状消退届 (措置入院).
    SymptomsResolved,
}

impl NoticeKind {
    /// Every kind.
    pub const ALL: [NoticeKind; 5] = [
        NoticeKind::Admission,
        NoticeKind::Renewal,
        NoticeKind::Discharge,
        NoticeKind::PeriodicReport,
        NoticeKind::SymptomsResolved,
    ];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            NoticeKind::Admission => "admission",
            NoticeKind::Renewal => "renewal",
            NoticeKind::Discharge => "discharge",
            NoticeKind::PeriodicReport => "periodic_report",
            NoticeKind::SymptomsResolved => "symptoms_resolved",
        }
    }

    /// The label staff read.
    pub fn label(self) -> &'static str {
        match self {
            NoticeKind::Admission => "入院届",
            NoticeKind::Renewal => "更新届",
            NoticeKind::Discharge => "退院届",
            NoticeKind::PeriodicReport => "定期病状報告",
            NoticeKind::SymptomsResolved => "症状消退届",
        }
    }

    /// The kind of a code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// The hospital: one of the bed finder's hospitals, or a name typed in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HospitalRef {
    /// A bed finder hospital, by its id (`hospital.id`, text such as `h-meguro-1`).
    Listed(String),
    /// A hospital not in the bed finder (the name as typed).
    Typed(String),
}

/// The state of an admission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AdmissionState {
    /// 入院中.
    Admitted,
    /// 退院 (only notices and the plan link are recorded after it).
    Discharged,
}

impl AdmissionState {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            AdmissionState::Admitted => "admitted",
            AdmissionState::Discharged => "discharged",
        }
    }

    /// The label staff read.
    pub fn label(self) -> &'static str {
        match self {
            AdmissionState::Admitted => "入院中",
            AdmissionState::Discharged => "退院",
        }
    }

    /// The state of a code.
    pub fn parse(code: &str) -> Option<Self> {
        [AdmissionState::Admitted, AdmissionState::Discharged].into_iter().find(|s| s.code() == code)
    }
}

impl fmt::Display for AdmissionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The label of an admission event code, for the timeline.
pub fn event_label(code: &str) -> &'static str {
    match code {
        "admit" => "入院",
        "change_form" => "入院形態の変更",
        "designated_exam" => "指定医の診察",
        "lift_sochi" => "措置解除",
        "renew" => "入院期間の更新",
        "request_renewal_consent" => "更新の同意の求め",
        "appoint_counselor" => "退院後生活環境相談員の選任",
        "notice" => "届出・報告の受理",
        "link_plan" => "退院後支援計画との紐付け",
        "discharge" => "退院",
        _ => "記録",
    }
}

/// Why an admission or one of its events was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdmissionError {
    /// The event is not allowed in the admission's state or form.
    #[error("「{}」（{}）の状態では「{}」はできません", state.label(), form.label(), event_label(event))]
    Transition {
        /// The state.
        state: AdmissionState,
        /// The current 入院形態.
        form: AdmissionType,
        /// The refused event's code.
        event: &'static str,
    },
    /// A change of 入院形態 the law does not provide for.
    #[error("「{}」から「{}」への入院形態の変更はできません（できる変更: {}）", from.label(), to.label(), allowed_labels(*from))]
    FormChange {
        /// The current form.
        from: AdmissionType,
        /// The form asked for.
        to: AdmissionType,
    },
    /// No hospital: neither one of the list nor a typed name.
    #[error("入院先の医療機関を一覧から選ぶか入力してください")]
    NoHospital,
    /// A 特定医師's examination for a form that does not allow it.
    #[error("特定医師の診察による入院は医療保護入院と応急入院だけです（{}）", .0.label())]
    SpecifiedDoctor(AdmissionType),
    /// A 医療保護入院 without its consent.
    #[error("医療保護入院の同意者（家族等または市町村長）を選んでください")]
    ConsentMissing,
    /// A consent recorded for another form.
    #[error("同意者は医療保護入院のときだけ記録します（{}）", .0.label())]
    ConsentNotApplicable(AdmissionType),
    /// A 入院期間 recorded for another form.
    #[error("入院期間は医療保護入院のときだけ記録します（{}）", .0.label())]
    PeriodNotApplicable(AdmissionType),
    /// A period that ends before it begins.
    #[error("入院期間の終了は入院・変更・更新の日時より後にしてください")]
    PeriodEndTooEarly,
    /// An event before the admission's last one.
    #[error("日時は前回の記録より前にはできません")]
    BeforeLastEvent,
    /// A renewal before the system existed.
    #[error("入院期間の更新は令和6年4月1日からの制度です")]
    RenewalBeforeR6_4,
    /// A notice that does not fit the admission.
    #[error("{}は今の入院形態（{}）では受理できません", notice.label(), form.label())]
    NoticeNotApplicable {
        /// The notice.
        notice: NoticeKind,
        /// The current form.
        form: AdmissionType,
    },
    /// A plan link without a plan.
    #[error("退院後支援計画を選んでください")]
    NoPlan,
}

fn allowed_labels(from: AdmissionType) -> String {
    let to: Vec<&str> = if from == Sochi {
        vec!["措置解除として記録してください"]
    } else {
        changes_from(from).into_iter().map(AdmissionType::label).collect()
    };
    if to.is_empty() { "なし".to_string() } else { to.join("、") }
}

impl AdmissionError {
    /// The form field the error belongs to (`state` for a refused transition).
    pub fn field(&self) -> &'static str {
        match self {
            AdmissionError::Transition { .. } => "state",
            AdmissionError::FormChange { .. } => "form",
            AdmissionError::NoHospital => "hospital",
            AdmissionError::SpecifiedDoctor(_) => "specified_doctor",
            AdmissionError::ConsentMissing | AdmissionError::ConsentNotApplicable(_) => "consent",
            AdmissionError::PeriodNotApplicable(_) | AdmissionError::PeriodEndTooEarly => "period_end",
            AdmissionError::BeforeLastEvent | AdmissionError::RenewalBeforeR6_4 => "occurred_at",
            AdmissionError::NoticeNotApplicable { .. } => "notice",
            AdmissionError::NoPlan => "plan_id",
        }
    }
}
