//! The bed finder's search page for staff: the criteria as a typed query (each field at most
//! once, nothing else; every error beside its field, what was typed kept), results ranked by the
//! domain (bed left, freshness, fit, distance), and the one hold form above them. Opened from a
//! case (`?case=ID`), the criteria are filled from the case and the hold is placed for it.

use super::criteria::SearchForm;
use super::results::run;
use crate::context::Ctx;
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::{Html, IntoResponse, Response};

/// GET /beds: the search form, and results when the form was sent (`go=1`) or the page was
/// opened from a case (`case=ID`).
pub async fn search(State(state): State<AppState>, ctx: Ctx, RawQuery(query): RawQuery) -> Result<Response, WebError> {
    let form = SearchForm::from_query(query.as_deref())?;
    let (status, page) = run(&state, &ctx, form).await?;
    Ok((status, Html(page.render()?)).into_response())
}
