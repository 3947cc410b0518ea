//! nimo's web app: the axum router, its handlers and the Japanese UI. Handlers stay thin: they
//! parse input, call the store, the domain and the report/exchange crates, and render.

mod account;
mod actions;
mod admin;
mod admissions;
mod api_doc;
mod audit;
mod beds;
mod calendar;
mod cases;
mod client_address;
pub mod clock;
mod clock_moves;
mod clock_rules;
mod clock_view;
mod clocks;
mod consents;
mod context;
mod council;
mod csrf;
mod directory;
pub mod display;
mod districts;
pub mod error;
pub mod escalation;
mod events;
pub mod form_token;
mod health;
mod health_centre;
mod home;
mod layout;
mod local_path;
pub mod metrics;
mod municipalities;
mod pages;
mod plans;
pub mod policy;
mod printing;
pub mod problem;
pub mod refusals;
pub mod request_id;
pub mod retention;
mod routes;
mod security;
mod serving;
mod sheets;
mod tokens;

pub use layout::DEFAULT_SOURCE_URL;
pub use retention::{RetentionSettings, spawn_retention};
pub use sheets::import;

use axum::Router;
use nimo_report::Fonts;
use nimo_store::Db;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

pub use error::WebError;

pub use serving::{SHUTDOWN_GRACE, serve, serve_until};

/// How long a PDF or XLSX download waits for a free renderer before the app answers 503.
pub const RENDER_WAIT: Duration = Duration::from_secs(20);

/// What every handler can reach: one shared [`Shared`] behind an `Arc`. Every middleware
/// `from_fn_with_state` and every `State` extractor clones the state once per request; a clone
/// is one atomic increment here, where cloning the fields themselves took about twenty (the
/// `Arc`s of the pool, the keys, the fonts …), each a cache line the two cores pass back and
/// forth under load (issue 16: `AppState::clone` and its drop were 1.4 % of a loaded profile).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The fields of [`AppState`].
#[derive(Clone)]
pub struct Shared {
    pub db: Db,
    /// The PDF fonts, or why they could not be found (PDF export then explains what to install).
    pub fonts: Arc<Result<Fonts, String>>,
    /// The host names (or `host:port`) the app answers to; `None` answers to any. Checking the
    /// `Host` header is what stops a DNS-rebinding page from reaching a server on localhost.
    pub allowed_hosts: Option<Arc<[String]>>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (`client_address.rs`); empty:
    /// the connection's peer is the client.
    pub trusted_proxies: Arc<[std::net::IpAddr]>,
    /// Whether the app is reached over HTTPS (through a TLS-terminating proxy): then every
    /// response carries `Strict-Transport-Security`.
    pub behind_https: bool,
    /// PDF typesetting and XLSX writing: how many may run at once, and how long a download waits.
    pub renderers: Renderers,
    /// The bed finder's settings (hold expiry, stale postings).
    pub beds: BedSettings,
    /// The time sessions expire by and the bed finder works with (the system clock; tests
    /// advance it).
    pub clock: clock::Clock,
    /// Changes to beds and holds, for the pages' server-sent events: the hospital whose ward or
    /// hold changed (empty: any, as after a sweep of expired holds).
    pub bed_events: tokio::sync::broadcast::Sender<String>,
    /// Where users get the source of the running version (AGPL-3.0 §13), linked from every
    /// page's footer; [`layout::DEFAULT_SOURCE_URL`] unless configured.
    pub source_url: Arc<str>,
    /// How long audit rows and expired sessions are kept ([`retention`]).
    pub retention: RetentionSettings,
    /// The key that signs the CSRF tokens of anonymous forms (random per process; see
    /// `form_token.rs`).
    pub form_key: form_token::FormKey,
    /// Refused anonymous requests, counted by reason instead of audited ([`refusals`]).
    pub anonymous_refusals: Arc<refusals::AnonymousRefusals>,
    /// How often `nimo serve` logs the summary of [`AppState::anonymous_refusals`] (default 5 min).
    pub refusal_summary_every: Duration,
    /// The Prometheus metrics ([`metrics`]), recorded always.
    pub metrics: Arc<metrics::Metrics>,
    /// The bearer token of `GET /metrics`; `None` (the default): the route answers 404.
    pub metrics_token: Option<metrics::MetricsToken>,
    /// Becomes `true` when the server starts stopping ([`serve_until`]): the live pages' event
    /// streams end then, so that they do not hold the shutdown open.
    pub stopping: Arc<tokio::sync::watch::Sender<bool>>,
    /// Where escalation mails of overdue legal clocks go out ([`escalation`]); `None` sends none.
    pub smtp: Option<Arc<escalation::SmtpSettings>>,
}

