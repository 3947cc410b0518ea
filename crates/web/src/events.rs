//! 普及啓発 events (issue 17, item 3): the list of a fiscal year with its counts and the counts of
//! every year, the form to record one and to change it (staff of the municipality,
//! `NetworkWrite`), and the JSON API `GET /api/v1/municipalities/{code}/events` (`SheetRead`,
//! token scope `sheets:read`). A 協議の場 member and the administrator read (`SheetRead`). The
//! form offers the 実施する項目 of the year's sheet (section 6) for the schedule item, so that the
//! calendar and the sheet's section 6 find the event by the row's own words. No personal data.

mod form;

use crate::audit;
use crate::context::Ctx;
use crate::layout::Layout;
use crate::pages::{Errors, PagePath, Record, Submission, SummaryItem};
use crate::problem::{ApiPath, Problem};
use crate::{AppState, WebError};
use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use form::EventForm;
use nimo_domain::pdca::{EventKind, HeldStatus};
use nimo_domain::{FiscalYear, MunicipalityCode};
use nimo_store::audit::Outcome;
use nimo_store::events::{self, Event, YearCounts};
use nimo_store::{Db, StoreError};

/// `?fy=2022` (the current fiscal year when absent) and `?notice=…`.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct YearQuery {
    fy: Option<String>,
    notice: Option<String>,
}

/// The fiscal year a query names, or today's (JST); `None` for one that is not a year.
pub(crate) fn year_of(typed: Option<&str>, state: &AppState) -> Option<FiscalYear> {
    match typed.map(str::trim) {
        None | Some("") => {
            let today = crate::display::jst_date(state.clock.now());
            Some(FiscalYear::of_date(today.year(), u8::from(today.month())))
        }
        Some(text) => text.parse().ok().and_then(FiscalYear::new),
    }
}

/// The 実施する項目 of a year's sheet, each once, in the sheet's order (none without a sheet).
async fn schedule_items(db: &Db, code: &MunicipalityCode, fy: FiscalYear) -> Result<Vec<String>, StoreError> {
    let sheet = match nimo_store::sheets::load(db, code, fy).await {
        Ok(stored) => stored.sheet,
        Err(error) if error.is_not_found() => return Ok(Vec::new()),
        Err(error) => return Err(error),
    };
    let mut items: Vec<String> = Vec::new();
    for row in sheet.schedule {
        if !items.contains(&row.item) {
            items.push(row.item);
        }
    }
    Ok(items)
}

/// An event as the list shows it.
struct EventLine {
    id: i64,
    day: String,
    title: String,
    kind: &'static str,
    audience: String,
    participants: String,
    partners: String,
    status: &'static str,
    schedule_item: String,
}

impl EventLine {
    fn of(event: &Event) -> Self {
        let i = &event.input;
        Self {
            id: event.id,
            day: nimo_domain::PartialDate {
                year: i.held_on.year(),
                month: Some(u8::from(i.held_on.month())),
                day: Some(i.held_on.day()),
            }
            .wareki(),
            title: i.title.clone(),
            kind: i.kind.label(),
            audience: i.audience.clone(),
            participants: i.participants.map(|p| format!("{p}人")).unwrap_or_default(),
            partners: i.partners.join("、"),
            status: i.status.label(),
            schedule_item: i.schedule_item.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "events.html")]
struct EventsPage {
    ctx: Layout,
    code: String,
    fy: i32,
    /// The years before and after, when nimo has them.
    prev: Option<i32>,
    next: Option<i32>,
    wareki: String,
    events: Vec<EventLine>,
    this_year: YearCounts,
    years: Vec<(i32, String, YearCounts)>,
    notice: Option<&'static str>,
}

/// GET /municipalities/{code}/events: the fiscal year's events and the counts of every year.
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath(code, ..): PagePath<MunicipalityCode>,
    Query(query): Query<YearQuery>,
) -> Result<Html<String>, WebError> {
    let fy = year_of(query.fy.as_deref(), &state).ok_or_else(crate::pages::not_found)?;
    let listed = events::list(&state.db, code.as_str(), fy).await?;
    let years = events::counts_by_year(&state.db, code.as_str()).await?;
    let this_year = years.iter().find(|c| c.fiscal_year == fy.year()).copied().unwrap_or_default();
    let page = EventsPage {
        ctx: Layout::of(&ctx),
        code: code.to_string(),
        fy: fy.year(),
        prev: FiscalYear::new(fy.year() - 1).map(FiscalYear::year),
        next: FiscalYear::new(fy.year() + 1).map(FiscalYear::year),
        wareki: fy.wareki(),
        events: listed.iter().map(EventLine::of).collect(),
        this_year,
        years: years.into_iter().map(|c| (c.fiscal_year, FiscalYear(c.fiscal_year).wareki(), c)).collect(),
        notice: match query.notice.as_deref() {
            Some("created") => Some("普及啓発の記録を登録しました"),
            Some("saved") => Some("普及啓発の記録を更新しました"),
            _ => None,
        },
    };
    Ok(Html(page.render()?))
}

