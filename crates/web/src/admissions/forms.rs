//! The admission forms as posted and read: recording an admission (hospital, 入院形態, 入院日時,
//! 特定医師, consent, 入院期間) and recording one of its events. Times are typed as Japan wall
//! times to the minute (`2024-06-01T22:15`, the `datetime-local` input) and become instants here;
//! a missing or malformed field is refused beside it, and the domain's refusals (`AdmissionError`)
//! are shown beside the field its `field()` names.

use crate::WebError;
use crate::error::stale_refusal;
use crate::pages::{Errors, Fields};
use axum::http::StatusCode;
use nimo_domain::admissions::{AdmissionEvent, Consent, FormEntry, HospitalRef, NoticeKind};
use nimo_domain::beds::AdmissionType;
use nimo_domain::calendar::parse_local_minute;
use nimo_store::StoreError;
use nimo_store::admissions::AdmissionRecordError;
use time::OffsetDateTime;

/// The admission form, as posted.
#[derive(Debug, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AdmitForm {
    hospital_id: Option<String>,
    hospital_name: Option<String>,
    form: Option<String>,
    specified_doctor: Option<String>,
    consent: Option<String>,
    period_end: Option<String>,
    occurred_at: Option<String>,
}

/// An admission event form, as posted (each step sends the fields it has).
#[derive(Debug, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EventForm {
    event: Option<String>,
    revision: Option<String>,
    occurred_at: Option<String>,
    form: Option<String>,
    specified_doctor: Option<String>,
    consent: Option<String>,
    period_end: Option<String>,
    notice: Option<String>,
    plan_id: Option<String>,
}

fn get(f: &Fields, name: &str) -> String {
    f.get(name).map(|v| v.trim().to_string()).unwrap_or_default()
}

/// A Japan wall time typed to the minute as an instant.
fn instant(f: &Fields, name: &str, errors: &mut Errors, what: &str) -> Option<OffsetDateTime> {
    let text = get(f, name);
    let at = parse_local_minute(&text).map(|t| t.assume_offset(crate::display::JST));
    if at.is_none() {
        errors.insert(name.into(), format!("{what}を「2024-06-01 22:15」のように日付と時刻で入力してください"));
    }
    at
}

/// The 入院形態 and what goes with it; `None` with the reasons in `errors`.
fn entry(f: &Fields, errors: &mut Errors, required: bool) -> Option<Option<FormEntry>> {
    let code = get(f, "form");
    if code.is_empty() && !required {
        return Some(None);
    }
    let Some(form) = AdmissionType::parse(&code) else {
        errors.insert("form".into(), "入院形態を選んでください".into());
        return None;
    };
    let consent = match get(f, "consent").as_str() {
        "" => None,
        other => match Consent::parse(other) {
            Some(c) => Some(c),
            None => {
                errors.insert("consent".into(), "同意者を選び直してください".into());
                return None;
            }
        },
    };
    let period_end = match get(f, "period_end").as_str() {
        "" => None,
        _ => Some(instant(f, "period_end", errors, "入院期間の終了")?),
    };
    Some(Some(FormEntry { form, specified_doctor: get(f, "specified_doctor") == "1", consent, period_end }))
}

/// The admission as typed: hospital, entry and 入院日時, or the reasons.
pub(crate) fn admission(f: &Fields) -> Result<(HospitalRef, FormEntry, OffsetDateTime), Errors> {
    let mut errors = Errors::new();
    let hospital = match (get(f, "hospital_id"), get(f, "hospital_name")) {
        (id, _) if !id.is_empty() => HospitalRef::Listed(id),
        (_, name) => HospitalRef::Typed(name),
    };
    crate::pages::check_texts(f, nimo_domain::admissions::ADMIT_TEXTS, &mut errors);
    let at = instant(f, "occurred_at", &mut errors, "入院日時");
    let entry = entry(f, &mut errors, true).flatten();
    match (entry, at) {
        (Some(entry), Some(at)) if errors.is_empty() => Ok((hospital, entry, at)),
        _ => Err(errors),
    }
}

/// An event as typed with its instant, or the reasons.
pub(crate) fn event(f: &Fields) -> Result<(AdmissionEvent, OffsetDateTime), Errors> {
    let mut errors = Errors::new();
    let at = instant(f, "occurred_at", &mut errors, "日時");
    let event = match get(f, "event").as_str() {
        "change_form" => entry(f, &mut errors, true).flatten().map(AdmissionEvent::ChangeForm),
        "lift_sochi" => entry(f, &mut errors, false).map(|then| AdmissionEvent::LiftSochi { then }),
        "designated_exam" => Some(AdmissionEvent::DesignatedExam),
        "renew" => {
            let consent = Consent::parse(&get(f, "consent"));
            if consent.is_none() {
                errors.insert("consent".into(), "更新の同意者を選んでください".into());
            }
            let end = match get(f, "period_end").as_str() {
                "" => Some(None),
                _ => instant(f, "period_end", &mut errors, "新しい入院期間の終了").map(Some),
            };
            match (consent, end) {
                (Some(consent), Some(period_end)) => Some(AdmissionEvent::Renew { period_end, consent }),
                _ => None,
            }
        }
        "request_renewal_consent" => Some(AdmissionEvent::RequestRenewalConsent),
        "appoint_counselor" => Some(AdmissionEvent::AppointCounselor),
        "notice" => match NoticeKind::parse(&get(f, "notice")) {
            Some(kind) => Some(AdmissionEvent::Notice(kind)),
            None => {
                errors.insert("notice".into(), "受理した届出・報告を選んでください".into());
                None
            }
        },
        "link_plan" => match get(f, "plan_id").parse::<i64>() {
            Ok(plan_id) => Some(AdmissionEvent::LinkPlan { plan_id }),
            Err(_) => {
                errors.insert("plan_id".into(), "退院後支援計画を選んでください".into());
                None
            }
        },
        "discharge" => Some(AdmissionEvent::Discharge),
        _ => {
            errors.insert("state".into(), "操作を選んでください".into());
            None
        }
    };
    match (event, at) {
        (Some(event), Some(at)) if errors.is_empty() => Ok((event, at)),
        _ => Err(errors),
    }
}

/// Why the store refused, beside its field; the status to answer with.
pub(crate) fn explain(error: AdmissionRecordError, errors: &mut Errors) -> Result<StatusCode, WebError> {
    match error {
        AdmissionRecordError::Rule(rule) => {
            errors.insert(rule.field().to_string(), rule.to_string());
            Ok(StatusCode::UNPROCESSABLE_ENTITY)
        }
        AdmissionRecordError::UnknownHospital => {
            errors.insert("hospital".into(), "入院先を一覧から選び直してください".into());
            Ok(StatusCode::UNPROCESSABLE_ENTITY)
        }
        AdmissionRecordError::Store(StoreError::StaleRevision(record)) => {
            let refusal = stale_refusal(record);
            errors.insert(refusal.field.unwrap_or("state").into(), refusal.detail);
            Ok(refusal.status)
        }
        AdmissionRecordError::Store(other) => Err(other.into()),
    }
}
