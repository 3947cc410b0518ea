//! Prometheus metrics at `GET /metrics` (OpenMetrics text, `prometheus-client`), for the operator's
//! monitoring. The route answers only when a metrics token is configured (else the app's 404) and
//! only to `Authorization: Bearer <token>` (else 401), compared in constant time; it needs no
//! session and is audited nowhere (`context.rs` lets it through like `/readyz`).
//!
//! What it holds: every answer's duration by the matched route template (never the raw path,
//! which can hold ids), method and status class; read at scrape time, the database pool, the bed
//! holds by state and the legal clocks due soon or overdue across every municipality (counts
//! only); and the background tasks' runs, failures and last success. No label carries personal
//! data or a record id.

use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use nimo_domain::clocks::ClockState;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Instant;
use subtle::ConstantTimeEq;

/// The bearer token a scraper must send. Its `Debug` hides it.
#[derive(Clone)]
pub struct MetricsToken(Arc<[u8; 32]>);

impl MetricsToken {
    /// The shortest token accepted, in characters.
    pub const MIN_LENGTH: usize = 16;

    /// A token from its text (surrounding white space, as a file's final newline, is ignored);
    /// `None` when it is shorter than [`MetricsToken::MIN_LENGTH`]. Only its SHA-256 is kept.
    pub fn new(text: &str) -> Option<Self> {
        let text = text.trim();
        (text.chars().count() >= Self::MIN_LENGTH).then(|| Self(Arc::new(Sha256::digest(text.as_bytes()).into())))
    }

    /// Whether `given` is the token, in constant time (both hashed first, so that neither the
    /// length nor a common prefix shows in the time taken).
    fn accepts(&self, given: &str) -> bool {
        let digest: [u8; 32] = Sha256::digest(given.as_bytes()).into();
        bool::from(digest.ct_eq(&self.0[..]))
    }
}

impl std::fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsToken(…)")
    }
}

/// The labels of a request's duration.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    /// The matched route template (`/municipalities/{code}/cases/{case_id}`), or `unmatched`.
    route: String,
    method: String,
    /// `2xx`, `4xx` …
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabel {
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TaskLabel {
    task: String,
}

/// A background task whose runs are counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Task {
    /// The daily audit log purge (`retention.rs`).
    AuditPurge,
    /// The hourly sweep of expired sessions.
    SessionCleanup,
    /// The expiry of due bed holds every few seconds.
    HoldExpiry,
}

impl Task {
    fn code(self) -> &'static str {
        match self {
            Task::AuditPurge => "audit_purge",
            Task::SessionCleanup => "session_cleanup",
            Task::HoldExpiry => "hold_expiry",
        }
    }
}

type Histograms = Family<RequestLabels, Histogram, fn() -> Histogram>;

/// The app's metrics and the registry they are encoded from.
pub struct Metrics {
    registry: Registry,
    requests: Histograms,
    pool_size: Gauge,
    pool_idle: Gauge,
    holds: Family<StateLabel, Gauge>,
    clocks: Family<StateLabel, Gauge>,
    task_runs: Family<TaskLabel, Counter>,
    task_failures: Family<TaskLabel, Counter>,
    task_last_success: Family<TaskLabel, Gauge>,
}

fn request_histogram() -> Histogram {
    // Prometheus's default buckets, in seconds.
    Histogram::new([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0])
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("nimo");
        let requests: Histograms = Family::new_with_constructor(request_histogram);
        registry.register_with_unit(
            "http_request_duration",
            "Time to answer a request (until the response headers), by route template, method and status class",
            prometheus_client::registry::Unit::Seconds,
            requests.clone(),
        );
        let pool_size = Gauge::default();
        registry.register("db_pool_connections", "Open database connections of the pool", pool_size.clone());
        let pool_idle = Gauge::default();
        registry.register("db_pool_idle_connections", "Idle database connections of the pool", pool_idle.clone());
        let holds = Family::<StateLabel, Gauge>::default();
        registry.register("bed_holds", "Bed holds by state (held: waiting for the hospital)", holds.clone());
        let clocks = Family::<StateLabel, Gauge>::default();
        registry.register(
            "legal_clocks",
            "Running legal clocks of every municipality by state (running, due_soon, overdue, no_deadline)",
            clocks.clone(),
        );
        let task_runs = Family::<TaskLabel, Counter>::default();
        registry.register("background_task_runs", "Runs of a background task", task_runs.clone());
        let task_failures = Family::<TaskLabel, Counter>::default();
        registry.register("background_task_failures", "Failed runs of a background task", task_failures.clone());
        let task_last_success = Family::<TaskLabel, Gauge>::default();
        registry.register(
            "background_task_last_success_timestamp_seconds",
            "Unix time of a background task's last successful run",
            task_last_success.clone(),
        );
        Self { registry, requests, pool_size, pool_idle, holds, clocks, task_runs, task_failures, task_last_success }
    }
}

