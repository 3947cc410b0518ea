//! The case page: a 23条通報's record, its events, the holds placed under its 受付番号 and the
//! forms for the next steps the flow allows (`show`), and recording a step (`record`).
//!
//! Reading the page writes one audit row (`read`, record `case`) before it is answered; every
//! change commits with its own row in the store. A case outside the viewer's municipality or 地区
//! is answered 404 (so that its existence is not revealed), after a `denied` audit row.

use crate::audit;
use crate::context::Ctx;
use crate::pages::{Errors, Fields, NoticeQuery, PagePath, Record, Submission, Submitted, user_id};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::Permission;
use nimo_domain::calendar::parse_iso_date;
use nimo_domain::cases::{CaseEvent, Disposition, Finding};
use nimo_store::StoreError;
use nimo_store::audit::Outcome;
use nimo_store::cases::{self, EventInput, RecordError};

use super::case_view::{case_page, load_case};

/// GET /municipalities/{code}/cases/{case_id}
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, id), ..): PagePath<(MunicipalityCode, i64), Record>,
    axum::extract::Query(query): axum::extract::Query<NoticeQuery>,
) -> Result<Html<String>, WebError> {
    let case = load_case(&state, &ctx, &code, id, Permission::CaseRead).await?;
    audit::before(&state.db, &audit::event(&ctx.0, "read", Outcome::Ok).with_record("case", case.id.to_string()))
        .await?;
    let notice = match query.notice.as_deref() {
        Some("created") => Some("受理しました。次の対応を記録してください。"),
        Some("identified") => Some("本人を登録しました。"),
        Some("held") => Some("仮押さえしました。病院の回答を待っています（下の「入院先の調整」に状態が出ます）。"),
        _ => None,
    };
    Ok(Html(case_page(&state, &ctx, &code, case, Submitted::default(), notice).await?.render()?))
}

fn event_of(f: &Fields) -> Result<CaseEvent, (String, String)> {
    let get = |n: &str| f.get(n).map(|v| v.trim().to_string()).unwrap_or_default();
    let reason = get("reason");
    Ok(match get("event").as_str() {
        "start_investigation" => {
            let staff = get("staff_count");
            if staff.is_empty() {
                return Err(("staff_count".into(), "事前調査に当たった職員の人数を入力してください".into()));
            }
            // A number out of u8 is refused by the domain's range check, as 0 is.
            let staff = staff.parse::<u64>().map_or(0, |n| u8::try_from(n).unwrap_or(u8::MAX));
            CaseEvent::StartInvestigation { staff }
        }
        "order_exam" => CaseEvent::OrderExam,
        "no_exam_needed" => CaseEvent::NoExamNeeded { reason },
        "hold" => CaseEvent::Hold { reason },
        "follow_up" => CaseEvent::FollowUpContact,
        "close" => CaseEvent::Close { reason },
        "examine" => {
            let first = Finding::parse(&get("first"))
                .ok_or_else(|| ("first".to_string(), "一次診察（1人目の指定医）の所見を選んでください".to_string()))?;
            let second = match get("second").as_str() {
                "" => None,
                other => Some(
                    Finding::parse(other)
                        .ok_or_else(|| ("second".to_string(), "二次診察の所見を選び直してください".to_string()))?,
                ),
            };
            let disposition = Disposition::from_code(&get("disposition"))
                .ok_or_else(|| ("disposition".to_string(), "処遇を選んでください".to_string()))?;
            CaseEvent::Examine { first, second, disposition, hospital: get("hospital"), reason }
        }
        _ => return Err(("event".into(), "操作を選んでください".into())),
    })
}