/// The bed finder's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BedSettings {
    /// How long a hold lasts without an answer, in seconds (default 30 minutes).
    pub hold_ttl_seconds: i64,
    /// After how many seconds a posting of free beds is stale (default 6 hours): marked and
    /// ranked last.
    pub stale_after_seconds: i64,
    /// How often the background task expires due holds, in seconds.
    pub expiry_interval_seconds: u64,
}

impl Default for BedSettings {
    fn default() -> Self {
        Self { hold_ttl_seconds: 30 * 60, stale_after_seconds: 6 * 3600, expiry_interval_seconds: 5 }
    }
}

/// Starts the background task that marks due holds expired every few seconds, on the app's
/// clock. Holds are also expired lazily by every hold query, so this task only keeps the
/// hospital's inbox and the statistics current when nobody acts; after a restart it picks up
/// whatever fell due meanwhile, as the due times are in the database.
pub fn spawn_hold_expiry(state: &AppState) -> tokio::task::JoinHandle<()> {
    let db = state.db.clone();
    let clock = state.clock.clone();
    let events = state.bed_events.clone();
    let metrics = state.metrics.clone();
    let interval = Duration::from_secs(state.beds.expiry_interval_seconds.max(1));
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        loop {
            ticker.tick().await;
            let result = nimo_store::beds::expire_due_at(&db, clock.unix()).await;
            metrics.task_ran(metrics::Task::HoldExpiry, result.is_ok(), clock.unix());
            match result {
                Ok(0) => {}
                Ok(count) => {
                    tracing::info!(count, "holds expired");
                    let _ = events.send(String::new());
                }
                Err(error) => tracing::error!(%error, "expiring holds failed"),
            }
        }
    })
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
        Self(Arc::new(Shared {
            form_key: db.keyring().map_or_else(
                |_| form_token::FormKey::random(),
                |keys| form_token::FormKey::derived(&keys.sign(form_token::FORM_KEY_PURPOSE, b"")),
            ),
            db,
            fonts: Arc::new(fonts),
            allowed_hosts: None,
            trusted_proxies: Arc::from(Vec::new()),
            behind_https: false,
            renderers: Renderers::per_cpu(),
            beds: BedSettings::default(),
            clock: clock::Clock::default(),
            bed_events: tokio::sync::broadcast::channel(256).0,
            source_url: Arc::from(layout::DEFAULT_SOURCE_URL),
            retention: RetentionSettings::default(),
            anonymous_refusals: Arc::default(),
            refusal_summary_every: Duration::from_secs(300),
            metrics: Arc::default(),
            metrics_token: None,
            stopping: Arc::new(tokio::sync::watch::channel(false).0),
            smtp: None,
        }))
    }

    /// The fields to change while the state is being built (a copy if it is already shared).
    fn building(&mut self) -> &mut Shared {
        Arc::make_mut(&mut self.0)
    }

    /// Replaces the bed finder's settings.
    pub fn with_beds(mut self, beds: BedSettings) -> Self {
        self.building().beds = beds;
        self
    }

    /// Tells the live pages that a hospital's beds or holds changed (no receiver is fine).
    pub fn bed_changed(&self, hospital: &str) {
        let _ = self.bed_events.send(hospital.to_string());
    }

    /// Replaces the retention settings.
    pub fn with_retention(mut self, retention: RetentionSettings) -> Self {
        self.building().retention = retention;
        self
    }

    /// Replaces the bed finder's clock (tests share one to move time).
    pub fn with_clock(mut self, clock: clock::Clock) -> Self {
        self.building().clock = clock;
        self
    }

    /// Answers only to these hosts (`name` or `name:port`, compared without regard to case; an
    /// entry without a port allows every port). `None` answers to any host.
    pub fn with_allowed_hosts(mut self, hosts: Option<Vec<String>>) -> Self {
        self.building().allowed_hosts = hosts.map(Arc::from);
        self
    }

    /// Trusts these reverse proxies' `X-Forwarded-For` for the client's address.
    pub fn with_trusted_proxies(mut self, proxies: Vec<std::net::IpAddr>) -> Self {
        self.building().trusted_proxies = Arc::from(proxies);
        self
    }

    /// Marks the app as reached over HTTPS, which adds `Strict-Transport-Security`.
    pub fn with_behind_https(mut self, behind_https: bool) -> Self {
        self.building().behind_https = behind_https;
        self
    }

    /// Links every page's footer to this URL for the source of the running version (a modified
    /// nimo must offer its own source there).
    pub fn with_source_url(mut self, url: &str) -> Self {
        self.building().source_url = Arc::from(url);
        self
    }

    /// Logs the summary of refused anonymous requests this often instead of every 5 minutes.
    pub fn with_refusal_summary_every(mut self, period: Duration) -> Self {
        self.building().refusal_summary_every = period;
        self
    }

    /// Serves `GET /metrics` to scrapers that send this bearer token.
    pub fn with_metrics_token(mut self, token: Option<metrics::MetricsToken>) -> Self {
        self.building().metrics_token = token;
        self
    }

    /// Sends escalation mails of overdue legal clocks through this SMTP server.
    pub fn with_smtp(mut self, settings: escalation::SmtpSettings) -> Self {
        self.building().smtp = Some(Arc::new(settings));
        self
    }

    /// Replaces the key of the anonymous sign-in form's token (by default derived from the
    /// keyring, so that every server of one deployment accepts the others' forms).
    pub fn with_form_key(mut self, key: form_token::FormKey) -> Self {
        self.building().form_key = key;
        self
    }

    /// Replaces the limit on concurrent renderings.
    pub fn with_renderers(mut self, renderers: Renderers) -> Self {
        self.building().renderers = renderers;
        self
    }
}

