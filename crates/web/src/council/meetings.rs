//! Meetings: the list of a fiscal year with the form that records one (staff), and a meeting's
//! page (agenda, attendance, minutes, decisions in order, action items) with the form that
//! changes it from the revision it shows and the form that adds an action item. A stale
//! revision is 409 with the page as it now stands; a bad form 422 with nothing saved.

use super::{audit_read, check, field_id, field_refusal, may_keep, options};
use crate::context::Ctx;
use crate::layout::Layout;
use crate::pages::{
    Errors, Fields, ListedSubmission, PagePath, Record, Submission, WithList, not_found, posted, today,
};
use crate::{AppState, WebError, audit};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nimo_domain::council::{ActionStatus, MEETING_TEXTS, MeetingFormat, MeetingStatus};
use nimo_domain::{FiscalYear, MunicipalityCode};
use nimo_store::audit::Outcome;
use nimo_store::council::actions;
use nimo_store::council::meetings::{self, Meeting, MeetingDetail, MeetingInput};
use nimo_store::council::{self as store, Body, Member};

/// `?fy=2022`: the fiscal year listed (this one by default).
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct YearQuery {
    fy: Option<i32>,
}

#[derive(Template)]
#[template(path = "meetings.html")]
struct MeetingsPage {
    ctx: Layout,
    code: String,
    keep: bool,
    fy: FiscalYear,
    meetings: Vec<Meeting>,
    bodies: Vec<Body>,
    formats: Vec<(String, String)>,
    statuses: Vec<(String, String)>,
    f: Fields,
    errors: Errors,
    summary: Vec<crate::pages::SummaryItem>,
}

impl MeetingsPage {
    fn value(&self, name: &str) -> String {
        self.f.get(name).cloned().unwrap_or_default()
    }
    fn error(&self, name: &str) -> String {
        self.errors.get(name).cloned().unwrap_or_default()
    }
}

fn this_year() -> FiscalYear {
    let today = today();
    nimo_domain::calendar::parse_iso_date(&today).map_or(FiscalYear(2022), nimo_domain::council::fiscal_year_of)
}

async fn meetings_page(
    state: &AppState,
    ctx: &Ctx,
    code: &MunicipalityCode,
    fy: FiscalYear,
    f: Fields,
    errors: Errors,
) -> Result<MeetingsPage, WebError> {
    let meetings = meetings::list(&state.db, code.as_str(), Some(fy)).await?;
    let bodies = store::bodies(&state.db, code.as_str()).await?;
    audit_read(state, ctx, "meetings", format!("{code}/{}", fy.year())).await?;
    Ok(MeetingsPage {
        ctx: Layout::of(ctx),
        code: code.to_string(),
        keep: may_keep(ctx, code),
        fy,
        meetings,
        bodies,
        formats: options(MeetingFormat::ALL, MeetingFormat::code, MeetingFormat::label),
        statuses: options(MeetingStatus::ALL, MeetingStatus::code, MeetingStatus::label),
        f,
        summary: crate::pages::summary(&errors, ORDER, field_id),
        errors,
    })
}

const ORDER: &[&str] = &[
    "body_id",
    "held_on",
    "format",
    "status",
    "title",
    "place",
    "schedule_item",
    "agenda",
    "present",
    "minutes",
    "decisions",
    "revision",
];

/// GET /municipalities/{code}/meetings?fy=: the meetings of a fiscal year (by default the latest
/// with meetings).
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath(code, ..): PagePath<MunicipalityCode>,
    Query(query): Query<YearQuery>,
) -> Result<Html<String>, WebError> {
    let fy = match query.fy.and_then(FiscalYear::new) {
        Some(fy) => fy,
        // The latest year with meetings up to this one (a municipality's records may stop
        // earlier, as the demo's do), else this year.
        None => {
            let now = this_year();
            let all = meetings::list(&state.db, code.as_str(), None).await?;
            all.iter().map(|m| m.fiscal_year).filter(|fy| *fy <= now).max().unwrap_or(now)
        }
    };
    Ok(Html(meetings_page(&state, &ctx, &code, fy, Fields::new(), Errors::new()).await?.render()?))
}

/// The form that records or changes a meeting, as posted; `present` (the members present, a
/// group of checkboxes) is the repeated field.
#[derive(Debug, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MeetingForm {
    #[serde(default)]
    body_id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    held_on: String,
    #[serde(default)]
    format: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    agenda: String,
    #[serde(default)]
    minutes: String,
    /// One decision per line, in order.
    #[serde(default)]
    decisions: String,
    #[serde(default)]
    schedule_item: String,
    /// The revision the change was made from (the change form only).
    #[serde(default)]
    revision: String,
}

impl WithList for MeetingForm {
    const LIST: &'static str = "present";
}

