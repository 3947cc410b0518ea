//! Live updates of the bed finder's pages: server-sent events that say "something changed" (no
//! data: the page reloads itself and shows what the user may see), and the small script that
//! listens for them. The pages also refresh themselves with `<meta http-equiv=refresh>`, which
//! is the fallback when scripts or `EventSource` are unavailable or the stream breaks.

use crate::context::Ctx;
use crate::{AppState, WebError};
use axum::extract::State;
use axum::http::header;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::Stream;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// A stream of `changed` events for the changes `wanted` accepts (an empty hospital id is a
/// change anywhere, such as a sweep of expired holds). A lagging receiver gets one event too. The
/// stream ends when the server starts stopping.
fn changes(
    state: &AppState,
    wanted: impl Fn(&str) -> bool + Send + 'static,
) -> impl Stream<Item = Result<Event, Infallible>> + Send + 'static {
    let receiver = state.bed_events.subscribe();
    let stopping = state.stopping.subscribe();
    futures_util::stream::unfold((receiver, stopping, wanted), |(mut receiver, mut stopping, wanted)| async move {
        loop {
            let change = tokio::select! {
                change = receiver.recv() => change,
                // The server is stopping: end the stream (the page reconnects to another server
                // or falls back to its refresh).
                _ = stopping.wait_for(|stopping| *stopping) => return None,
            };
            match change {
                Ok(hospital) if hospital.is_empty() || wanted(&hospital) => break,
                Ok(_) => continue,
                Err(RecvError::Lagged(_)) => break,
                Err(RecvError::Closed) => return None,
            }
        }
        Some((Ok(Event::default().event("changed").data("1")), (receiver, stopping, wanted)))
    })
}

/// GET /hospital/events: changes of the own hospital's wards and holds.
pub async fn hospital(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let own = crate::pages::own_hospital(&ctx)?;
    let stream = changes(&state, move |hospital| hospital == own);
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response())
}

/// GET /beds/events: any change of beds or holds (search results and the staff's holds).
pub async fn search(State(state): State<AppState>) -> Response {
    Sse::new(changes(&state, |_| true)).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response()
}

/// On PostgreSQL, follows the other servers' bed changes (`store::beds::follow_changes`): their
/// postings and holds refresh this server's snapshot and reach its live pages. Nothing on SQLite.
pub fn spawn_listener(state: &AppState) -> tokio::task::JoinHandle<()> {
    let events = state.bed_events.clone();
    tokio::spawn(nimo_store::beds::follow_changes(state.db.clone(), move |hospital| {
        let _ = events.send(hospital.to_string());
    }))
}

/// GET /assets/live.js.
pub async fn script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../assets/live.js"),
    )
}