impl Metrics {
    /// Counts a run of a background task, successful or not, at the Unix time `now`.
    pub fn task_ran(&self, task: Task, succeeded: bool, now: i64) {
        let label = TaskLabel { task: task.code().into() };
        self.task_runs.get_or_create(&label).inc();
        // The failures' series exists from the first run, at 0, so that a rate over it works.
        let failures = self.task_failures.get_or_create(&label);
        if succeeded {
            self.task_last_success.get_or_create(&label).set(now);
        } else {
            failures.inc();
        }
    }
}

/// The layer that times every answer by its matched route (outside the session and the policy,
/// so refusals count too).
pub async fn observe(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str).to_string();
    let method = request.method().as_str().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = format!("{}xx", response.status().as_u16() / 100);
    metrics.requests.get_or_create(&RequestLabels { route, method, status }).observe(started.elapsed().as_secs_f64());
    response
}

/// GET /metrics: 404 without a configured token, 401 without the right bearer token, else the
/// metrics in OpenMetrics text.
pub async fn scrape(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, crate::WebError> {
    let Some(token) = &state.metrics_token else {
        return Err(crate::error::not_found().await);
    };
    let given =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    if !given.is_some_and(|given| token.accepts(given.trim())) {
        // The app's own 401 page, with the challenge a scraper's log shows.
        let mut refused = crate::WebError::Unauthorized.into_response();
        refused.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        return Ok(refused);
    }
    read_now(&state).await?;
    let mut body = String::new();
    prometheus_client::encoding::text::encode(&mut body, &state.metrics.registry)
        .map_err(|e| crate::WebError::Internal(format!("encoding the metrics: {e}")))?;
    Ok(([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], body).into_response())
}

/// Sets the gauges read at scrape time: the pool, the holds and the clocks.
async fn read_now(state: &AppState) -> Result<(), crate::WebError> {
    let metrics = &state.metrics;
    metrics.pool_size.set(i64::from(state.db.pool.size()));
    metrics.pool_idle.set(i64::try_from(state.db.pool.num_idle()).unwrap_or(i64::MAX));
    for (hold_state, count) in nimo_store::beds::hold_counts_at(&state.db, state.clock.unix()).await? {
        metrics.holds.get_or_create(&StateLabel { state: hold_state.code().into() }).set(count);
    }
    let now = state.clock.now();
    let mut clocks: Vec<_> =
        nimo_store::admissions::open_everywhere(&state.db, now).await?.iter().flat_map(|a| a.clocks()).collect();
    clocks.extend(nimo_store::consents::running_clocks_everywhere(&state.db, now).await?);
    let states = [
        (ClockState::Running, "running"),
        (ClockState::DueSoon, "due_soon"),
        (ClockState::Overdue, "overdue"),
        (ClockState::NoDeadline, "no_deadline"),
    ];
    for (clock_state, code) in states {
        let count = clocks.iter().filter(|c| c.state_at(now) == clock_state).count();
        metrics.clocks.get_or_create(&StateLabel { state: code.into() }).set(i64::try_from(count).unwrap_or(i64::MAX));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::MetricsToken;

    #[test]
    fn a_token_is_compared_whole_and_short_ones_are_refused() {
        assert!(MetricsToken::new("short").is_none());
        let token = MetricsToken::new("0123456789abcdef-token\n").unwrap();
        assert!(token.accepts("0123456789abcdef-token"));
        assert!(!token.accepts("0123456789abcdef-toke"));
        assert!(!token.accepts(""));
        assert!(!format!("{token:?}").contains("0123"));
    }
}