impl MeetingForm {
    /// The store's input, with each problem the store would refuse beside its field first.
    fn input(&self, present: &[String], errors: &mut Errors) -> MeetingInput {
        let f = posted(self);
        check(&f, MEETING_TEXTS, errors);
        let mut refuse = |field: &str, reason: &str| {
            errors.entry(field.to_string()).or_insert(format!("{}: {reason}", super::label(field)));
        };
        let body_id = self.body_id.trim().parse::<i64>().unwrap_or_else(|_| {
            refuse("body_id", "会議体を選んでください");
            0
        });
        if nimo_domain::calendar::parse_iso_date(self.held_on.trim()).is_none() {
            refuse("held_on", "日付を「2022-07-12」の形で入力してください");
        }
        if MeetingFormat::parse(self.format.trim()).is_none() {
            refuse("format", "選択肢から選んでください");
        }
        if MeetingStatus::parse(self.status.trim()).is_none() {
            refuse("status", "選択肢から選んでください");
        }
        let present = present.iter().filter_map(|p| p.parse::<i64>().ok()).collect::<Vec<_>>();
        MeetingInput {
            body_id,
            title: self.title.clone(),
            held_on: self.held_on.trim().to_string(),
            format: self.format.clone(),
            status: self.status.clone(),
            place: self.place.clone(),
            agenda: self.agenda.clone(),
            minutes: self.minutes.clone(),
            decisions: self.decisions.replace("\r\n", "\n").lines().map(str::to_string).collect(),
            present,
            schedule_item: self.schedule_item.clone(),
        }
    }
}

/// POST /municipalities/{code}/meetings: records a meeting (第n回 is the body's next in the
/// fiscal year of its date).
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath(code, ..): PagePath<MunicipalityCode>,
    ListedSubmission(form, present): ListedSubmission<MeetingForm>,
) -> Result<Response, WebError> {
    let mut errors = Errors::new();
    let input = form.input(&present, &mut errors);
    if errors.is_empty() {
        let event = audit::event(&ctx.0, "write", Outcome::Ok);
        match meetings::create(&state.db, code.as_str(), &input, event).await {
            Ok(id) => return Ok(Redirect::to(&format!("/municipalities/{code}/meetings/{id}")).into_response()),
            Err(error) => {
                let (field, message) = field_refusal(error)?;
                errors.insert(field, message);
            }
        }
    }
    let fy = nimo_domain::calendar::parse_iso_date(&input.held_on)
        .map_or_else(this_year, nimo_domain::council::fiscal_year_of);
    let page = meetings_page(&state, &ctx, &code, fy, posted(&form), errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
}

#[derive(Template)]
#[template(path = "meeting.html")]
struct MeetingPage {
    ctx: Layout,
    code: String,
    keep: bool,
    today: String,
    m: MeetingDetail,
    body: Body,
    bodies: Vec<Body>,
    members: Vec<Member>,
    formats: Vec<(String, String)>,
    statuses: Vec<(String, String)>,
    action_statuses: Vec<(String, String)>,
    menu: Vec<(u32, String)>,
    /// What was posted, when the form came back (else the meeting's own values).
    f: Option<Fields>,
    errors: Errors,
    summary: Vec<crate::pages::SummaryItem>,
}

impl MeetingPage {
    /// A field's value: what was posted, or the meeting's.
    fn value(&self, name: &str) -> String {
        if let Some(value) = self.f.as_ref().and_then(|f| f.get(name)) {
            return value.clone();
        }
        let m = &self.m;
        match name {
            "title" => m.meeting.title.clone(),
            "held_on" => m.meeting.held_on.to_string(),
            "format" => m.meeting.format.code().to_string(),
            "status" => m.meeting.status.code().to_string(),
            "place" => m.place.clone(),
            "agenda" => m.agenda.clone(),
            "minutes" => m.minutes.clone(),
            "decisions" => m.decisions.join("\n"),
            "schedule_item" => m.meeting.schedule_item.clone(),
            "body_id" => m.meeting.body_id.to_string(),
            _ => String::new(),
        }
    }
    fn error(&self, name: &str) -> String {
        self.errors.get(name).cloned().unwrap_or_default()
    }
    fn present(&self, id: &i64) -> bool {
        match self.f.as_ref().and_then(|f| f.get("present")) {
            Some(posted) => posted.split(',').any(|p| p == id.to_string()),
            None => self.m.present.contains(id),
        }
    }
    fn menu_label(&self, code: &Option<i64>) -> String {
        code.and_then(|c| self.menu.iter().find(|(n, _)| i64::from(*n) == c))
            .map(|(n, l)| format!("{} {l}", nimo_domain::menu::full_width_number(*n)))
            .unwrap_or_default()
    }
}

async fn meeting_page(
    state: &AppState,
    ctx: &Ctx,
    code: &MunicipalityCode,
    id: i64,
    f: Option<Fields>,
    errors: Errors,
) -> Result<MeetingPage, WebError> {
    let m = meetings::load(&state.db, code.as_str(), id)
        .await
        .map_err(|e| if e.is_not_found() { not_found() } else { e.into() })?;
    let bodies = store::bodies(&state.db, code.as_str()).await?;
    let body = bodies.iter().find(|b| b.id == m.meeting.body_id).cloned().ok_or_else(not_found)?;
    let members = store::members(&state.db, code.as_str(), body.id).await?;
    let menu = nimo_store::menu::for_fiscal_year(&state.db, m.meeting.fiscal_year).await?;
    audit_read(state, ctx, "council_meeting", id.to_string()).await?;
    Ok(MeetingPage {
        ctx: Layout::of(ctx),
        code: code.to_string(),
        keep: may_keep(ctx, code),
        today: today(),
        m,
        body,
        bodies,
        members,
        formats: options(MeetingFormat::ALL, MeetingFormat::code, MeetingFormat::label),
        statuses: options(MeetingStatus::ALL, MeetingStatus::code, MeetingStatus::label),
        action_statuses: options(ActionStatus::ALL, ActionStatus::code, ActionStatus::label),
        menu: menu.items.iter().map(|i| (i.code, i.label.clone())).collect(),
        f,
        summary: crate::pages::summary(&errors, ORDER, field_id),
        errors,
    })
}

/// GET /municipalities/{code}/meetings/{meeting_id}: a meeting with everything recorded.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, id), ..): PagePath<(MunicipalityCode, i64), Record>,
) -> Result<Html<String>, WebError> {
    Ok(Html(meeting_page(&state, &ctx, &code, id, None, Errors::new()).await?.render()?))
}

