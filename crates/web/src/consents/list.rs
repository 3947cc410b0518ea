//! The list of a municipality's 市町村長同意 (of the viewer's 地区 for a 地区担当): open ones
//! first, the most urgent clock first, with its deadline and 要確認 badge; and the counts of this
//! 年度 and of every 年度 with events (requests, consents, renewals, visits: the municipality's
//! whole, counted from the events by their JST date) for the sheet and the 協議の場.

use crate::audit;
use crate::clock_view::ClockRow;
use crate::context::Ctx;
use crate::layout::Layout;
use crate::pages::{PagePath, own_district};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::response::Html;
use nimo_domain::MunicipalityCode;
use nimo_store::audit::Outcome;
use nimo_store::consents::{self, ConsentItem};

struct ListRow {
    id: i64,
    person_id: i64,
    kana: String,
    district: String,
    hospital: String,
    state: &'static str,
    clock: Option<ClockRow>,
}

/// One 年度's counts.
struct YearCounts {
    label: String,
    counts: consents::ConsentCounts,
}

#[derive(Template)]
#[template(path = "consents.html")]
struct ListPage {
    ctx: Layout,
    code: String,
    district: Option<String>,
    rows: Vec<ListRow>,
    years: Vec<YearCounts>,
}

/// GET /municipalities/{code}/consents: the requests, open ones first, the most urgent clock first.
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath(code, ..): PagePath<MunicipalityCode>,
) -> Result<Html<String>, WebError> {
    let district = own_district(&ctx);
    let now = state.clock.now();
    let items = consents::list(&state.db, code.as_str(), district.as_deref(), now).await?;
    audit::before(&state.db, &audit::event(&ctx.0, "read", Outcome::Ok).with_record("consent_list", code.as_str()))
        .await?;
    let rows = items
        .iter()
        .map(|i: &ConsentItem| ListRow {
            id: i.id,
            person_id: i.person_id,
            kana: i.person_kana.clone(),
            district: i.district.clone(),
            hospital: i.hospital_name.clone(),
            state: i.status.state.label(),
            clock: i.urgent(now).map(|c| ClockRow::of_clock(c, now)),
        })
        .collect();
    let today = now.to_offset(nimo_domain::clocks::JST).date();
    let this_year = nimo_domain::FiscalYear::of_date(today.year(), u8::from(today.month())).year();
    let mut recorded = consents::years(&state.db, code.as_str()).await?;
    if !recorded.contains(&this_year) {
        recorded.insert(0, this_year);
    }
    recorded.sort_unstable_by(|a, b| b.cmp(a));
    let mut years = Vec::new();
    for year in recorded {
        let counts = consents::counts(&state.db, code.as_str(), year).await?;
        years.push(YearCounts { label: nimo_domain::FiscalYear(year).wareki(), counts });
    }
    let page = ListPage { ctx: Layout::of(&ctx), code: code.to_string(), district, rows, years };
    Ok(Html(page.render()?))
}

/// GET /consents: the menu's 市町村長同意, the list of the user's own municipality.
pub async fn home(ctx: Ctx) -> Result<axum::response::Redirect, WebError> {
    let code = ctx.0.principal().and_then(|p| p.scope.municipality).ok_or_else(crate::pages::not_found)?;
    Ok(axum::response::Redirect::to(&format!("/municipalities/{code}/consents")))
}
