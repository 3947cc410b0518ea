//! The case page: a 23条通報's record, its events, the holds placed under its 受付番号 and the
//! forms for the next steps the flow allows (`show`), and recording a step (`record`).
//!
//! Reading the page writes one audit row (`read`, record `case`) before it is answered; every
//! change commits with its own row in the store. A case outside the viewer's municipality or 地区
//! is answered 404 (so that its existence is not revealed), after a `denied` audit row.

use crate::audit;
use crate::context::Ctx;
use crate::layout::Layout;
use crate::pages::{Errors, Fields, NoticeQuery, PagePath, Record, Submission, Submitted, load_scoped, today, user_id};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::Permission;
use nimo_domain::calendar::parse_iso_date;
use nimo_domain::cases::{CaseEvent, CaseState, Disposition, Finding};
use nimo_store::StoreError;
use nimo_store::audit::Outcome;
use nimo_store::cases::{self, EventInput, RecordError};
use nimo_store::people;

struct EventRow {
    on: String,
    what: &'static str,
    detail: String,
    note: String,
}

/// One form for an allowed next step.
struct ActionForm {
    code: &'static str,
    label: &'static str,
    needs_reason: bool,
    is_exam: bool,
    wants_due: bool,
}

#[derive(Template)]
#[template(path = "case.html")]
pub(super) struct CasePage {
    ctx: Layout,
    code: String,
    c: cases::Case,
    state_label: &'static str,
    disposition: String,
    person: Option<people::Person>,
    events: Vec<EventRow>,
    actions: Vec<ActionForm>,
    dispositions: Vec<(&'static str, &'static str)>,
    f: Fields,
    errors: Errors,
    failed: String,
    /// The failed form's errors at the top of the page, each linking to its field.
    summary: Vec<crate::pages::SummaryItem>,
    candidates: Vec<crate::pages::Candidate>,
    /// Whether the typed person may be someone recorded in another 地区 (not shown).
    elsewhere: bool,
    notice: Option<&'static str>,
    /// The case's 受付番号 (what bed holds carry), the bed search for it (empty when no bed is
    /// sought now), and its holds.
    reception: String,
    bed_search: String,
    holds: Vec<(crate::beds::search::HoldView, String)>,
    /// The accepted hold that is the case's 入院先: hospital and ward, and the time to placement.
    admitted: Option<(crate::beds::search::HoldView, String)>,
}

impl CasePage {
    fn value(&self, name: &str) -> String {
        self.f.get(name).cloned().unwrap_or_default()
    }
    fn error(&self, action: &str, name: &str) -> String {
        if self.failed == action { self.errors.get(name).cloned().unwrap_or_default() } else { String::new() }
    }
    fn typed(&self, action: &str, name: &str) -> String {
        if self.failed == action {
            self.value(name)
        } else if name == "occurred_on" || (action == "identify" && name == "identified_on") {
            today()
        } else {
            String::new()
        }
    }
    fn selected(&self, action: &str, name: &str, option: &str) -> bool {
        self.failed == action && self.value(name) == option
    }
}

/// The element id of a field of the case page's forms (`action` is the failed form), as
/// `case.html` names them; empty for a reason shown on top of the page.
fn field_id(action: &str, name: &str) -> String {
    match (action, name) {
        ("none", _) => String::new(),
        (_, "state" | "event") => format!("action-{action}"),
        ("identify", "identified_on") => name.to_string(),
        ("identify", _) => format!("id-{name}"),
        (_, "occurred_on") => format!("{action}-on"),
        (_, "next_due_on") => format!("{action}-due"),
        (_, "reason" | "note") => format!("{action}-{name}"),
        _ => name.to_string(),
    }
}

/// The fields of the case page's forms in the order they show them.
const FIELD_ORDER: &[&str] = &[
    "state",
    "person_choice",
    "identified_on",
    "name_kana",
    "name_kanji",
    "birth_date",
    "sex",
    "address",
    "contact",
    "occurred_on",
    "first",
    "second",
    "disposition",
    "hospital",
    "reason",
    "note",
    "next_due_on",
];

fn action_form(code: &'static str) -> ActionForm {
    ActionForm {
        code,
        label: CaseEvent::label_of(code),
        needs_reason: matches!(code, "no_exam_needed" | "hold" | "close"),
        is_exam: code == "examine",
        wants_due: code != "close",
    }
}

