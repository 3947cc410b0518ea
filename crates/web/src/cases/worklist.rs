//! The worklist: a municipality's open cases by staff member in charge, overdue ones marked, and
//! `/cases`, which sends staff to their own municipality's list.

use crate::audit;
use crate::context::Ctx;
use crate::layout::Layout;
use crate::pages::{PagePath, not_found, own_district, today};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nimo_domain::MunicipalityCode;
use nimo_store::audit::Outcome;
use nimo_store::cases;

/// GET /cases: the signed-in staff member's own municipality's worklist.
pub async fn home(ctx: Ctx) -> Result<Response, WebError> {
    let code = ctx.0.principal().and_then(|p| p.scope.municipality).ok_or_else(not_found)?;
    Ok(Redirect::to(&format!("/municipalities/{code}/cases")).into_response())
}

struct WorkRow {
    id: i64,
    received: String,
    district: String,
    state: &'static str,
    due: String,
    overdue: bool,
    person: String,
}

#[derive(Template)]
#[template(path = "cases.html")]
struct WorklistPage {
    ctx: Layout,
    code: String,
    district: Option<String>,
    groups: Vec<(String, Vec<WorkRow>)>,
    overdue: usize,
    open: usize,
    plan_reminders: usize,
}

/// GET /municipalities/{code}/cases: open cases by staff in charge, overdue first marked.
pub async fn worklist(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath(code, ..): PagePath<MunicipalityCode>,
) -> Result<Html<String>, WebError> {
    let district = own_district(&ctx);
    let items = cases::worklist(&state.db, code.as_str(), district.as_deref(), &today()).await?;
    audit::before(&state.db, &audit::event(&ctx.0, "read", Outcome::Ok).with_record("case_list", code.as_str()))
        .await?;
    let mut groups: Vec<(String, Vec<WorkRow>)> = Vec::new();
    for item in &items {
        let name = item.assigned.as_ref().map_or_else(|| "（担当未定）".to_string(), |(_, n)| n.clone());
        let row = WorkRow {
            id: item.case_id,
            received: crate::display::minute(item.received_at),
            district: item.district.clone(),
            state: item.state.label(),
            due: crate::display::date_or_empty(item.next_due_on),
            overdue: item.overdue,
            person: if item.person_kana.is_empty() { "（不明）".into() } else { item.person_kana.clone() },
        };
        match groups.last_mut() {
            Some((last, rows)) if *last == name => rows.push(row),
            _ => groups.push((name, vec![row])),
        }
    }
    let plan_reminders = nimo_store::plans::reminders(
        &state.db,
        code.as_str(),
        district.as_deref(),
        &today(),
        crate::plans::REMINDER_DAYS,
    )
    .await?
    .len();
    let page = WorklistPage {
        ctx: Layout::of(&ctx),
        code: code.to_string(),
        district,
        overdue: items.iter().filter(|i| i.overdue).count(),
        open: items.len(),
        plan_reminders,
        groups,
    };
    Ok(Html(page.render()?))
}
