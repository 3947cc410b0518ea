//! The clock board: every running legal clock of the viewer's municipality (a 地区担当 sees their
//! 地区 only), most urgent first, with its deadline in JST, time left, state and 要確認 where the
//! rule is not verified. Reading it is audited before the page answers; it names no person.

use crate::audit;
use crate::clock_view::{ClockRow, board, entries_in};
use crate::context::Ctx;
use crate::layout::Layout;
use crate::pages::{PagePath, own_district};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::response::Html;
use nimo_domain::MunicipalityCode;
use nimo_store::audit::Outcome;

#[derive(Template)]
#[template(path = "clocks.html")]
struct ClocksPage {
    ctx: Layout,
    district: Option<String>,
    clocks: Vec<ClockRow>,
    overdue: usize,
}

/// GET /municipalities/{code}/clocks
pub async fn board_page(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath(code, ..): PagePath<MunicipalityCode>,
) -> Result<Html<String>, WebError> {
    let district = own_district(&ctx);
    let now = state.clock.now();
    let entries = entries_in(&state, code.as_str(), district.as_deref(), now).await?;
    audit::before(&state.db, &audit::event(&ctx.0, "read", Outcome::Ok).with_record("clock_board", code.as_str()))
        .await?;
    let clocks = board(&entries, now);
    let page =
        ClocksPage { ctx: Layout::of(&ctx), district, overdue: clocks.iter().filter(|c| c.overdue()).count(), clocks };
    Ok(Html(page.render()?))
}

/// GET /clocks: the menu's 法定期限, the board of the user's own municipality.
pub async fn home(ctx: Ctx) -> Result<axum::response::Redirect, WebError> {
    let code = ctx.0.principal().and_then(|p| p.scope.municipality).ok_or_else(crate::pages::not_found)?;
    Ok(axum::response::Redirect::to(&format!("/municipalities/{code}/clocks")))
}