pub(super) async fn case_page(
    state: &AppState,
    ctx: &Ctx,
    code: &MunicipalityCode,
    case: cases::Case,
    submitted: Submitted,
    notice: Option<&'static str>,
) -> Result<CasePage, WebError> {
    let Submitted { f, errors, failed, candidates, elsewhere } = submitted;
    let person = match case.person_id {
        Some(id) => Some(people::get(&state.db, id).await?),
        None => None,
    };
    let events = cases::events(&state.db, case.id)
        .await?
        .into_iter()
        .map(|e| {
            let mut detail = Vec::new();
            if let (Some(first), second) = e.findings {
                detail.push(format!(
                    "一次診察: {} / 二次診察: {}",
                    first.label(),
                    second.map_or("（なし）", Finding::label)
                ));
            }
            if let Some(d) = e.disposition {
                detail.push(d.label().to_string());
            }
            if !e.hospital.is_empty() {
                detail.push(format!("入院先: {}", e.hospital));
            }
            EventRow {
                on: e.occurred_on.to_string(),
                what: CaseEvent::label_of(&e.kind),
                detail: detail.join("、"),
                note: e.note,
            }
        })
        .collect();
    let actions = case.status.allowed().into_iter().map(action_form).collect();
    let reception = nimo_domain::cases::reception_number(case.fiscal_year, case.id);
    let admission = case.status.disposition.and_then(nimo_domain::cases::admission_of);
    // A bed is sought once an exam is ordered, and after a disposition that is an admission.
    let seeks_bed = match case.status.state {
        CaseState::ExamOrdered => true,
        CaseState::FollowUp => admission.is_some(),
        _ => false,
    };
    let bed_search = if seeks_bed { format!("/beds?case={}", case.id) } else { String::new() };
    let now = state.clock.unix();
    // 受理 is recorded in Japan time.
    let japan = time::UtcOffset::from_whole_seconds(9 * 3600).unwrap_or(time::UtcOffset::UTC);
    let received = case.received_at.assume_offset(japan).unix_timestamp();
    let holds: Vec<_> = nimo_store::beds::holds_for_case(&state.db, code.as_str(), &reception, 20)
        .await?
        .iter()
        .map(|h| {
            let placement = match (h.state_at(now), h.decided_at) {
                (nimo_domain::beds::HoldState::Accepted, Some(at)) => {
                    format!(
                        "受理から{}・検索から{}",
                        crate::beds::search::span(at - received),
                        crate::beds::search::span(at - h.searched_at)
                    )
                }
                _ => String::new(),
            };
            (crate::beds::search::HoldView::of(h, now), placement)
        })
        .collect();
    let summary = crate::pages::summary(&errors, FIELD_ORDER, |name| field_id(&failed, name));
    let admitted = holds.iter().find(|(h, _)| h.accepted).cloned();
    // Once a hospital has accepted, no other bed is sought.
    let bed_search = if admitted.is_some() { String::new() } else { bed_search };
    Ok(CasePage {
        summary,
        ctx: Layout::of(ctx),
        code: code.to_string(),
        state_label: case.status.state.label(),
        disposition: case.status.disposition.map(|d| d.label().to_string()).unwrap_or_default(),
        dispositions: Disposition::list(case.fiscal_year).into_iter().map(|e| (e.code, e.label)).collect(),
        c: case,
        person,
        events,
        actions,
        f,
        errors,
        failed,
        candidates,
        elsewhere,
        notice,
        reception,
        bed_search,
        holds,
        admitted,
    })
}

pub(super) async fn load_case(
    state: &AppState,
    ctx: &Ctx,
    code: &MunicipalityCode,
    id: i64,
    permission: Permission,
) -> Result<cases::Case, WebError> {
    let fetch = |id| cases::get(&state.db, id);
    load_scoped(state, ctx, code, id, permission, "case", fetch, |c: &cases::Case| (&c.municipality, &c.district)).await
}

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
        "start_investigation" => CaseEvent::StartInvestigation,
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
            CaseEvent::Examine { first, second, disposition, hospital: get("hospital") }
        }
        _ => return Err(("event".into(), "操作を選んでください".into())),
    })
}

/// A step form of the case page, as posted: the fields of every step, each step sending its own.
#[derive(Debug, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CaseStepForm {
    event: Option<String>,
    occurred_on: Option<String>,
    note: Option<String>,
    next_due_on: Option<String>,
    revision: Option<String>,
    first: Option<String>,
    second: Option<String>,
    disposition: Option<String>,
    hospital: Option<String>,
    reason: Option<String>,
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
    let due = get("next_due_on");
    let next_due_on = parse_iso_date(&due);
    if !due.is_empty() && next_due_on.is_none() {
        errors.insert("next_due_on".into(), "次回予定日を「2022-05-17」の形で入力してください".into());
    }
    crate::pages::check_texts(&f, nimo_domain::cases::texts::CASE_STEP, &mut errors);
    let revision: Option<i64> = get("revision").parse().ok();
    let outcome = match (event, revision, occurred_on) {
        (Some(event), Some(revision), Some(occurred_on)) if errors.is_empty() => {
            let input = EventInput { event, occurred_on, note: get("note"), next_due_on, actor: user_id(&ctx)? };
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
