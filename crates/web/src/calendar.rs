//! The annual schedule planned against what happened (issue 17, item 5): the calendar page of a
//! fiscal year (4月 to 3月: each month's planned rows of section 6 — 実施済 with the record,
//! 未実施 when the month is over with nothing held —, every meeting and 普及啓発 event of the
//! month, those outside the plan marked, and the year's slipped rows listed first), and the
//! municipality's iCalendar feed `calendar.ics` (RFC 5545, `nimo_domain::pdca::ical`).
//!
//! Who may read the feed: a signed-in account that reads the sheet (`SheetRead`: staff, 協議の場
//! members, the administrator), like the page; no token in the URL. Meeting and event titles
//! carry no personal data but are the municipality's internal plans, and a secret in a
//! subscription URL would end up in proxy and access logs and calendar apps' sync settings
//! beyond nimo's control (API tokens are bearer headers for `/api/v1` only). Staff download the
//! file and import it; a subscription feed with its own revocable token is left for later.

use crate::context::Ctx;
use crate::layout::Layout;
use crate::pages::{PagePath, SheetMissing};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use nimo_domain::pdca::ical::{FeedEntry, feed};
use nimo_domain::pdca::{CalendarMonth, HeldStatus, RowState, calendar};
use nimo_domain::sheet::RecordKind;
use nimo_domain::{FiscalYear, MunicipalityCode};

/// A record as the calendar shows it.
struct RecordLine {
    day: String,
    kind: &'static str,
    title: String,
    href: Option<String>,
    status: &'static str,
    cancelled: bool,
    unplanned: bool,
}

/// A planned row as the calendar shows it.
struct RowLine {
    item: String,
    content: String,
    state: &'static str,
    class: &'static str,
    done: Vec<(String, String, Option<String>)>,
}

struct MonthView {
    label: String,
    past: bool,
    rows: Vec<RowLine>,
    records: Vec<RecordLine>,
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    ctx: Layout,
    code: String,
    fy: i32,
    /// The years before and after, when nimo has them.
    prev: Option<i32>,
    next: Option<i32>,
    wareki: String,
    has_sheet: bool,
    months: Vec<MonthView>,
    slipped: Vec<(String, String)>,
    done_rows: usize,
    planned_rows: usize,
}

fn href_of(code: &MunicipalityCode, kind: RecordKind, id: i64) -> Option<String> {
    // Meetings have their pages in the council's module; events have theirs here. Both are read
    // by the roles that read this calendar (SheetRead and CouncilRead are given alike).
    Some(match kind {
        RecordKind::Event => format!("/municipalities/{code}/events/{id}"),
        RecordKind::Meeting => format!("/municipalities/{code}/meetings/{id}"),
    })
}

fn day_text(day: time::Date) -> String {
    format!("{}月{}日", u8::from(day.month()), day.day())
}

fn month_view(code: &MunicipalityCode, month: CalendarMonth, today: time::Date) -> MonthView {
    MonthView {
        label: month.label(),
        past: month.is_past(today),
        rows: month
            .rows
            .into_iter()
            .map(|r| RowLine {
                state: r.state.label(),
                class: match r.state {
                    RowState::Done => "done",
                    RowState::Slipped => "slipped",
                    RowState::Upcoming => "upcoming",
                },
                done: r
                    .row
                    .done
                    .iter()
                    .map(|h| (h.on.wareki(), h.title.clone(), href_of(code, h.record.kind, h.record.id)))
                    .collect(),
                item: r.row.item,
                content: r.row.content,
            })
            .collect(),
        records: month
            .records
            .into_iter()
            .map(|(o, planned)| RecordLine {
                day: day_text(o.on),
                kind: o.record.kind.label(),
                href: href_of(code, o.record.kind, o.record.id),
                title: o.title,
                status: o.status.label(),
                cancelled: o.status == HeldStatus::Cancelled,
                unplanned: !planned,
            })
            .collect(),
    }
}

/// GET /municipalities/{code}/calendar/{fy}
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath((code, fy), ..): PagePath<(MunicipalityCode, i32), SheetMissing>,
) -> Result<Html<String>, WebError> {
    let fy = FiscalYear::new(fy).ok_or_else(|| WebError::NotFound("お探しの年度は見つかりません".into()))?;
    let schedule = match nimo_store::sheets::load(&state.db, &code, fy).await {
        Ok(stored) => Some(stored.sheet.schedule),
        Err(error) if error.is_not_found() => None,
        Err(error) => return Err(error.into()),
    };
    let occurrences = nimo_store::schedule::occurrences(&state.db, code.as_str(), fy).await?;
    let today = crate::display::jst_date(state.clock.now());
    let months = calendar(fy, schedule.as_deref().unwrap_or_default(), &occurrences, today);
    let rows = months.iter().flat_map(|m| m.rows.iter());
    let slipped = rows
        .clone()
        .filter(|r| r.state == RowState::Slipped)
        .map(|r| (r.row.month.wareki(), r.row.item.clone()))
        .collect();
    let done_rows = rows.clone().filter(|r| r.state == RowState::Done).count();
    let planned_rows = rows.count();
    let page = CalendarPage {
        ctx: Layout::of(&ctx),
        code: code.to_string(),
        fy: fy.year(),
        prev: FiscalYear::new(fy.year() - 1).map(FiscalYear::year),
        next: FiscalYear::new(fy.year() + 1).map(FiscalYear::year),
        wareki: fy.wareki(),
        has_sheet: schedule.is_some(),
        months: months.into_iter().map(|m| month_view(&code, m, today)).collect(),
        slipped,
        done_rows,
        planned_rows,
    };
    Ok(Html(page.render()?))
}

/// GET /municipalities/{code}/calendar.ics: every meeting and event of the municipality.
pub async fn ics(
    State(state): State<AppState>,
    PagePath(code, ..): PagePath<MunicipalityCode>,
) -> Result<Response, WebError> {
    let records = nimo_store::schedule::all_dated(&state.db, code.as_str()).await?;
    let entries: Vec<FeedEntry> = records
        .into_iter()
        .map(|d| {
            let o = d.occurrence;
            let mut description = o.record.kind.label().to_string();
            if !o.schedule_item.is_empty() {
                description.push_str(&format!("（スケジュール: {}）", o.schedule_item));
            }
            FeedEntry {
                uid: format!("{}-{}@{}.nimo", o.record.kind.code(), o.record.id, code),
                stamp: d.updated_at,
                on: o.on,
                summary: o.title,
                description,
                status: o.status,
            }
        })
        .collect();
    let body = feed(&format!("{code} 会議・普及啓発（nimo）"), &entries);
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{code}-calendar.ics\"")),
        ],
        body,
    )
        .into_response())
}
