//! The JSON API of the meetings: `GET /api/v1/municipalities/{code}/meetings?fy=` (the list of
//! a fiscal year, or all) and `GET …/meetings/{meeting_id}` (one meeting with its attendance,
//! decisions in order and action items). Members appear by organisation, name and sector; their
//! contact details never. Each read is audited.

use crate::context::Ctx;
use crate::pages::Record;
use crate::problem::{ApiPath, Problem};
use crate::{AppState, audit};
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use nimo_domain::council::{ActionStatus, BodyKind, MeetingFormat, MeetingStatus, Sector};
use nimo_domain::{FiscalYear, MunicipalityCode};
use nimo_store::audit::Outcome;
use nimo_store::council::{self as store, meetings};
use serde::Serialize;
use utoipa::ToSchema;

/// A meeting as the list gives it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingSummary {
    /// The meeting's id.
    pub id: i64,
    /// The body's id.
    pub body_id: i64,
    /// The body's name.
    pub body: String,
    /// The body's kind (`kyogi_no_ba` meetings count for section 4 ①).
    pub body_kind: BodyKind,
    /// The fiscal year (2022 = 令和4年度), of the day it is held.
    pub fiscal_year: i32,
    /// 第n回 in the body's fiscal year.
    pub seq: i64,
    /// The title.
    pub title: String,
    /// The day it is (or was) held; for 書面開催 the day answers were due.
    #[schema(example = "2022-07-12")]
    pub held_on: String,
    /// In person, online or written (書面開催).
    pub format: MeetingFormat,
    /// Planned, held or cancelled.
    pub status: MeetingStatus,
    /// The schedule item (section 6's 実施する項目) it fulfils; empty when none.
    pub schedule_item: String,
}

/// A member present at a meeting.
#[derive(Debug, Serialize, ToSchema)]
pub struct Attendee {
    /// The organisation they act for.
    pub organisation: String,
    /// Their name.
    pub name: String,
    /// The organisation's sector.
    pub sector: Sector,
}

/// An action item of a meeting.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActionItemDocument {
    /// Its id.
    pub id: i64,
    /// What is to be done.
    pub title: String,
    /// Who does it (an organisation or role).
    pub owner: String,
    /// By when (`YYYY-MM-DD`), if set.
    pub due_on: Option<String>,
    /// Where it stands.
    pub status: ActionStatus,
    /// The 構築推進事業 menu code it serves, if any.
    pub menu_code: Option<i64>,
}

/// One meeting with everything recorded about it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingDocument {
    /// The meeting.
    #[serde(flatten)]
    pub meeting: MeetingSummary,
    /// Where.
    pub place: String,
    /// The agenda.
    pub agenda: String,
    /// The minutes.
    pub minutes: String,
    /// The decisions, in order.
    pub decisions: Vec<String>,
    /// The members present.
    pub attendance: Vec<Attendee>,
    /// The action items that came from it.
    pub action_items: Vec<ActionItemDocument>,
}

fn summary_of(m: meetings::Meeting, kind: BodyKind) -> MeetingSummary {
    MeetingSummary {
        id: m.id,
        body_id: m.body_id,
        body: m.body_name,
        body_kind: kind,
        fiscal_year: m.fiscal_year.year(),
        seq: m.seq,
        title: m.title,
        held_on: m.held_on.to_string(),
        format: m.format,
        status: m.status,
        schedule_item: m.schedule_item,
    }
}

/// The fiscal year of `?fy=`, if given; anything else in the query is refused (422 naming it).
/// The document states the range ([`FiscalYear::RANGE`], checked by a unit test of `api_doc`).
fn year_of(query: Option<&str>) -> Result<Option<FiscalYear>, Problem> {
    let mut year = None;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or_default()).map_err(|_| {
        Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-query", "問い合わせを読み取れません".to_string())
    })?;
    for (name, value) in pairs {
        let refused = |field: &str, detail: &str| {
            Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-query", detail.to_string())
                .with_errors([(field.to_string(), detail.to_string())])
        };
        if name != "fy" {
            return Err(refused(&name, "この問い合わせでは使えない項目です（fy だけが使えます）"));
        }
        if year.is_some() {
            return Err(refused("fy", "fy は1回だけ指定してください"));
        }
        year = Some(
            value
                .parse::<i32>()
                .ok()
                .and_then(FiscalYear::new)
                .ok_or_else(|| refused("fy", "年度を西暦の開始年で指定してください（令和4年度は 2022）"))?,
        );
    }
    Ok(year)
}

