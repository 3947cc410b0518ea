//! nimo's web app: the axum router, its handlers and the Japanese UI. Handlers stay thin: they
//! parse input, call the store, the domain and the report/exchange crates, and render.

mod error;
mod forms;
pub mod import;
mod routes;
mod security;
mod views;

use axum::Router;
use nimo_report::Fonts;
use nimo_store::Db;
use std::sync::Arc;

pub use error::WebError;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    /// The PDF fonts, or why they could not be found (PDF export then explains what to install).
    pub fonts: Arc<Result<Fonts, String>>,
}

impl AppState {
    /// State over a database, discovering the PDF fonts once.
    pub fn new(db: Db) -> Self {
        let fonts = Fonts::discover().map_err(|e| e.to_string());
        if let Err(reason) = &fonts {
            tracing::warn!(%reason, "PDF export is unavailable");
        }
        Self { db, fonts: Arc::new(fonts) }
    }
}

/// The whole application router, as `nimo serve` runs it.
pub fn router(state: AppState) -> Router {
    routes::router().with_state(state).layer(axum::middleware::from_fn(security::headers_and_same_origin)).layer(
        tower_http::trace::TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            // Only the method and the route's path: never query strings, which could carry input.
            tracing::info_span!("http", method = %request.method(), path = %request.uri().path())
        }),
    )
}

/// Serves the app on a bound listener until the process is stopped.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown_signal()).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