/// The whole application router, as `nimo serve` runs it. From the outside in: the request id
/// (`request_id.rs`), tracing, every
/// error of an `/api/` route as problem details, the host check with the security headers, then
/// the Japanese pages for the framework's own rejections, the session and the request context,
/// every error page drawn again in the signed-in user's frame (`error::in_frame`), then the routes (each behind the policy, then the forgery checks of `csrf.rs`).
pub fn router(state: AppState) -> Router {
    layout::set_source_url(&state.source_url);
    let metrics = state.metrics.clone();
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
        .layer(axum::middleware::from_fn(error::in_frame))
        .layer(axum::middleware::from_fn_with_state(state.clone(), context::load))
        .layer(sessions)
        .layer(axum::middleware::from_fn(error::rejections_as_pages))
        .layer(axum::middleware::from_fn_with_state(state, security::headers_and_host))
        .layer(axum::middleware::from_fn(problem::api_errors))
        .layer(
            tower_http::trace::TraceLayer::new_for_http()
                .make_span_with(|request: &axum::http::Request<_>| {
                    // Only the request id, the method and the route's path: never query strings,
                    // which could carry input.
                    let id =
                        request.extensions().get::<request_id::RequestId>().map(|id| id.0.as_str()).unwrap_or_default();
                    tracing::info_span!("http", request_id = %id, method = %request.method(), path = %request.uri().path())
                })
                // One line per answer (status and latency) in the request's span: the access log.
                .on_response(tower_http::trace::DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(axum::middleware::from_fn_with_state(metrics, metrics::observe))
        .layer(axum::middleware::from_fn(request_id::assign))
}
