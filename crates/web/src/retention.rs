//! Retention: how long audit rows and expired sessions are kept, the background task of
//! `nimo serve` that purges them (sessions hourly, the audit log daily), and the summary the
//! audit log page shows. Log lines carry counts and ids only.

use crate::AppState;
use crate::metrics::Task;
use nimo_store::audit::{self, AuditEvent, Checkpoint};
use std::time::Duration;

/// How long things are kept, and how often the task looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionSettings {
    /// Days an audit row is kept before the purge removes it; 0 keeps every row for ever.
    pub audit_days: u32,
    /// Minutes an expired session's row is kept after it expired (0: removed at the next sweep).
    pub session_minutes: u32,
    /// How often the audit log is purged.
    pub audit_every: Duration,
    /// How often expired sessions are purged.
    pub sessions_every: Duration,
}

impl Default for RetentionSettings {
    fn default() -> Self {
        Self {
            audit_days: audit::DEFAULT_RETENTION_DAYS,
            session_minutes: 0,
            audit_every: Duration::from_secs(24 * 3600),
            sessions_every: Duration::from_secs(3600),
        }
    }
}

/// Removes the sessions that expired more than the retention ago, on the app's clock; logs the
/// count when there was any.
pub async fn purge_sessions(state: &AppState) -> Result<u64, nimo_store::StoreError> {
    let minutes = i64::from(state.retention.session_minutes);
    let count =
        nimo_store::sessions::purge_expired_at(&state.db, state.clock.now() - time::Duration::minutes(minutes)).await?;
    if count > 0 {
        tracing::info!(count, "expired sessions purged");
    }
    Ok(count)
}

/// Purges the audit rows older than the retention (nothing when it is 0), with a signed
/// checkpoint and an audit row of actor `system`; logs one summary line.
pub async fn purge_audit(state: &AppState) -> Result<Option<audit::PurgeReport>, nimo_store::StoreError> {
    let days = state.retention.audit_days;
    if days == 0 {
        return Ok(None);
    }
    let cutoff = audit::cutoff(state.clock.now(), days);
    let report = audit::purge_older_than(&state.db, cutoff, &AuditEvent::system("audit_purge")).await?;
    tracing::info!(
        rows = report.rows,
        through = report.through.unwrap_or(0),
        checkpoints = report.checkpoints,
        cutoff = %nimo_store::audit::timestamp(report.cutoff),
        retention_days = days,
        "audit log purge"
    );
    Ok(Some(report))
}

/// Starts the task that purges expired sessions every `sessions_every` and the audit log every
/// `audit_every`, both once at start. A failure is logged and tried again at the next turn.
pub fn spawn_retention(state: &AppState) -> tokio::task::JoinHandle<()> {
    let state = state.clone();
    tokio::spawn(async move {
        let mut sessions = tokio::time::interval(state.retention.sessions_every.max(Duration::from_secs(1)));
        let mut audit_log = tokio::time::interval(state.retention.audit_every.max(Duration::from_secs(1)));
        loop {
            tokio::select! {
                _ = sessions.tick() => {
                    let result = purge_sessions(&state).await;
                    state.metrics.task_ran(Task::SessionCleanup, result.is_ok(), state.clock.unix());
                    if let Err(error) = result {
                        tracing::error!(%error, "purging expired sessions failed");
                    }
                }
                _ = audit_log.tick() => {
                    let result = purge_audit(&state).await;
                    state.metrics.task_ran(Task::AuditPurge, result.is_ok(), state.clock.unix());
                    if let Err(error) = result {
                        tracing::error!(%error, "audit log purge failed");
                    }
                }
            }
        }
    })
}

/// What the audit log page says about retention, in Japanese.
pub(crate) struct RetentionSummary {
    /// 「1830 日（約5年）」 or 「無期限（削除しない）」.
    pub retention: String,
    /// The last purge, or `None` when nothing was ever purged.
    pub last: Option<String>,
}

/// The retention and the latest checkpoint, for the audit log page.
pub(crate) async fn summary(state: &AppState) -> Result<RetentionSummary, nimo_store::StoreError> {
    let days = state.retention.audit_days;
    let retention = if days == 0 {
        "無期限（削除しない）".to_string()
    } else {
        format!("{days} 日（約{}年）、毎日削除", (f64::from(days) / 365.25).round())
    };
    let last = audit::latest_checkpoint(&state.db).await?.map(|c| describe(&c));
    Ok(RetentionSummary { retention, last })
}

fn describe(checkpoint: &Checkpoint) -> String {
    format!(
        "{} に {} 行を削除（ID {} まで、{} より前の記録）",
        crate::display::jst_second(checkpoint.at),
        checkpoint.purged,
        checkpoint.last_id,
        crate::display::jst_second(checkpoint.purged_before)
    )
}
