//! Running the app: serving a bound listener with the background tasks (hold expiry, retention,
//! the refusal summary, escalation mails, other servers' bed changes) until SIGTERM or Ctrl-C,
//! then stopping gracefully.

use crate::{AppState, escalation, refusals, router, spawn_hold_expiry, spawn_retention};
use std::time::Duration;

/// How long a stopping server waits for the requests in flight before it stops anyway (systemd
/// sends SIGKILL after its `TimeoutStopSec`, 90 s by default).
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// Serves the app on a bound listener until SIGTERM or Ctrl-C, with the hold-expiry and
/// retention tasks ([`serve_until`]).
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    serve_until(listener, state, shutdown_signal()).await
}

/// Serves the app until `stop` completes, then stops gracefully: no new connection is accepted
/// (the listener is closed), the live pages' event streams end, requests in flight finish (for
/// at most [`SHUTDOWN_GRACE`]), the background tasks stop and the pool is closed.
pub async fn serve_until(
    listener: tokio::net::TcpListener,
    state: AppState,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let tasks = [
        spawn_hold_expiry(&state),
        spawn_retention(&state),
        refusals::spawn_summary(&state),
        escalation::spawn_escalation(&state),
        crate::beds::live::spawn_listener(&state),
    ]
    .map(AbortOnDrop);
    let db = state.db.clone();
    let stopping = state.stopping.clone();
    let mut stopped = state.stopping.subscribe();
    let signal = async move {
        stop.await;
        tracing::info!("stopping: no new connections, waiting for the requests in flight");
        stopping.send_replace(true);
    };
    use std::future::IntoFuture as _;
    let server = axum::serve(listener, router(state).into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(signal)
        .into_future();
    let grace = async move {
        let _ = stopped.wait_for(|stopping| *stopping).await;
        tokio::time::sleep(SHUTDOWN_GRACE).await;
    };
    let result = tokio::select! {
        result = server => result,
        () = grace => {
            tracing::warn!(seconds = SHUTDOWN_GRACE.as_secs(), "requests still in flight after the grace period: stopping anyway");
            Ok(())
        }
    };
    drop(tasks);
    // Closing the pool lets SQLite checkpoint its WAL; a connection a request still holds after
    // the grace period is not waited for long.
    let _ = tokio::time::timeout(Duration::from_secs(5), db.pool.close()).await;
    tracing::info!("stopped");
    result
}

/// Stops a background task when the server stops.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
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
