//! Admissions (入院) after a disposition: the hospital, the 入院形態 and its changes (緊急措置 →
//! 措置 or 医療保護/任意; 応急 → 医療保護 or 任意; 措置 → 措置解除 → 医療保護, 任意 or 退院 …),
//! the 医療保護入院's consent, period and renewals, the 退院後生活環境相談員, the notices the
//! 保健所 receives, the 退院日時 and the link to a 退院後支援計画, as a state machine over
//! instants. No I/O: the store keeps the events, this module decides, and
//! [`AdmissionStatus::clock_events`] turns each event into what `clocks` counts.
//!
//! The allowed changes of form are data ([`FORM_CHANGES`], [`AFTER_SOCHI`]). Times are instants
//! (`OffsetDateTime`), compared as such and shown in JST; an event may not precede the last one.

mod codes;

pub use codes::{
    AFTER_SOCHI, AdmissionError, AdmissionState, Consent, FORM_CHANGES, HospitalRef, NoticeKind, after_r6_4,
    allows_specified_doctor, changes_from, event_label, may_change,
};

use crate::beds::AdmissionType::{self, IryoHogo, Nini, Sochi};
use crate::clocks::{Event, EventKind};
use time::OffsetDateTime;

/// The free text of the admission form and its limit: the hospital's name as typed, one line.
pub const ADMIT_TEXTS: &[(&str, crate::text::TextRule)] = &[("hospital_name", crate::text::TextRule::line(100))];

/// How a person enters a 入院形態 (at admission, on a change, or after 措置解除).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormEntry {
    /// The form.
    pub form: AdmissionType,
    /// Whether it rests on a 特定医師's examination (医療保護入院 and 応急入院 only).
    pub specified_doctor: bool,
    /// Who consented (医療保護入院 only, and required there).
    pub consent: Option<Consent>,
    /// The end of the 入院期間 the hospital set (医療保護入院 only; the instant it runs out).
    pub period_end: Option<OffsetDateTime>,
}

impl FormEntry {
    /// A form entered on a 指定医's examination with nothing else to record (措置, 任意 …).
    pub fn plain(form: AdmissionType) -> Self {
        Self { form, specified_doctor: false, consent: None, period_end: None }
    }
}

/// An event of an admission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdmissionEvent {
    /// 入院形態の変更.
    ChangeForm(FormEntry),
    /// 指定医の診察 after an admission on a 特定医師's examination.
    DesignatedExam,
    /// 措置解除 (症状消退届を受けて): the person stays under `then`, or leaves hospital.
    LiftSochi {
        /// The form the person stays under, if they stay.
        then: Option<FormEntry>,
    },
    /// 医療保護入院の入院期間の更新 (from R6.4).
    Renew {
        /// The end of the new period, as the hospital set it.
        period_end: Option<OffsetDateTime>,
        /// Who consented to the renewal.
        consent: Consent,
    },
    /// 更新の同意の求め (the notice to the 家族等, or the request to the 市町村長).
    RequestRenewalConsent,
    /// 退院後生活環境相談員の選任.
    AppointCounselor,
    /// A notice or report the 保健所 received.
    Notice(NoticeKind),
    /// The 退院後支援計画 this admission leads to.
    LinkPlan {
        /// The plan's id.
        plan_id: i64,
    },
    /// 退院.
    Discharge,
}

impl AdmissionEvent {
    /// The event's code in the database.
    pub fn code(&self) -> &'static str {
        match self {
            AdmissionEvent::ChangeForm(_) => "change_form",
            AdmissionEvent::DesignatedExam => "designated_exam",
            AdmissionEvent::LiftSochi { .. } => "lift_sochi",
            AdmissionEvent::Renew { .. } => "renew",
            AdmissionEvent::RequestRenewalConsent => "request_renewal_consent",
            AdmissionEvent::AppointCounselor => "appoint_counselor",
            AdmissionEvent::Notice(_) => "notice",
            AdmissionEvent::LinkPlan { .. } => "link_plan",
            AdmissionEvent::Discharge => "discharge",
        }
    }
}

/// What the state machine knows about an admission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdmissionStatus {
    /// The state.
    pub state: AdmissionState,
    /// The hospital.
    pub hospital: HospitalRef,
    /// The current 入院形態 (the last one, once discharged).
    pub form: AdmissionType,
    /// 入院日時.
    pub admitted_at: OffsetDateTime,
    /// When the current form began.
    pub form_since: OffsetDateTime,
    /// Whether the current form rests on a 特定医師's examination.
    pub specified_doctor: bool,
    /// Whether a 指定医 has examined since (after a 特定医師's admission).
    pub designated_exam: bool,
    /// Who consented to the current 医療保護入院 or its last renewal.
    pub consent: Option<Consent>,
    /// The end of the current 医療保護入院 period as the hospital set it.
    pub period_end: Option<OffsetDateTime>,
    /// Renewals of the current 医療保護入院.
    pub renewals: u32,
    /// Whether a 退院後生活環境相談員 was appointed.
    pub counselor: bool,
    /// When the last 措置 was lifted (症状消退届); cleared by a new 措置.
    pub sochi_lifted_at: Option<OffsetDateTime>,
    /// 退院日時.
    pub discharged_at: Option<OffsetDateTime>,
    /// The linked 退院後支援計画.
    pub plan: Option<i64>,
    /// The instant of the last event (events may not go back before it).
    pub last_at: OffsetDateTime,
}