/// POST /municipalities/{code}/meetings/{meeting_id}: changes a meeting made from the revision
/// the form carries.
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, id), ..): PagePath<(MunicipalityCode, i64), Record>,
    ListedSubmission(form, present): ListedSubmission<MeetingForm>,
) -> Result<Response, WebError> {
    meetings::load(&state.db, code.as_str(), id)
        .await
        .map_err(|e| if e.is_not_found() { not_found() } else { e.into() })?;
    let mut errors = Errors::new();
    let input = form.input(&present, &mut errors);
    let revision = form.revision.trim().parse::<i64>().ok();
    if revision.is_none() {
        errors.insert("revision".into(), "更新: 画面を読み込み直してからやり直してください".into());
    }
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    if let (true, Some(revision)) = (errors.is_empty(), revision) {
        let event = audit::event(&ctx.0, "write", Outcome::Ok);
        match meetings::update(&state.db, code.as_str(), id, revision, &input, event).await {
            Ok(_) => return Ok(Redirect::to(&format!("/municipalities/{code}/meetings/{id}")).into_response()),
            Err(error) => {
                if matches!(error, nimo_store::StoreError::StaleRevision(_)) {
                    status = StatusCode::CONFLICT;
                }
                let (field, message) = field_refusal(error)?;
                errors.insert(field, message);
            }
        }
    }
    let mut f = posted(&form);
    // A stale form shows what is stored now (with the reason), so that the next save is made
    // from the current revision; the typed values are lost only then.
    if status == StatusCode::CONFLICT {
        let page = meeting_page(&state, &ctx, &code, id, None, errors).await?;
        return Ok((status, Html(page.render()?)).into_response());
    }
    f.insert("present".into(), present.join(","));
    let page = meeting_page(&state, &ctx, &code, id, Some(f), errors).await?;
    Ok((status, Html(page.render()?)).into_response())
}

/// POST /municipalities/{code}/meetings/{meeting_id}/actions: adds an action item.
pub async fn add_action(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, id), ..): PagePath<(MunicipalityCode, i64), Record>,
    Submission(form): Submission<super::ActionForm>,
) -> Result<Response, WebError> {
    meetings::load(&state.db, code.as_str(), id)
        .await
        .map_err(|e| if e.is_not_found() { not_found() } else { e.into() })?;
    let mut errors = Errors::new();
    let input = form.input(&mut errors);
    if errors.is_empty() {
        let event = audit::event(&ctx.0, "write", Outcome::Ok);
        match actions::add(&state.db, code.as_str(), id, &input, event).await {
            Ok(_) => return Ok(Redirect::to(&format!("/municipalities/{code}/meetings/{id}#actions")).into_response()),
            Err(error) => {
                let (field, message) = field_refusal(error)?;
                errors.insert(field, message);
            }
        }
    }
    let f: Fields = posted(&form).into_iter().map(|(k, v)| (format!("action_{k}"), v)).collect();
    let errors = errors.into_iter().map(|(k, v)| (format!("action_{k}"), v)).collect();
    let page = meeting_page(&state, &ctx, &code, id, Some(f), errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
}
