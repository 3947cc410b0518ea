//! The events that start and stop legal clocks: police 保護, admission and its changes, the
//! hospital's notices as the 保健所 receives them, the 退院後支援計画, each at an instant.

use crate::beds::AdmissionType;
use time::OffsetDateTime;

/// A kind of event a clock rule can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// 警職法3条による保護の開始.
    PoliceProtection,
    /// 保護の延長を認める簡易裁判所の許可状.
    CourtExtension,
    /// 保護の終了 (引継ぎ・帰宅).
    ProtectionEnded,
    /// 入院 (with its 入院形態).
    Admission,
    /// 入院形態の変更 (to the form the event carries).
    FormChange,
    /// 指定医の診察 after an admission on a 特定医師's examination.
    DesignatedExam,
    /// 措置解除 (症状消退届を受けて); the person stays under the form the event carries, or leaves.
    SochiLifted,
    /// 医療保護入院の入院期間の更新.
    Renewal,
    /// 更新の同意の求め (家族等への通知, or the request to the 市町村長).
    RenewalConsentRequested,
    /// 退院.
    Discharge,
    /// 入院届 received.
    AdmissionNotice,
    /// 更新届 received.
    RenewalNotice,
    /// 退院届 received.
    DischargeNotice,
    /// 定期病状報告 received.
    PeriodicReport,
    /// 症状消退届 received.
    SymptomNotice,
    /// 退院後生活環境相談員の選任.
    CounselorAppointed,
    /// 退院後支援計画による支援の開始 (退院日).
    PlanStarted,
    /// 支援期間の延長.
    PlanExtended,
    /// 支援の終了 (or its transfer to another authority).
    PlanEnded,
}

impl EventKind {
    /// Every kind.
    pub const ALL: [EventKind; 19] = [
        EventKind::PoliceProtection,
        EventKind::CourtExtension,
        EventKind::ProtectionEnded,
        EventKind::Admission,
        EventKind::FormChange,
        EventKind::DesignatedExam,
        EventKind::SochiLifted,
        EventKind::Renewal,
        EventKind::RenewalConsentRequested,
        EventKind::Discharge,
        EventKind::AdmissionNotice,
        EventKind::RenewalNotice,
        EventKind::DischargeNotice,
        EventKind::PeriodicReport,
        EventKind::SymptomNotice,
        EventKind::CounselorAppointed,
        EventKind::PlanStarted,
        EventKind::PlanExtended,
        EventKind::PlanEnded,
    ];

    /// The code stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            EventKind::PoliceProtection => "police_protection",
            EventKind::CourtExtension => "court_extension",
            EventKind::ProtectionEnded => "protection_ended",
            EventKind::Admission => "admission",
            EventKind::FormChange => "form_change",
            EventKind::DesignatedExam => "designated_exam",
            EventKind::SochiLifted => "sochi_lifted",
            EventKind::Renewal => "renewal",
            EventKind::RenewalConsentRequested => "renewal_consent_requested",
            EventKind::Discharge => "discharge",
            EventKind::AdmissionNotice => "admission_notice",
            EventKind::RenewalNotice => "renewal_notice",
            EventKind::DischargeNotice => "discharge_notice",
            EventKind::PeriodicReport => "periodic_report",
            EventKind::SymptomNotice => "symptom_notice",
            EventKind::CounselorAppointed => "counselor_appointed",
            EventKind::PlanStarted => "plan_started",
            EventKind::PlanExtended => "plan_extended",
            EventKind::PlanEnded => "plan_ended",
        }
    }

    /// The label staff read.
    pub fn label(self) -> &'static str {
        match self {
            EventKind::PoliceProtection => "警察官による保護の開始",
            EventKind::CourtExtension => "保護延長の許可状",
            EventKind::ProtectionEnded => "保護の終了",
            EventKind::Admission => "入院",
            EventKind::FormChange => "入院形態の変更",
            EventKind::DesignatedExam => "指定医の診察",
            EventKind::SochiLifted => "措置解除",
            EventKind::Renewal => "入院期間の更新",
            EventKind::RenewalConsentRequested => "更新の同意の求め",
            EventKind::Discharge => "退院",
            EventKind::AdmissionNotice => "入院届の受理",
            EventKind::RenewalNotice => "更新届の受理",
            EventKind::DischargeNotice => "退院届の受理",
            EventKind::PeriodicReport => "定期病状報告の受理",
            EventKind::SymptomNotice => "症状消退届の受理",
            EventKind::CounselorAppointed => "退院後生活環境相談員の選任",
            EventKind::PlanStarted => "退院後支援の開始",
            EventKind::PlanExtended => "支援期間の延長",
            EventKind::PlanEnded => "退院後支援の終了",
        }
    }

    /// The kind of a stored code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// One event at an instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// What happened.
    pub kind: EventKind,
    /// When (an instant; shown in JST).
    pub at: OffsetDateTime,
    /// The 入院形態 entered: with `Admission` and `FormChange`, and with `SochiLifted` when the
    /// person stays in hospital under another form.
    pub form: Option<AdmissionType>,
    /// Whether the form was entered on a 特定医師's examination.
    pub specified_doctor: bool,
    /// An end the event declares: the 入院期間 the hospital set, a warrant's term, a plan's
    /// period end (the instant it has run out).
    pub declared_end: Option<OffsetDateTime>,
}

impl Event {
    /// An event with nothing but its kind and instant.
    pub fn new(kind: EventKind, at: OffsetDateTime) -> Self {
        Self { kind, at, form: None, specified_doctor: false, declared_end: None }
    }

    /// The same event entering a 入院形態 (on a 特定医師's examination if `specified_doctor`).
    pub fn entering(mut self, form: AdmissionType, specified_doctor: bool) -> Self {
        self.form = Some(form);
        self.specified_doctor = specified_doctor;
        self
    }

    /// The same event declaring an end.
    pub fn declaring(mut self, end: OffsetDateTime) -> Self {
        self.declared_end = Some(end);
        self
    }

    /// The form this event leaves, given the form the person is in: a change to another form,
    /// 措置解除, discharge (or a new admission).
    pub fn leaves(&self, current: Option<AdmissionType>) -> Option<AdmissionType> {
        let current = current?;
        match self.kind {
            EventKind::FormChange if self.form != Some(current) => Some(current),
            EventKind::SochiLifted if current == AdmissionType::Sochi => Some(current),
            // A new admission ends whatever was recorded before it.
            EventKind::Discharge | EventKind::Admission => Some(current),
            _ => None,
        }
    }

    /// The form this event enters, given the form the person is in.
    pub fn enters(&self, current: Option<AdmissionType>) -> Option<AdmissionType> {
        match self.kind {
            EventKind::Admission => self.form,
            EventKind::FormChange | EventKind::SochiLifted => self.form.filter(|f| Some(*f) != current),
            _ => None,
        }
    }
}