/// Checks a form entry at `at`.
fn check_entry(entry: &FormEntry, at: OffsetDateTime) -> Result<(), AdmissionError> {
    if entry.specified_doctor && !allows_specified_doctor(entry.form) {
        return Err(AdmissionError::SpecifiedDoctor(entry.form));
    }
    match (entry.form, entry.consent) {
        (IryoHogo, None) => return Err(AdmissionError::ConsentMissing),
        (IryoHogo, Some(_)) | (_, None) => {}
        (form, Some(_)) => return Err(AdmissionError::ConsentNotApplicable(form)),
    }
    match entry.period_end {
        Some(_) if entry.form != IryoHogo => Err(AdmissionError::PeriodNotApplicable(entry.form)),
        Some(end) if end <= at => Err(AdmissionError::PeriodEndTooEarly),
        _ => Ok(()),
    }
}

impl AdmissionStatus {
    /// A person admitted at `at`, or why the admission is refused.
    pub fn admit(at: OffsetDateTime, hospital: HospitalRef, entry: FormEntry) -> Result<Self, AdmissionError> {
        let missing = match &hospital {
            HospitalRef::Typed(name) => name.trim().is_empty(),
            HospitalRef::Listed(id) => id.trim().is_empty(),
        };
        if missing {
            return Err(AdmissionError::NoHospital);
        }
        check_entry(&entry, at)?;
        Ok(Self {
            state: AdmissionState::Admitted,
            hospital,
            form: entry.form,
            admitted_at: at,
            form_since: at,
            specified_doctor: entry.specified_doctor,
            designated_exam: false,
            consent: entry.consent,
            period_end: entry.period_end,
            renewals: 0,
            counselor: false,
            sochi_lifted_at: None,
            discharged_at: None,
            plan: None,
            last_at: at,
        })
    }

    /// Whether the status is one the flow can reach.
    pub fn is_consistent(&self) -> bool {
        let discharged = self.state == AdmissionState::Discharged;
        let iryo_hogo = self.form == IryoHogo;
        discharged == self.discharged_at.is_some()
            && iryo_hogo == self.consent.is_some()
            && (!self.specified_doctor || allows_specified_doctor(self.form))
            && (!self.designated_exam || self.specified_doctor)
            && (self.period_end.is_none() || iryo_hogo)
            && (self.renewals == 0 || iryo_hogo)
            // Lifted and still 措置 only when the lifting was the discharge itself.
            && (self.form != Sochi || self.sochi_lifted_at.is_none() || self.sochi_lifted_at == self.discharged_at)
            && self.admitted_at <= self.form_since
            && self.form_since <= self.last_at
            && self.discharged_at.is_none_or(|d| self.form_since <= d && d <= self.last_at)
    }