/// The instant of a step from its date and the time typed (JST): required for a 措置診察, whose
/// hours the law counts; left empty on another step, the event keeps its date only (時刻不明).
fn occurred_instant(
    action: &str,
    on: Option<time::Date>,
    typed: &str,
    errors: &mut Errors,
) -> Option<time::OffsetDateTime> {
    if typed.is_empty() {
        if action == "examine" {
            errors.insert("occurred_time".into(), "措置診察の時刻を「14:30」の形で入力してください".into());
        }
        return None;
    }
    let format = time::macros::format_description!("[hour]:[minute]");
    match time::Time::parse(typed, &format) {
        Ok(at) => on.map(|day| day.with_time(at).assume_offset(crate::display::JST)),
        Err(_) => {
            errors.insert("occurred_time".into(), "時刻を「14:30」の形で入力してください".into());
            None
        }
    }
}

/// A step form of the case page, as posted: the fields of every step, each step sending its own.
#[derive(Debug, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CaseStepForm {
    event: Option<String>,
    occurred_on: Option<String>,
    occurred_time: Option<String>,
    note: Option<String>,
    next_due_on: Option<String>,
    revision: Option<String>,
    first: Option<String>,
    second: Option<String>,
    disposition: Option<String>,
    hospital: Option<String>,
    reason: Option<String>,
    staff_count: Option<String>,
}

/// POST /municipalities/{code}/cases/{case_id}/events: records the next step; a refused
/// transition or a missing field shows the case again with the reason beside the field (422),
/// and nothing is saved.
pub async fn record(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, id), ..): PagePath<(MunicipalityCode, i64), Record>,
    Submission(form): Submission<CaseStepForm>,
) -> Result<Response, WebError> {
    let case = load_case(&state, &ctx, &code, id, Permission::CaseWrite).await?;
    let f = crate::pages::posted(&form);
    let get = |n: &str| f.get(n).map(|v| v.trim().to_string()).unwrap_or_default();
    let action = get("event");
    let mut errors = Errors::new();
    let event = event_of(&f).map_err(|(field, reason)| errors.insert(field, reason)).ok();
    let occurred_on = parse_iso_date(&get("occurred_on"));
    if occurred_on.is_none() {
        errors.insert("occurred_on".into(), "日付を「2022-05-10」の形で入力してください".into());
    }
    let occurred_at = occurred_instant(&action, occurred_on, &get("occurred_time"), &mut errors);
    let due = get("next_due_on");
    let next_due_on = parse_iso_date(&due);
    if !due.is_empty() && next_due_on.is_none() {
        errors.insert("next_due_on".into(), "次回予定日を「2022-05-17」の形で入力してください".into());
    }
    crate::pages::check_texts(&f, nimo_domain::cases::texts::CASE_STEP, &mut errors);
    let revision: Option<i64> = get("revision").parse().ok();
    let outcome = match (event, revision, occurred_on) {
        (Some(event), Some(revision), Some(occurred_on)) if errors.is_empty() => {
            let input =
                EventInput { event, occurred_on, occurred_at, note: get("note"), next_due_on, actor: user_id(&ctx)? };
            let audit_event = audit::event(&ctx.0, "write", Outcome::Ok);
            match cases::record_event(&state.db, case.id, revision, &input, audit_event).await {
                Ok(_) => {
                    return Ok(Redirect::to(&format!("/municipalities/{code}/cases/{}", case.id)).into_response());
                }
                Err(RecordError::Rule(error)) => {
                    errors.insert(error.field().to_string(), error.to_string());
                    StatusCode::UNPROCESSABLE_ENTITY
                }
                Err(RecordError::Field(field)) => {
                    errors.insert(field.to_string(), "日付が正しくありません".into());
                    StatusCode::UNPROCESSABLE_ENTITY
                }
                Err(RecordError::Store(StoreError::StaleRevision(record))) => {
                    let refusal = crate::error::stale_refusal(record);
                    errors.insert(refusal.field.unwrap_or("state").into(), refusal.detail);
                    refusal.status
                }
                Err(RecordError::Store(other)) => return Err(other.into()),
            }
        }
        (_, None, _) => {
            errors
                .entry("state".into())
                .or_insert_with(|| "送信内容が正しくありません。ページを読み込み直してください".into());
            StatusCode::UNPROCESSABLE_ENTITY
        }
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    // The page shows the case again (personal data): audited as a read.
    audit::before(&state.db, &audit::event(&ctx.0, "read", Outcome::Ok).with_record("case", case.id.to_string()))
        .await?;
    let fresh = cases::get(&state.db, case.id).await?;
    // A step whose form is not on the page any more (the case moved on) shows its reason on top.
    let failed = if fresh.status.allowed().contains(&action.as_str()) { action } else { "none".to_string() };
    let submitted = Submitted { f, errors, failed, ..Submitted::default() };
    let page = case_page(&state, &ctx, &code, fresh, submitted, None).await?;
    Ok((outcome, Html(page.render()?)).into_response())
}

/// The police 保護 form of the case page, as posted.
#[derive(Debug, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProtectionForm {
    revision: Option<String>,
    started_at: Option<String>,
    ended_at: Option<String>,
}

