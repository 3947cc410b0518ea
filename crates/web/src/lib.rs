//! nimo's web app: the axum router, its handlers and the Japanese UI. Handlers stay thin: they
//! parse input, call the store, the domain and the report/exchange crates, and render.

mod audit;
mod context;
mod csrf;
mod derived;
mod error;
mod forms;
pub mod import;
mod layout;
pub mod policy;
mod routes;
mod security;
mod views;

use axum::Router;
use nimo_report::Fonts;
use nimo_store::Db;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

pub use error::WebError;

/// How long a PDF or XLSX download waits for a free renderer before the app answers 503.
pub const RENDER_WAIT: Duration = Duration::from_secs(20);

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    /// The PDF fonts, or why they could not be found (PDF export then explains what to install).
    pub fonts: Arc<Result<Fonts, String>>,
    /// The host names (or `host:port`) the app answers to; `None` answers to any. Checking the
    /// `Host` header is what stops a DNS-rebinding page from reaching a server on localhost.
    pub allowed_hosts: Option<Arc<[String]>>,
    /// Whether the app is reached over HTTPS (through a TLS-terminating proxy): then every
    /// response carries `Strict-Transport-Security`.
    pub behind_https: bool,
    /// PDF typesetting and XLSX writing: how many may run at once, and how long a download waits.
    pub renderers: Renderers,
}

/// A limit on the CPU-bound renderings, so that a few concurrent PDF downloads cannot take
/// every core from the pages.
#[derive(Clone)]
pub struct Renderers {
    /// One permit per rendering in progress.
    pub permits: Arc<Semaphore>,
    /// How long a download waits for a permit before it is answered with 503.
    pub wait: Duration,
}

impl Renderers {
    /// `permits` renderings at once (at least one), each download waiting at most `wait`.
    pub fn new(permits: usize, wait: Duration) -> Self {
        Self { permits: Arc::new(Semaphore::new(permits.max(1))), wait }
    }

    /// One rendering per CPU, waiting at most [`RENDER_WAIT`].
    pub fn per_cpu() -> Self {
        Self::new(std::thread::available_parallelism().map_or(1, |n| n.get()), RENDER_WAIT)
    }
}

impl AppState {
    /// State over a database, discovering the PDF fonts once. Any host is allowed, HSTS is off
    /// and one rendering runs per CPU.
    pub fn new(db: Db) -> Self {
        let fonts = Fonts::discover().map_err(|e| e.to_string());
        if let Err(reason) = &fonts {
            tracing::warn!(%reason, "PDF export is unavailable");
        }
        Self::with_fonts(db, fonts)
    }

    /// State over a database with fonts already found (or the reason they are missing), with
    /// the same defaults as [`AppState::new`].
    pub fn with_fonts(db: Db, fonts: Result<Fonts, String>) -> Self {
        Self { db, fonts: Arc::new(fonts), allowed_hosts: None, behind_https: false, renderers: Renderers::per_cpu() }
    }

    /// Answers only to these hosts (`name` or `name:port`, compared without regard to case; an
    /// entry without a port allows every port). `None` answers to any host.
    pub fn with_allowed_hosts(mut self, hosts: Option<Vec<String>>) -> Self {
        self.allowed_hosts = hosts.map(Arc::from);
        self
    }

    /// Marks the app as reached over HTTPS, which adds `Strict-Transport-Security`.
    pub fn with_behind_https(mut self, behind_https: bool) -> Self {
        self.behind_https = behind_https;
        self
    }

    /// Replaces the limit on concurrent renderings.
    pub fn with_renderers(mut self, renderers: Renderers) -> Self {
        self.renderers = renderers;
        self
    }
}

/// The whole application router, as `nimo serve` runs it. From the outside in: tracing, the
/// host and same-origin checks with the security headers, then the Japanese pages for the
/// framework's own rejections, then the routes.
pub fn router(state: AppState) -> Router {
    let cookie = if state.behind_https { "__Host-nimo" } else { "nimo_session" };
    let sessions = tower_sessions::SessionManagerLayer::new(state.db.sessions.clone())
        .with_name(cookie)
        .with_secure(state.behind_https)
        .with_http_only(true)
        .with_same_site(tower_sessions::cookie::SameSite::Strict)
        .with_path("/")
        .with_expiry(tower_sessions::Expiry::OnInactivity(time::Duration::minutes(context::IDLE_MINUTES)));
    routes::router(&state)
        .with_state(state.clone())
        .layer(axum::middleware::from_fn_with_state(state.clone(), context::load))
        .layer(sessions)
        .layer(axum::middleware::from_fn(error::rejections_as_pages))
        .layer(axum::middleware::from_fn_with_state(state, security::headers_and_same_origin))
        .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            // Only the method and the route's path: never query strings, which could carry input.
            tracing::info_span!("http", method = %request.method(), path = %request.uri().path())
        }))
}

/// Serves the app on a bound listener until the process is stopped.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(listener, router(state).into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
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
