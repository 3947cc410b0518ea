//! The forms of the 退院後支援計画 pages: what each field must hold, in Japanese beside the field,
//! and the call into the store (which asks the domain's state machine before writing).

use crate::audit;
use crate::context::Ctx;
use crate::pages::{Errors, Fields, check_texts, user_id};
use crate::{AppState, WebError};
use axum::http::StatusCode;
use nimo_domain::MunicipalityCode;
use nimo_domain::plans::{EndReason, Party, PlanEvent, texts};
use nimo_store::StoreError;
use nimo_store::audit::Outcome as AuditOutcome;
use nimo_store::cases::PersonCase;
use nimo_store::people::Person;
use nimo_store::plans::{self, MEETING_PURPOSES, NewMeeting, OpenPlan, PlanInput, PlanRecordError};
use time::Date;

/// The form that opens a plan with the consent answer, as posted (a field left out is absent).
#[derive(Debug, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OpenForm {
    consent: Option<String>,
    party: Option<String>,
    occurred_on: Option<String>,
    case_id: Option<String>,
    note: Option<String>,
    family_relation: Option<String>,
    family_view: Option<String>,
}

/// A step form of the plan page, as posted: the fields of every step, each step sending its own.
#[derive(Debug, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PlanStepForm {
    event: Option<String>,
    occurred_on: Option<String>,
    note: Option<String>,
    revision: Option<String>,
    contents: Option<String>,
    period_end: Option<String>,
    next_review: Option<String>,
    new_end: Option<String>,
    reason: Option<String>,
    consent: Option<String>,
    destination: Option<String>,
    end_reason: Option<String>,
    answer: Option<String>,
}

/// The 支援会議 form, as posted.
#[derive(Debug, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MeetingForm {
    held_on: Option<String>,
    purpose: Option<String>,
    person_attended: Option<String>,
    family_attended: Option<String>,
    participants: Option<String>,
    minutes: Option<String>,
    revision: Option<String>,
    police_attended: Option<String>,
    police_support_only: Option<String>,
    police_views_heard: Option<String>,
    police_others_agreed: Option<String>,
    police_person_not_refused: Option<String>,
}

/// What became of a submitted form.
pub enum Outcome {
    /// Saved: go back to the plan.
    Saved,
    /// Refused with this status and the reasons by field; nothing saved.
    Refused(StatusCode, Errors),
}

fn get(f: &Fields, name: &str) -> String {
    f.get(name).map(|v| v.trim().to_string()).unwrap_or_default()
}

fn parse_date(text: &str) -> Option<Date> {
    nimo_domain::calendar::parse_iso_date(text)
}

/// A required date field, or its reason.
fn required_date(f: &Fields, name: &str, what: &str, errors: &mut Errors) -> Option<Date> {
    let date = parse_date(&get(f, name));
    if date.is_none() {
        errors.insert(name.into(), format!("{what}を「2022-05-10」の形で入力してください"));
    }
    date
}

/// An optional date field (empty = none), or its reason.
fn optional_date(f: &Fields, name: &str, what: &str, errors: &mut Errors) -> Option<Date> {
    match get(f, name).as_str() {
        "" => None,
        text => {
            let date = parse_date(text);
            if date.is_none() {
                errors.insert(name.into(), format!("{what}を「2022-05-10」の形で入力してください"));
            }
            date
        }
    }
}

/// Puts a store refusal beside its field; storage failures other than a conflict are errors.
pub fn explain(error: PlanRecordError, errors: &mut Errors) -> Result<StatusCode, WebError> {
    match error {
        PlanRecordError::Rule(rule) => {
            errors.insert(rule.field().to_string(), rule.to_string());
            Ok(StatusCode::UNPROCESSABLE_ENTITY)
        }
        PlanRecordError::Field(field) => {
            errors.insert(field.to_string(), "入力が正しくありません".into());
            Ok(StatusCode::UNPROCESSABLE_ENTITY)
        }
        PlanRecordError::Store(StoreError::StaleRevision(record)) => {
            let refusal = crate::error::stale_refusal(record);
            errors.insert(refusal.field.unwrap_or("state").into(), refusal.detail);
            Ok(refusal.status)
        }
        PlanRecordError::Store(other) => Err(other.into()),
    }
}