/// A datetime-local field in JST: empty is `None`, a bad value an error beside the field.
fn local_instant(f: &Fields, name: &str, what: &str, errors: &mut Errors) -> Option<time::OffsetDateTime> {
    let text = f.get(name).map(|v| v.trim()).unwrap_or_default();
    if text.is_empty() {
        return None;
    }
    let at = nimo_domain::calendar::parse_local_minute(text).map(|local| local.assume_offset(crate::display::JST));
    if at.is_none() {
        errors.insert(name.into(), format!("{what}を「2022-05-10T14:30」の形で入力してください"));
    }
    at
}

/// POST /municipalities/{code}/cases/{case_id}/protection: records when the police 保護 began and
/// ended (the 24-hour clock runs from the start); a bad value shows the case again with the reason
/// beside the field (422), and nothing is saved.
pub async fn protection(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, id), ..): PagePath<(MunicipalityCode, i64), Record>,
    Submission(form): Submission<ProtectionForm>,
) -> Result<Response, WebError> {
    let case = load_case(&state, &ctx, &code, id, Permission::CaseWrite).await?;
    let f = crate::pages::posted(&form);
    let mut errors = Errors::new();
    let started = local_instant(&f, "started_at", "保護の開始日時", &mut errors);
    let ended = local_instant(&f, "ended_at", "保護の終了日時", &mut errors);
    match (started, ended) {
        (None, Some(_)) if errors.is_empty() => {
            errors.insert("started_at".into(), "保護の終了日時を入れるときは、開始日時も入力してください".into());
        }
        (Some(start), Some(end)) if end < start => {
            errors.insert("ended_at".into(), "保護の終了日時は開始日時より後にしてください".into());
        }
        _ => {}
    }
    let revision: Option<i64> = f.get("revision").and_then(|v| v.trim().parse().ok());
    let status = match revision {
        Some(revision) if errors.is_empty() => {
            let audit_event = audit::event(&ctx.0, "write", Outcome::Ok);
            match cases::protection::set(&state.db, case.id, revision, started, ended, audit_event).await {
                Ok(()) => {
                    let to = format!("/municipalities/{code}/cases/{}#protection", case.id);
                    return Ok(Redirect::to(&to).into_response());
                }
                Err(StoreError::StaleRevision(record)) => {
                    let refusal = crate::error::stale_refusal(record);
                    errors.insert("state".into(), refusal.detail);
                    refusal.status
                }
                Err(other) => return Err(other.into()),
            }
        }
        None => {
            errors.insert("state".into(), "送信内容が正しくありません。ページを読み込み直してください".into());
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Some(_) => StatusCode::UNPROCESSABLE_ENTITY,
    };
    audit::before(&state.db, &audit::event(&ctx.0, "read", Outcome::Ok).with_record("case", case.id.to_string()))
        .await?;
    let fresh = cases::get(&state.db, case.id).await?;
    let submitted = Submitted { f, errors, failed: "protection".to_string(), ..Submitted::default() };
    let page = case_page(&state, &ctx, &code, fresh, submitted, None).await?;
    Ok((status, Html(page.render()?)).into_response())
}
