//! The holds a municipality's staff placed that matter today (the start page): those still
//! waiting for the hospital's answer, and those answered, expired or withdrawn since a time.

use super::holds::{HOLD_COLUMNS, HOLD_FROM, Hold, hold_from};
use crate::{Db, StoreError};

/// The holds placed by staff of `municipality` that are waiting at `now` or were decided at or
/// after `since` (Unix seconds): waiting ones first (the soonest to expire first), then the
/// latest decided, at most `limit` in all. A hold carries a 受付番号, a ward and a hospital,
/// no personal data.
pub async fn holds_of_municipality_at(
    db: &Db,
    municipality: &str,
    now: i64,
    since: i64,
    limit: i64,
) -> Result<Vec<Hold>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {HOLD_COLUMNS} FROM {HOLD_FROM}
         WHERE b.placed_by IN (SELECT id FROM app_user WHERE scope_municipality = $1)
             AND ((b.state = 'held' AND b.expires_at > $2) OR COALESCE(b.decided_at, b.expires_at) >= $3)
         ORDER BY CASE WHEN b.state = 'held' AND b.expires_at > $2 THEN 0 ELSE 1 END,
             CASE WHEN b.state = 'held' AND b.expires_at > $2 THEN b.expires_at ELSE -COALESCE(b.decided_at, b.expires_at) END,
             b.id DESC
         LIMIT $4"
    ))
    .bind(municipality)
    .bind(now)
    .bind(since)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(hold_from).collect()
}
