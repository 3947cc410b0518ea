//! The forms of the 市町村長同意 pages: the request, each step and the decision, read into their
//! structs, checked field by field (reasons in Japanese beside the field) and turned into the
//! store's inputs; the store asks the domain's state machine before writing.

use crate::pages::{Errors, Fields, check_texts};
use crate::{WebError, error};
use axum::http::StatusCode;
use nimo_domain::MunicipalityCode;
use nimo_domain::calendar::{parse_iso_date, parse_local_minute};
use nimo_domain::consents::{ConsentEvent, EndReason, Excluded, FamilyFinding, ResidenceBasis, texts};
use nimo_store::StoreError;
use nimo_store::consents::{ConsentInput, ConsentRecordError, NewRequest};
use time::OffsetDateTime;
use time::macros::offset;

/// The request form, as posted.
#[derive(Debug, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RequestForm {
    hospital_id: Option<String>,
    hospital_name: Option<String>,
    requested_at: Option<String>,
    admission_on: Option<String>,
    note: Option<String>,
}

/// A step form of the request page (checks, visit, renewal request, referral, end), as posted.
#[derive(Debug, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StepForm {
    event: Option<String>,
    revision: Option<String>,
    occurred_at: Option<String>,
    residence: Option<String>,
    family: Option<String>,
    excluded: Option<String>,
    period_end: Option<String>,
    end_reason: Option<String>,
    note: Option<String>,
}

/// The decision form (同意・不同意, on the request or on a renewal), as posted.
#[derive(Debug, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DecisionForm {
    event: Option<String>,
    revision: Option<String>,
    occurred_at: Option<String>,
    consent: Option<String>,
    official: Option<String>,
    period_end: Option<String>,
    note: Option<String>,
}

fn get(f: &Fields, name: &str) -> String {
    f.get(name).map(|v| v.trim().to_string()).unwrap_or_default()
}

/// A JST date and time as a `datetime-local` field sends it (`2026-12-06T10:30`).
fn instant(f: &Fields, name: &str, what: &str, required: bool, errors: &mut Errors) -> Option<OffsetDateTime> {
    let text = get(f, name);
    if text.is_empty() && !required {
        return None;
    }
    let at = parse_local_minute(&text).map(|local| local.assume_offset(offset!(+9)));
    if at.is_none() {
        errors.insert(name.into(), format!("{what}を「2026-12-06T10:30」の形（日本時間）で入力してください"));
    }
    at
}

/// The request to receive, or the reasons by field. `hospitals` are the bed finder's (id, name).
pub(crate) fn request(
    f: &Fields,
    code: &MunicipalityCode,
    person_id: i64,
    hospitals: &[(String, String)],
    actor: i64,
) -> Result<NewRequest, Errors> {
    let mut errors = Errors::new();
    check_texts(f, texts::REQUEST, &mut errors);
    let hospital_id = match get(f, "hospital_id").as_str() {
        "" => None,
        id if hospitals.iter().any(|(h, _)| h == id) => Some(id.to_string()),
        _ => {
            errors.insert("hospital_id".into(), "病院を一覧から選ぶか、病院名を入力してください".into());
            None
        }
    };
    let hospital_name = get(f, "hospital_name");
    if hospital_id.is_none() && hospital_name.is_empty() && !errors.contains_key("hospital_id") {
        errors.insert("hospital_id".into(), "依頼した病院を一覧から選ぶか、病院名を入力してください".into());
    }
    let requested_at = instant(f, "requested_at", "依頼を受けた日時", true, &mut errors);
    let admission_on = match get(f, "admission_on").as_str() {
        "" => None,
        text => {
            let date = parse_iso_date(text);
            if date.is_none() {
                errors.insert("admission_on".into(), "入院（予定）日を「2026-12-06」の形で入力してください".into());
            }
            date
        }
    };
    match requested_at {
        Some(requested_at) if errors.is_empty() => Ok(NewRequest {
            municipality: code.clone(),
            person_id,
            hospital_id,
            hospital_name,
            requested_at,
            admission_on,
            note: get(f, "note"),
            actor,
        }),
        _ => Err(errors),
    }
}

/// The revision the form was made from.
pub(crate) fn revision(f: &Fields, errors: &mut Errors) -> i64 {
    get(f, "revision").parse().unwrap_or_else(|_| {
        errors.insert("event".into(), "フォームが古くなっています。ページを開き直してください".into());
        -1
    })
}

