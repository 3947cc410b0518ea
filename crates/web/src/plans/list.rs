//! The list of 退院後支援計画 (`/plans`, `/municipalities/{code}/plans`): open plans, the earliest
//! review or period end first, with 期限切れ and 14日以内 marked; a 地区担当 sees their 地区 only.

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
use nimo_store::plans;

/// Days ahead that a review or period end is shown as a reminder (14日以内).
pub const REMINDER_DAYS: i64 = 14;

/// GET /plans: the signed-in staff member's own municipality's plans.
pub async fn home(ctx: Ctx) -> Result<Response, WebError> {
    let code = ctx.0.principal().and_then(|p| p.scope.municipality).ok_or_else(not_found)?;
    Ok(Redirect::to(&format!("/municipalities/{code}/plans")).into_response())
}

#[derive(Template)]
#[template(path = "plans.html")]
struct PlansPage {
    ctx: Layout,
    code: String,
    district: Option<String>,
    rows: Vec<plans::PlanItem>,
    overdue: usize,
    soon: usize,
    /// Japan's date today: an active plan whose 退院日 is later reads as planned.
    on: time::Date,
}

impl PlansPage {
    fn state_label(&self, row: &plans::PlanItem) -> &'static str {
        let waiting = row.state == nimo_domain::plans::PlanState::Active && row.started_on.is_some_and(|d| d > self.on);
        if waiting { nimo_domain::plans::AWAITING_LABEL } else { row.state.label() }
    }
}

/// GET /municipalities/{code}/plans: open plans, the earliest review or period end first, with
/// 期限切れ and 14日以内 marked; a 地区担当 sees their 地区 only.
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath(code, ..): PagePath<MunicipalityCode>,
) -> Result<Html<String>, WebError> {
    let district = own_district(&ctx);
    let rows = plans::list(&state.db, code.as_str(), district.as_deref(), &today(), REMINDER_DAYS).await?;
    audit::before(&state.db, &audit::event(&ctx.0, "read", Outcome::Ok).with_record("plan_list", code.as_str()))
        .await?;
    let page = PlansPage {
        ctx: Layout::of(&ctx),
        code: code.to_string(),
        district,
        overdue: rows.iter().filter(|r| r.overdue).count(),
        soon: rows.iter().filter(|r| r.due_soon && !r.overdue).count(),
        rows,
        on: crate::pages::japan_now(&state).date(),
    };
    Ok(Html(page.render()?))
}