/// The plan to open from the consent form, or the reasons by field.
pub fn open_plan(
    f: &Fields,
    code: &MunicipalityCode,
    person: &Person,
    own_cases: &[PersonCase],
    actor: i64,
) -> Result<OpenPlan, Errors> {
    let mut errors = Errors::new();
    check_texts(f, texts::OPEN, &mut errors);
    let given = match get(f, "consent").as_str() {
        "given" => Some(true),
        "refused" => Some(false),
        _ => {
            errors.insert("consent".into(), "同意の有無を選んでください".into());
            None
        }
    };
    // The answer is the person's own: a form that says a 家族等 answered is refused by the
    // domain (`party`), beside the field.
    let party = match get(f, "party").as_str() {
        "" => Some(Party::Person),
        code => Party::parse(code),
    };
    if party.is_none() {
        errors.insert("party".into(), "同意を確認した相手は本人です".into());
    }
    let family_view = match (get(f, "family_relation").as_str(), get(f, "family_view")) {
        ("", view) if view.is_empty() => None,
        ("", _) => {
            errors.insert("family_relation".into(), "意見を述べた家族等の続柄を選んでください".into());
            None
        }
        (code, view) => {
            if nimo_domain::plans::family_relation_label(code).is_none() {
                errors.insert("family_relation".into(), "家族等の続柄を一覧から選んでください".into());
            }
            if view.is_empty() {
                errors.insert("family_view".into(), "家族等の意見を入力してください".into());
            }
            Some((code.to_string(), view))
        }
    };
    let occurred_on = parse_date(&get(f, "occurred_on"));
    if occurred_on.is_none() {
        errors.insert("occurred_on".into(), "同意を確認した日を「2022-05-10」の形で入力してください".into());
    }
    let case_id = match get(f, "case_id").as_str() {
        "" => None,
        text => {
            let found = text.parse::<i64>().ok().filter(|c| own_cases.iter().any(|k| k.id == *c));
            if found.is_none() {
                errors.insert("case_id".into(), "この人の事例から選んでください".into());
            }
            found
        }
    };
    match (given, party, occurred_on) {
        (Some(given), Some(party), Some(occurred_on)) if errors.is_empty() => Ok(OpenPlan {
            municipality: code.clone(),
            district: person.district.clone(),
            person_id: person.id,
            case_id,
            given,
            party,
            occurred_on,
            note: get(f, "note"),
            family_view,
            actor,
        }),
        _ => Err(errors),
    }
}

/// The event a step form describes, or the reasons by field.
fn event_of(f: &Fields, code: &MunicipalityCode, errors: &mut Errors) -> Option<PlanEvent> {
    let consent = get(f, "consent") == "1";
    let event = match get(f, "event").as_str() {
        "consent" => match get(f, "answer").as_str() {
            "given" => PlanEvent::Consent { given: true, party: Party::Person },
            "refused" => PlanEvent::Consent { given: false, party: Party::Person },
            _ => {
                errors.insert("answer".into(), "本人の同意の有無を選んでください".into());
                return None;
            }
        },
        "draft" => {
            if get(f, "contents").is_empty() {
                errors.insert(
                    "contents".into(),
                    "計画の内容（本人の希望、支援の内容と担当機関、クライシスプラン等）を入力してください".into(),
                );
            }
            PlanEvent::Draft
        }
        "start" => {
            let end = required_date(f, "period_end", "支援期間の終了日", errors);
            let next_review = optional_date(f, "next_review", "次回見直し日", errors);
            PlanEvent::Start { period_end: end?, next_review }
        }
        "review" => PlanEvent::Review { next_review: optional_date(f, "next_review", "次回見直し日", errors) },
        "extend" => {
            let new_end = required_date(f, "new_end", "延長後の終了日", errors)?;
            PlanEvent::Extend { new_end, reason: get(f, "reason"), consent }
        }
        "transfer" => {
            let destination = get(f, "destination");
            if destination == code.as_str() {
                errors.insert(
                    "destination".into(),
                    "移管先には転居先の（この自治体以外の）コードを入力してください".into(),
                );
            }
            PlanEvent::Transfer { destination, consent }
        }
        "end" => match EndReason::parse(&get(f, "end_reason")) {
            Some(reason) => PlanEvent::End { reason },
            None => {
                errors.insert("end_reason".into(), "終了の理由を選んでください".into());
                return None;
            }
        },
        _ => {
            errors.insert("state".into(), "操作を選んでください".into());
            return None;
        }
    };
    Some(event)
}

