//! The bed finder's placement statistics for staff: time from search to acceptance per hospital
//! and month (median, p90), with declines and expiries. Aggregates only: no case reference.

use crate::context::Ctx;
use crate::layout::Layout;
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use nimo_store::beds;

/// A row of the statistics page.
pub struct StatsRow {
    pub month: String,
    pub hospital: String,
    pub placements: usize,
    pub median: String,
    pub p90: String,
    pub declines: usize,
    pub expiries: usize,
}

fn minutes(seconds: Option<i64>) -> String {
    seconds.map_or_else(|| "—".into(), |s| format!("{:.1}分", s as f64 / 60.0))
}

#[derive(Template)]
#[template(path = "beds_stats.html")]
struct StatsPage {
    ctx: Layout,
    rows: Vec<StatsRow>,
}

/// GET /beds/stats: time from search to acceptance per hospital and month (median, p90), with
/// declines and expiries. Aggregates only: no case reference is shown.
pub async fn stats(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let rows = beds::placement_stats(&state.db)
        .await?
        .into_iter()
        .map(|m| StatsRow {
            month: m.month.wareki(),
            hospital: m.hospital_name,
            placements: m.placements,
            median: minutes(m.median_seconds),
            p90: minutes(m.p90_seconds),
            declines: m.declines,
            expiries: m.expiries,
        })
        .collect();
    Ok(Html(StatsPage { ctx: Layout::of(&ctx), rows }.render()?).into_response())
}