#[derive(Template)]
#[template(path = "event.html")]
struct EventPage {
    ctx: Layout,
    code: String,
    /// The event's id when editing.
    id: Option<i64>,
    f: EventForm,
    kinds: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
    items: Vec<String>,
    errors: Errors,
    summary: Vec<SummaryItem>,
}

impl EventPage {
    fn error(&self, name: &str) -> String {
        self.errors.get(name).cloned().unwrap_or_default()
    }

    async fn new(
        state: &AppState,
        ctx: &Ctx,
        code: &MunicipalityCode,
        id: Option<i64>,
        f: EventForm,
        errors: Errors,
    ) -> Result<Self, WebError> {
        let day = nimo_domain::calendar::parse_iso_date(f.held_on.trim())
            .unwrap_or_else(|| crate::display::jst_date(state.clock.now()));
        let items = schedule_items(&state.db, code, events::fiscal_year_of(day)).await?;
        Ok(Self {
            ctx: Layout::of(ctx),
            code: code.to_string(),
            id,
            f,
            kinds: EventKind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
            statuses: HeldStatus::ALL.iter().map(|s| (s.code(), s.label())).collect(),
            items,
            summary: crate::pages::summary(&errors, form::ORDER, str::to_string),
            errors,
        })
    }
}

/// GET /municipalities/{code}/events/new
pub async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath(code, ..): PagePath<MunicipalityCode>,
) -> Result<Html<String>, WebError> {
    let f = EventForm {
        held_on: crate::display::jst_date(state.clock.now()).to_string(),
        kind: EventKind::Lecture.code().into(),
        status: HeldStatus::Planned.code().into(),
        ..EventForm::default()
    };
    Ok(Html(EventPage::new(&state, &ctx, &code, None, f, Errors::new()).await?.render()?))
}

/// POST /municipalities/{code}/events: records the event (audited) or shows the form again (422).
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath(code, ..): PagePath<MunicipalityCode>,
    Submission(f): Submission<EventForm>,
) -> Result<Response, WebError> {
    match f.check() {
        Ok(input) => {
            let event = audit::event(&ctx.0, "event_create", Outcome::Ok);
            events::create(&state.db, code.as_str(), &input, event).await?;
            let fy = events::fiscal_year_of(input.held_on).year();
            Ok(Redirect::to(&format!("/municipalities/{code}/events?fy={fy}&notice=created")).into_response())
        }
        Err(errors) => {
            let page = EventPage::new(&state, &ctx, &code, None, f, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
        }
    }
}

/// GET /municipalities/{code}/events/{event_id}: the event's form.
pub async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, id), ..): PagePath<(MunicipalityCode, i64), Record>,
) -> Result<Html<String>, WebError> {
    let event = events::get(&state.db, code.as_str(), id).await?;
    let page = EventPage::new(&state, &ctx, &code, Some(id), EventForm::of(&event), Errors::new()).await?;
    Ok(Html(page.render()?))
}