/// The step to record, or the reasons by field.
pub(crate) fn step(f: &Fields, actor: i64) -> Result<ConsentInput, Errors> {
    let mut errors = Errors::new();
    check_texts(f, texts::STEP, &mut errors);
    let occurred_at = instant(f, "occurred_at", "日時", true, &mut errors);
    let event = match get(f, "event").as_str() {
        "check_residence" => {
            ResidenceBasis::parse(&get(f, "residence")).map(ConsentEvent::CheckResidence).or_else(|| {
                errors.insert("residence".into(), "居住地・現在地の確認結果を選んでください".into());
                None
            })
        }
        "check_family" => {
            let excluded: Vec<Excluded> = Excluded::parse(&get(f, "excluded")).into_iter().collect();
            if !get(f, "excluded").is_empty() && excluded.is_empty() {
                errors.insert("excluded".into(), "家族等に当たらない理由を一覧から選んでください".into());
            }
            match FamilyFinding::parse(&get(f, "family")) {
                Some(finding) => Some(ConsentEvent::CheckFamily { finding, excluded }),
                None => {
                    errors.insert("family".into(), "家族等の有無の確認結果を選んでください".into());
                    None
                }
            }
        }
        "visit" => Some(ConsentEvent::Visit),
        "refer" => Some(ConsentEvent::Refer),
        "request_renewal" => instant(f, "period_end", "更新後の入院期間の満了日時", true, &mut errors)
            .map(|period_end| ConsentEvent::RequestRenewal { period_end }),
        "end" => match EndReason::parse(&get(f, "end_reason")).filter(|r| EndReason::CHOSEN.contains(r)) {
            Some(reason) => Some(ConsentEvent::End(reason)),
            None => {
                errors.insert("end_reason".into(), "終了の理由を選んでください".into());
                None
            }
        },
        _ => {
            errors.insert("event".into(), "記録する対応を選んでください".into());
            None
        }
    };
    match (event, occurred_at) {
        (Some(event), Some(occurred_at)) if errors.is_empty() => {
            Ok(ConsentInput { event, occurred_at, note: get(f, "note"), actor })
        }
        _ => Err(errors),
    }
}

/// The decision to record, or the reasons by field.
pub(crate) fn decision(f: &Fields, actor: i64) -> Result<ConsentInput, Errors> {
    let mut errors = Errors::new();
    check_texts(f, texts::STEP, &mut errors);
    let occurred_at = instant(f, "occurred_at", "判断の日時", true, &mut errors);
    let consent = match get(f, "consent").as_str() {
        "consent" => Some(true),
        "refuse" => Some(false),
        _ => {
            errors.insert("consent".into(), "同意・不同意を選んでください".into());
            None
        }
    };
    let official = get(f, "official");
    if official.is_empty() {
        errors.insert("official".into(), "判断した職員（職名・氏名）を入力してください".into());
    }
    let renewal = match get(f, "event").as_str() {
        "decide" => false,
        "decide_renewal" => true,
        _ => {
            errors.insert("event".into(), "記録する判断を選んでください".into());
            false
        }
    };
    let period_end =
        if renewal { None } else { instant(f, "period_end", "入院期間の満了日時", false, &mut errors) };
    match (consent, occurred_at) {
        (Some(consent), Some(occurred_at)) if errors.is_empty() => {
            let event = if renewal {
                ConsentEvent::DecideRenewal { consent, official }
            } else {
                ConsentEvent::Decide { consent, official, period_end }
            };
            Ok(ConsentInput { event, occurred_at, note: get(f, "note"), actor })
        }
        _ => Err(errors),
    }
}

/// Puts a store refusal beside its field; storage failures other than a conflict are errors.
pub(crate) fn explain(error: ConsentRecordError, errors: &mut Errors) -> Result<StatusCode, WebError> {
    match error {
        ConsentRecordError::Rule(rule) => {
            errors.insert(rule.field().to_string(), rule.to_string());
            Ok(StatusCode::UNPROCESSABLE_ENTITY)
        }
        ConsentRecordError::Store(StoreError::StaleRevision(record)) => {
            let refusal = error::stale_refusal(record);
            errors.insert(refusal.field.unwrap_or("event").into(), refusal.detail);
            Ok(refusal.status)
        }
        ConsentRecordError::Store(StoreError::NotFound(_)) => {
            errors.insert("hospital_id".into(), "病院を一覧から選ぶか、病院名を入力してください".into());
            Ok(StatusCode::UNPROCESSABLE_ENTITY)
        }
        ConsentRecordError::Store(other) => Err(other.into()),
    }
}