fn revision_of(f: &Fields, errors: &mut Errors) -> Option<i64> {
    let revision = get(f, "revision").parse().ok();
    if revision.is_none() {
        errors.insert("state".into(), "送信内容が正しくありません。ページを読み込み直してください".into());
    }
    revision
}

/// Records a step from the plan page.
pub async fn record_event(
    state: &AppState,
    ctx: &Ctx,
    code: &MunicipalityCode,
    plan_id: i64,
    f: &Fields,
) -> Result<Outcome, WebError> {
    let mut errors = Errors::new();
    check_texts(f, texts::STEP, &mut errors);
    let event = event_of(f, code, &mut errors);
    let occurred_on = required_date(f, "occurred_on", "日付", &mut errors);
    let revision = revision_of(f, &mut errors);
    let (Some(event), Some(revision), Some(occurred_on), true) = (event, revision, occurred_on, errors.is_empty())
    else {
        return Ok(Outcome::Refused(StatusCode::UNPROCESSABLE_ENTITY, errors));
    };
    let input =
        PlanInput { event, occurred_on, note: get(f, "note"), contents: get(f, "contents"), actor: user_id(ctx)? };
    match plans::record(&state.db, plan_id, revision, &input, audit::event(&ctx.0, "write", AuditOutcome::Ok)).await {
        Ok(_) => Ok(Outcome::Saved),
        Err(error) => {
            let status = explain(error, &mut errors)?;
            Ok(Outcome::Refused(status, errors))
        }
    }
}

/// Parses participants, one a line: 機関名／職種 (a full-width or ASCII slash, or a tab).
fn participants(text: &str, errors: &mut Errors) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        match line.split_once(['／', '/', '\t']) {
            Some((org, role)) if !org.trim().is_empty() && !role.trim().is_empty() => {
                found.push((org.trim().to_string(), role.trim().to_string()));
            }
            _ => {
                errors.insert(
                    "participants".into(),
                    format!("参加者は1行に1人、「機関名／職種」の形で入力してください（「{line}」）"),
                );
            }
        }
    }
    if found.is_empty() && !errors.contains_key("participants") {
        errors.insert("participants".into(), "参加した機関と職種を1行に1人ずつ入力してください".into());
    }
    found
}

/// Records a 支援会議 from the plan page.
pub async fn record_meeting(state: &AppState, ctx: &Ctx, plan_id: i64, f: &Fields) -> Result<Outcome, WebError> {
    let mut errors = Errors::new();
    check_texts(f, texts::MEETING, &mut errors);
    let held_on = required_date(f, "held_on", "開催日", &mut errors);
    let purpose = get(f, "purpose");
    if !MEETING_PURPOSES.iter().any(|(c, _)| *c == purpose) {
        errors.insert("purpose".into(), "会議の目的を選んでください".into());
    }
    let participants = participants(&get(f, "participants"), &mut errors);
    let revision = revision_of(f, &mut errors);
    let (Some(revision), Some(held_on), true) = (revision, held_on, errors.is_empty()) else {
        return Ok(Outcome::Refused(StatusCode::UNPROCESSABLE_ENTITY, errors));
    };
    let police_conditions = nimo_domain::plans::police::CONDITIONS
        .iter()
        .filter(|(code, _)| get(f, &format!("police_{code}")) == "1")
        .map(|(code, _)| code.to_string())
        .collect();
    let meeting = NewMeeting {
        held_on,
        purpose,
        person_attended: get(f, "person_attended") == "1",
        family_attended: get(f, "family_attended") == "1",
        participants,
        minutes: get(f, "minutes"),
        police_attended: get(f, "police_attended") == "1",
        police_conditions,
        actor: user_id(ctx)?,
    };
    let audit = audit::event(&ctx.0, "write", AuditOutcome::Ok);
    match plans::add_meeting(&state.db, plan_id, revision, &meeting, audit).await {
        Ok(_) => Ok(Outcome::Saved),
        Err(error) => {
            let status = explain(error, &mut errors)?;
            Ok(Outcome::Refused(status, errors))
        }
    }
}
