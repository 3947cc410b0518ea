//! What the prints of case work share (the case summary in `cases/print.rs`, the 退院後支援計画 in
//! `plans/print.rs`): the fonts, rendering on the blocking pool under the state's limit, the
//! footer of every page (the municipality, who printed, when in Japan time) and the answer.
//!
//! A print is authorized like the page it comes from (its handler loads the record as the page
//! does, within the viewer's municipality and 地区) and audited like other reads of personal
//! data: its own row (action `print`, the record, detail `pdf`) is written before the file
//! leaves, failing closed ([`crate::audit::before`]).

use crate::context::Ctx;
use crate::{AppState, WebError, audit};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use nimo_domain::MunicipalityCode;
use nimo_report::Fonts;
use nimo_report::records::Printed;
use nimo_store::StoreError;
use nimo_store::audit::Outcome;

/// The fonts, or a 503 page naming what to install.
pub(crate) fn fonts(state: &AppState) -> Result<Fonts, WebError> {
    match state.fonts.as_ref() {
        Ok(fonts) => Ok(fonts.clone()),
        Err(reason) => Err(WebError::Unavailable(format!("PDFを作成できません: {reason}"))),
    }
}

/// Who prints, when (now, in Japan time) and for which municipality (its name; the code when
/// the municipality has no row of its own).
pub(crate) async fn printed(state: &AppState, ctx: &Ctx, code: &MunicipalityCode) -> Result<Printed, WebError> {
    let municipality = match nimo_store::municipalities::get(&state.db, code).await {
        Ok(summary) => summary.municipality.name,
        Err(StoreError::NotFound(_)) => code.to_string(),
        Err(other) => return Err(other.into()),
    };
    let by = ctx.0.account.as_ref().map(|a| a.display_name.clone()).unwrap_or_default();
    Ok(Printed { municipality, at: crate::display::jst_minute(state.clock.now()), by })
}

/// Runs a CPU-bound rendering off the async workers, at most as many at once as the state's
/// renderers allow; none free within their wait is a 503 ([`WebError::Busy`]).
pub(crate) async fn render<E: std::fmt::Display + Send + 'static>(
    state: &AppState,
    work: impl FnOnce() -> Result<Vec<u8>, E> + Send + 'static,
) -> Result<Vec<u8>, WebError> {
    let renderers = &state.renderers;
    let permit = match tokio::time::timeout(renderers.wait, renderers.permits.clone().acquire_owned()).await {
        Ok(Ok(permit)) => permit,
        Ok(Err(closed)) => return Err(WebError::Internal(format!("render permits: {closed}"))),
        Err(_) => {
            tracing::warn!(wait = ?renderers.wait, "every renderer is busy");
            return Err(WebError::Busy);
        }
    };
    // The permit moves into the blocking task: if the client goes away, the rendering still runs
    // to its end and keeps its permit until then.
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work()
    })
    .await
    .map_err(|e| WebError::Internal(e.to_string()))?
    .map_err(|e| WebError::Internal(e.to_string()))
}

/// The PDF as the answer, shown in the browser (to print) under a file name without personal
/// data, after its `print` audit row (record `kind`:`id`, detail `pdf`).
pub(crate) async fn answer(
    state: &AppState,
    ctx: &Ctx,
    kind: &str,
    id: i64,
    filename: String,
    pdf: Vec<u8>,
) -> Result<Response, WebError> {
    let event = audit::event(&ctx.0, "print", Outcome::Ok).with_record(kind, id.to_string()).with_detail("pdf");
    audit::before(&state.db, &event).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"{filename}\"")),
        ],
        pdf,
    )
        .into_response())
}