/// The meetings of a municipality
///
/// The meetings of one fiscal year (`fy`, by the calendar year it starts in), or of every year,
/// by date. Each read is audited.
#[utoipa::path(
    get,
    path = "/api/v1/municipalities/{code}/meetings",
    tag = "council",
    params(
        ("code" = String, Path, description = "the 地方公共団体コード", example = "131105"),
        ("fy" = Option<i32>, Query, description = "the fiscal year (2022 = 令和4年度, within `FiscalYear::RANGE`); every year when absent", minimum = 1989, maximum = 2100, example = 2022),
    ),
    responses(
        (status = 200, description = "the meetings", body = Vec<MeetingSummary>),
        (status = 404, description = "not a valid municipality code", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "a query parameter is wrong (named in `errors`)", body = Problem, content_type = "application/problem+json"),
        crate::problem::Refusals,
    )
)]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(code, ..): ApiPath<MunicipalityCode, Record>,
    RawQuery(query): RawQuery,
) -> Result<Json<Vec<MeetingSummary>>, Problem> {
    let fy = year_of(query.as_deref())?;
    let bodies = store::bodies(&state.db, code.as_str()).await?;
    let listed = meetings::list(&state.db, code.as_str(), fy).await?;
    let event =
        audit::event(&ctx.0, "read", Outcome::Ok).with_record("meetings", code.to_string()).with_detail("api_json");
    audit::before(&state.db, &event).await?;
    let kind_of = |id: i64| bodies.iter().find(|b| b.id == id).map_or(BodyKind::Other, |b| b.kind);
    Ok(Json(
        listed
            .into_iter()
            .map(|m| {
                let kind = kind_of(m.body_id);
                summary_of(m, kind)
            })
            .collect(),
    ))
}

/// One meeting
///
/// A meeting with its attendance, decisions in order and action items. Each read is audited.
#[utoipa::path(
    get,
    path = "/api/v1/municipalities/{code}/meetings/{meeting_id}",
    tag = "council",
    params(
        ("code" = String, Path, description = "the 地方公共団体コード", example = "131105"),
        ("meeting_id" = i64, Path, description = "the meeting's id", example = 1),
    ),
    responses(
        (status = 200, description = "the meeting", body = MeetingDocument),
        (status = 404, description = "no such meeting in the municipality", body = Problem, content_type = "application/problem+json"),
        crate::problem::Refusals,
    )
)]
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((code, id), ..): ApiPath<(MunicipalityCode, i64), Record>,
) -> Result<Json<MeetingDocument>, Problem> {
    let detail = meetings::load(&state.db, code.as_str(), id).await?;
    let body = store::body(&state.db, code.as_str(), detail.meeting.body_id).await?;
    let members = store::members(&state.db, code.as_str(), body.id).await?;
    let event = audit::event(&ctx.0, "read", Outcome::Ok)
        .with_record("council_meeting", id.to_string())
        .with_detail("api_json");
    audit::before(&state.db, &event).await?;
    let attendance = members
        .into_iter()
        .filter(|m| detail.present.contains(&m.id))
        .map(|m| Attendee { organisation: m.organisation, name: m.name, sector: m.sector })
        .collect();
    let action_items = detail
        .actions
        .into_iter()
        .map(|a| ActionItemDocument {
            id: a.id,
            title: a.title,
            owner: a.owner,
            due_on: a.due_on,
            status: a.status,
            menu_code: a.menu_code,
        })
        .collect();
    Ok(Json(MeetingDocument {
        meeting: summary_of(detail.meeting, body.kind),
        place: detail.place,
        agenda: detail.agenda,
        minutes: detail.minutes,
        decisions: detail.decisions,
        attendance,
        action_items,
    }))
}