    /// The events allowed now, by code (for the buttons on the admission page).
    pub fn allowed(&self) -> Vec<&'static str> {
        if self.state == AdmissionState::Discharged {
            return vec!["notice", "link_plan"];
        }
        let mut allowed = Vec::new();
        if !changes_from(self.form).is_empty() {
            allowed.push("change_form");
        }
        if self.specified_doctor && !self.designated_exam {
            allowed.push("designated_exam");
        }
        if self.form == Sochi {
            allowed.push("lift_sochi");
        }
        if self.form == IryoHogo {
            allowed.extend(["renew", "request_renewal_consent"]);
        }
        if matches!(self.form, IryoHogo | Sochi) {
            allowed.push("appoint_counselor");
        }
        allowed.extend(["notice", "link_plan", "discharge"]);
        allowed
    }

    fn enter(&mut self, at: OffsetDateTime, entry: &FormEntry) {
        self.form = entry.form;
        self.form_since = at;
        self.specified_doctor = entry.specified_doctor;
        self.designated_exam = false;
        self.consent = entry.consent;
        self.period_end = entry.period_end;
        self.renewals = 0;
        if entry.form == Sochi {
            // A new 措置: an earlier 措置解除 belongs to the previous one.
            self.sochi_lifted_at = None;
        }
    }

    /// Applies an event at `at`, or the typed reason it is refused (its `field()` names the form field).
    pub fn apply(&self, at: OffsetDateTime, event: &AdmissionEvent) -> Result<AdmissionStatus, AdmissionError> {
        if !self.allowed().contains(&event.code()) {
            return Err(AdmissionError::Transition { state: self.state, form: self.form, event: event.code() });
        }
        if at < self.last_at {
            return Err(AdmissionError::BeforeLastEvent);
        }
        let mut next = self.clone();
        next.last_at = at;
        match event {
            AdmissionEvent::ChangeForm(entry) => {
                if !may_change(self.form, entry.form) {
                    return Err(AdmissionError::FormChange { from: self.form, to: entry.form });
                }
                check_entry(entry, at)?;
                next.enter(at, entry);
            }
            AdmissionEvent::DesignatedExam => next.designated_exam = true,
            AdmissionEvent::LiftSochi { then } => {
                next.sochi_lifted_at = Some(at);
                match then {
                    Some(entry) if !AFTER_SOCHI.contains(&entry.form) => {
                        return Err(AdmissionError::FormChange { from: Sochi, to: entry.form });
                    }
                    Some(entry) => {
                        check_entry(entry, at)?;
                        next.enter(at, entry);
                    }
                    None => {
                        next.state = AdmissionState::Discharged;
                        next.discharged_at = Some(at);
                    }
                }
            }
            AdmissionEvent::Renew { period_end, consent } => {
                if !after_r6_4(at) {
                    return Err(AdmissionError::RenewalBeforeR6_4);
                }
                if period_end.is_some_and(|end| end <= at) {
                    return Err(AdmissionError::PeriodEndTooEarly);
                }
                next.period_end = *period_end;
                next.consent = Some(*consent);
                next.renewals += 1;
            }
            AdmissionEvent::RequestRenewalConsent => {}
            AdmissionEvent::AppointCounselor => next.counselor = true,
            AdmissionEvent::Notice(kind) => self.check_notice(*kind)?,
            AdmissionEvent::LinkPlan { plan_id } => {
                if *plan_id <= 0 {
                    return Err(AdmissionError::NoPlan);
                }
                next.plan = Some(*plan_id);
            }
            AdmissionEvent::Discharge => {
                next.state = AdmissionState::Discharged;
                next.discharged_at = Some(at);
            }
        }
        Ok(next)
    }

    fn check_notice(&self, kind: NoticeKind) -> Result<(), AdmissionError> {
        let fits = match kind {
            NoticeKind::Admission | NoticeKind::Discharge => true,
            NoticeKind::Renewal => self.renewals > 0,
            NoticeKind::PeriodicReport | NoticeKind::SymptomsResolved => {
                self.form == Sochi && self.state == AdmissionState::Admitted
            }
        };
        if fits { Ok(()) } else { Err(AdmissionError::NoticeNotApplicable { notice: kind, form: self.form }) }
    }

    /// What an event applied to this status at `at` gives the clocks.
    pub fn clock_events(&self, at: OffsetDateTime, event: &AdmissionEvent) -> Vec<Event> {
        let entering = |kind, entry: &FormEntry| {
            let e = Event::new(kind, at).entering(entry.form, entry.specified_doctor);
            match entry.period_end {
                Some(end) => e.declaring(end),
                None => e,
            }
        };
        match event {
            AdmissionEvent::ChangeForm(entry) => vec![entering(EventKind::FormChange, entry)],
            AdmissionEvent::DesignatedExam => vec![Event::new(EventKind::DesignatedExam, at)],
            AdmissionEvent::LiftSochi { then: Some(entry) } => vec![entering(EventKind::SochiLifted, entry)],
            AdmissionEvent::LiftSochi { then: None } => {
                vec![Event::new(EventKind::SochiLifted, at), Event::new(EventKind::Discharge, at)]
            }
            AdmissionEvent::Renew { period_end, .. } => {
                let e = Event::new(EventKind::Renewal, at);
                vec![match period_end {
                    Some(end) => e.declaring(*end),
                    None => e,
                }]
            }
            AdmissionEvent::RequestRenewalConsent => vec![Event::new(EventKind::RenewalConsentRequested, at)],
            AdmissionEvent::AppointCounselor => vec![Event::new(EventKind::CounselorAppointed, at)],
            AdmissionEvent::Notice(kind) => vec![Event::new(notice_event(*kind), at)],
            AdmissionEvent::LinkPlan { .. } => vec![],
            AdmissionEvent::Discharge => vec![Event::new(EventKind::Discharge, at)],
        }
    }

    /// Whether the person is in hospital under a form that keeps them against their will.
    pub fn is_involuntary(&self) -> bool {
        self.state == AdmissionState::Admitted && self.form != Nini
    }
}

/// What an admission at `at` gives the clocks (its 入院).
pub fn admission_clock_event(at: OffsetDateTime, entry: &FormEntry) -> Event {
    let event = Event::new(EventKind::Admission, at).entering(entry.form, entry.specified_doctor);
    match entry.period_end {
        Some(end) => event.declaring(end),
        None => event,
    }
}

fn notice_event(kind: NoticeKind) -> EventKind {
    match kind {
        NoticeKind::Admission => EventKind::AdmissionNotice,
        NoticeKind::Renewal => EventKind::RenewalNotice,
        NoticeKind::Discharge => EventKind::DischargeNotice,
        NoticeKind::PeriodicReport => EventKind::PeriodicReport,
        NoticeKind::SymptomsResolved => EventKind::SymptomNotice,
    }
}

#[cfg(test)]
mod tests;