/// POST /municipalities/{code}/events/{event_id}: saves the change at the form's revision
/// (409 when somebody saved first) or shows the form again (422).
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, id), ..): PagePath<(MunicipalityCode, i64), Record>,
    Submission(f): Submission<EventForm>,
) -> Result<Response, WebError> {
    let revision = f.revision.trim().parse::<i64>();
    match (f.check(), revision) {
        (Ok(input), Ok(revision)) => {
            let event = audit::event(&ctx.0, "event_update", Outcome::Ok);
            events::update(&state.db, code.as_str(), id, revision, &input, event).await?;
            let fy = events::fiscal_year_of(input.held_on).year();
            Ok(Redirect::to(&format!("/municipalities/{code}/events?fy={fy}&notice=saved")).into_response())
        }
        (checked, _) => {
            let mut errors = checked.err().unwrap_or_default();
            if f.revision.trim().parse::<i64>().is_err() {
                errors.insert("revision".into(), "版: フォームを開き直してからやり直してください".into());
            }
            let page = EventPage::new(&state, &ctx, &code, Some(id), f, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
        }
    }
}

/// A 普及啓発 event as the API gives it.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct EventJson {
    /// Id.
    id: i64,
    /// The day (ISO).
    #[schema(example = "2022-08-20")]
    held_on: String,
    /// Theme or title.
    title: String,
    /// `lecture`, `training`, `distribution`, `forum` or `other`.
    kind: String,
    /// Who it is for.
    audience: String,
    /// How many took part, when known.
    participants: Option<i64>,
    /// Partner organisations.
    partners: Vec<String>,
    /// Materials.
    materials: Vec<String>,
    /// `planned`, `held` or `cancelled`.
    status: String,
    /// The 実施する項目 of section 6 it fulfils (empty: none).
    schedule_item: String,
    /// Its revision.
    revision: i64,
}

/// A fiscal year's events and counts.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct EventsJson {
    /// The fiscal year (2022 = 令和4年度).
    fiscal_year: i32,
    /// Events held.
    held: i64,
    /// Events still planned.
    planned: i64,
    /// Events cancelled.
    cancelled: i64,
    /// Participants of the events held.
    participants: i64,
    /// The events by day.
    events: Vec<EventJson>,
}

/// The `fy` query of the API.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApiYear {
    /// The fiscal year, by the calendar year it starts in (the current one when absent).
    #[param(minimum = 1989, maximum = 2100, example = 2022)]
    fy: Option<i32>,
}

/// A municipality's 普及啓発 events of a fiscal year
///
/// Every event of the year by day (planned, held and cancelled) with the year's counts. No
/// personal data.
#[utoipa::path(
    get,
    path = "/api/v1/municipalities/{code}/events",
    tag = "network",
    params(("code" = String, Path, description = "the 地方公共団体コード", example = "131105"), ApiYear),
    responses(
        (status = 200, description = "the year's events", body = EventsJson),
        (status = 404, description = "not a valid code or year", body = Problem, content_type = "application/problem+json"),
        crate::problem::Refusals,
    )
)]
pub async fn api_list(
    State(state): State<AppState>,
    ApiPath(code, ..): ApiPath<MunicipalityCode>,
    query: Result<Query<ApiYear>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Problem> {
    let not_found = || Problem::new(StatusCode::NOT_FOUND, "not-found", "年度は1989〜2100の整数で指定してください");
    let Ok(Query(query)) = query else { return Err(not_found()) };
    let typed = query.fy.map(|y| y.to_string());
    let fy = year_of(typed.as_deref(), &state).ok_or_else(not_found)?;
    let listed = events::list(&state.db, code.as_str(), fy).await?;
    let count = |status: HeldStatus| listed.iter().filter(|e| e.input.status == status).count() as i64;
    let body = EventsJson {
        fiscal_year: fy.year(),
        held: count(HeldStatus::Held),
        planned: count(HeldStatus::Planned),
        cancelled: count(HeldStatus::Cancelled),
        participants: listed
            .iter()
            .filter(|e| e.input.status == HeldStatus::Held)
            .filter_map(|e| e.input.participants)
            .sum(),
        events: listed
            .into_iter()
            .map(|e| EventJson {
                id: e.id,
                held_on: e.input.held_on.to_string(),
                title: e.input.title,
                kind: e.input.kind.code().into(),
                audience: e.input.audience,
                participants: e.input.participants,
                partners: e.input.partners,
                materials: e.input.materials,
                status: e.input.status.code().into(),
                schedule_item: e.input.schedule_item,
                revision: e.revision,
            })
            .collect(),
    };
    Ok(Json(body).into_response())
}
