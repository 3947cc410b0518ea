//! Health for the operator and the load balancer: `/healthz` (the process answers) and
//! `/readyz` (a query answers, every migration of this build is applied, the keys for personal
//! data are loaded). Neither needs a session or writes anything; `/readyz` names only its checks.

use crate::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// GET /healthz: the process is up.
pub async fn healthz() -> &'static str {
    "ok"
}

/// GET /readyz: 200 when every check passes, else 503; the body lists each check.
pub async fn readyz(State(state): State<AppState>) -> Response {
    let readiness = state.db.readiness().await;
    let status = if readiness.ready() { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let body = Ready {
        ready: readiness.ready(),
        checks: Checks { database: readiness.database, migrations: readiness.migrations, keys: readiness.keys },
    };
    (status, Json(body)).into_response()
}

/// The body of `/readyz`.
#[derive(serde::Serialize)]
struct Ready {
    ready: bool,
    checks: Checks,
}

/// Each check of `/readyz`, `true` when it passed.
#[derive(serde::Serialize)]
struct Checks {
    database: bool,
    migrations: bool,
    keys: bool,
}
