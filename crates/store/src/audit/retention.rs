//! Retention of the audit log: purging the rows older than a cut-off, as a prefix of the chain,
//! behind a signed checkpoint that keeps what is left verifiable.
//!
//! A purge runs in batches of at most [`PURGE_BATCH`] rows, each one transaction that (1) takes
//! the chain head's lock, (2) writes a [`Checkpoint`]: the last purged row's id and hash (the
//! `prev_hash` of the first row left), the number of rows, the cut-off and the time, signed with
//! HMAC-SHA256 under the keyring ([`nimo_vault::Keyring::sign`], purpose
//! [`CHECKPOINT_PURPOSE`]), (3) deletes the rows it covers — the database's triggers refuse any
//! DELETE of a row no checkpoint covers, and on PostgreSQL the application role can delete only
//! through the owner's function `audit_log_purge_checkpointed()` — and (4) appends its own audit
//! row (`record_type` `audit_checkpoint`, detail `rows:N/through:ID/before:TIME`).
//!
//! The signature is what a database-only attacker cannot make: the key lives in the key file,
//! never in the database. Whoever holds the key file as well could forge a checkpoint.

use super::{AuditEvent, append_in, timestamp};
use crate::{Backend, Db, StoreError};
use nimo_vault::Keyring;
use sha2::{Digest, Sha256};
use sqlx::{Any, Row, Transaction};
use time::OffsetDateTime;

/// The default retention of audit rows, in days: 1830, never less than five calendar years.
/// 医療情報システムの安全管理に関するガイドライン 第6.0版 asks that access logs be kept, reviewed
/// regularly and protected from deletion, but names no period that could be verified (要確認);
/// five years follows the 5-year keeping of 診療録 (医師法 第24条), the records the log traces
/// (see docs/retention.md).
pub const DEFAULT_RETENTION_DAYS: u32 = 1830;

/// The shortest retention a purge accepts, in days: a year of logs to review.
pub const MIN_RETENTION_DAYS: u32 = 365;

/// The purpose the checkpoints' signatures are made for.
pub const CHECKPOINT_PURPOSE: &str = "nimo-audit-checkpoint-v1";

/// The most rows one purge transaction removes; a longer prefix takes several checkpoints.
pub const PURGE_BATCH: i64 = 50_000;

/// A signed statement that the chain's rows up to `last_id` were purged (read by column name
/// into [`CheckpointRow`], its instants converted once in `columns.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// 1, 2, 3, … in the order written.
    pub id: i64,
    /// The last purged row's id: the chain continues at `last_id + 1`.
    pub last_id: i64,
    /// The last purged row's hash: the `prev_hash` of row `last_id + 1`.
    pub last_hash: String,
    /// How many rows this purge removed.
    pub purged: i64,
    /// The cut-off (stored as rows store `at`, to the microsecond): the purged rows were older.
    pub purged_before: OffsetDateTime,
    /// When the checkpoint was written (UTC, to the microsecond).
    pub at: OffsetDateTime,
    /// Hex HMAC-SHA256 over the fields above.
    pub signature: String,
}

/// A checkpoint as stored: its instants are RFC 3339 text.
#[derive(sqlx::FromRow)]
struct CheckpointRow {
    id: i64,
    last_id: i64,
    last_hash: String,
    purged: i64,
    purged_before: String,
    at: String,
    signature: String,
}

impl TryFrom<CheckpointRow> for Checkpoint {
    type Error = StoreError;

    fn try_from(row: CheckpointRow) -> Result<Self, StoreError> {
        Ok(Checkpoint {
            id: row.id,
            last_id: row.last_id,
            last_hash: row.last_hash,
            purged: row.purged,
            purged_before: crate::columns::instant("audit_checkpoint.purged_before", &row.purged_before)?,
            at: crate::columns::instant("audit_checkpoint.at", &row.at)?,
            signature: row.signature,
        })
    }
}

/// An instant as the audit tables keep it: UTC, to the microsecond (what [`timestamp`] writes),
/// so that a value and the same value read back are equal and sign the same bytes.
fn stored(at: OffsetDateTime) -> OffsetDateTime {
    let at = at.to_offset(time::UtcOffset::UTC);
    at.replace_microsecond(at.microsecond()).unwrap_or(at)
}

impl Checkpoint {
    /// What is signed: the SHA-256 of the fields, each as its decimal or text with its length, so
    /// that no two checkpoints sign the same bytes.
    fn message(&self) -> Vec<u8> {
        let mut hasher = Sha256::new();
        let fields = [
            self.id.to_string(),
            self.last_id.to_string(),
            self.last_hash.clone(),
            self.purged.to_string(),
            timestamp(self.purged_before),
            timestamp(self.at),
        ];
        for field in &fields {
            hasher.update((field.len() as u64).to_be_bytes());
            hasher.update(field.as_bytes());
        }
        hasher.finalize().to_vec()
    }

    /// Whether the signature matches the fields under this keyring.
    pub fn is_signed_by(&self, keyring: &Keyring) -> bool {
        keyring.verify_signature(CHECKPOINT_PURPOSE, &self.message(), &self.signature)
    }
}

const CHECKPOINT_COLUMNS: &str = "id, last_id, last_hash, purged, purged_before, at, signature";

/// Every checkpoint, oldest first (one per purge batch: few rows).
pub(crate) async fn read_checkpoints(tx: &mut Transaction<'static, Any>) -> Result<Vec<Checkpoint>, StoreError> {
    let rows: Vec<CheckpointRow> =
        sqlx::query_as(&format!("SELECT {CHECKPOINT_COLUMNS} FROM audit_checkpoint ORDER BY id"))
            .fetch_all(&mut **tx)
            .await?;
    rows.into_iter().map(Checkpoint::try_from).collect()
}

/// Every checkpoint, oldest first.
pub async fn checkpoints(db: &Db) -> Result<Vec<Checkpoint>, StoreError> {
    let mut tx = db.pool.begin().await?;
    let list = read_checkpoints(&mut tx).await?;
    tx.rollback().await?;
    Ok(list)
}

/// The latest checkpoint, if anything was ever purged.
pub async fn latest_checkpoint(db: &Db) -> Result<Option<Checkpoint>, StoreError> {
    let row: Option<CheckpointRow> =
        sqlx::query_as(&format!("SELECT {CHECKPOINT_COLUMNS} FROM audit_checkpoint ORDER BY id DESC LIMIT 1"))
            .fetch_optional(&db.pool)
            .await?;
    row.map(Checkpoint::try_from).transpose()
}

/// The cut-off of a retention of `days` days at `now`: rows older than it may be purged.
pub fn cutoff(now: OffsetDateTime, days: u32) -> OffsetDateTime {
    now - time::Duration::days(i64::from(days))
}

/// What a purge removed, or (from [`purgeable`]) would remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurgeReport {
    /// The cut-off (UTC, to the microsecond, as rows store `at`).
    pub cutoff: OffsetDateTime,
    /// Rows purged (or purgeable).
    pub rows: u64,
    /// The last purged (or purgeable) row's id, if any.
    pub through: Option<i64>,
    /// Checkpoints written (0 for a dry run).
    pub checkpoints: u64,
}

/// The last row that may be purged at this cut-off: the one before the first row that is not
/// older, or the last row when all are. A row out of time order (the clock went back) ends the
/// prefix early, so nothing younger than the cut-off is ever removed.
async fn purgeable_through(tx: &mut Transaction<'static, Any>, cutoff: &str) -> Result<(i64, i64), StoreError> {
    let row = sqlx::query(
        "SELECT (SELECT COALESCE(MAX(last_id), 0) FROM audit_checkpoint) AS covered,
                (SELECT MIN(id) FROM audit_log WHERE at >= $1) AS first_young,
                (SELECT COALESCE(MAX(id), 0) FROM audit_log) AS last_row",
    )
    .bind(cutoff)
    .fetch_one(&mut **tx)
    .await?;
    let covered: i64 = row.try_get("covered")?;
    let first_young: Option<i64> = row.try_get("first_young")?;
    let last: i64 = row.try_get("last_row")?;
    Ok((covered, first_young.map_or(last, |id| id - 1)))
}

/// How many rows [`purge_older_than`] would remove at this cut-off; writes nothing.
pub async fn purgeable(db: &Db, cutoff: OffsetDateTime) -> Result<PurgeReport, StoreError> {
    let cutoff = stored(cutoff);
    let mut tx = db.pool.begin().await?;
    let (covered, through) = purgeable_through(&mut tx, &timestamp(cutoff)).await?;
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE id > $1 AND id <= $2")
        .bind(covered)
        .bind(through)
        .fetch_one(&mut *tx)
        .await?;
    tx.rollback().await?;
    let through = (through > covered && rows > 0).then_some(through);
    Ok(PurgeReport { cutoff, rows: rows as u64, through, checkpoints: 0 })
}

/// Purges the rows older than `cutoff` (a prefix of the chain), [`PURGE_BATCH`] at a time, each
/// batch with its checkpoint and its audit row (the caller's `event`, to which the store adds
/// the checkpoint and the counts) in one transaction. Needs the keyring.
pub async fn purge_older_than(db: &Db, cutoff: OffsetDateTime, event: &AuditEvent) -> Result<PurgeReport, StoreError> {
    purge_in_batches(db, cutoff, PURGE_BATCH, event).await
}

/// [`purge_older_than`] with the batch size given (tests use small ones).
pub async fn purge_in_batches(
    db: &Db,
    cutoff: OffsetDateTime,
    batch: i64,
    event: &AuditEvent,
) -> Result<PurgeReport, StoreError> {
    let keyring = db.keyring()?;
    let cutoff = stored(cutoff);
    // Only the rows there now: the purge's own rows must not feed the next batch (with a cut-off
    // in the future, each would be past retention in turn).
    let head: i64 = sqlx::query_scalar("SELECT seq FROM audit_head WHERE id = 1").fetch_one(&db.pool).await?;
    let mut report = PurgeReport { cutoff, rows: 0, through: None, checkpoints: 0 };
    while let Some((through, rows)) = purge_batch(db, keyring, cutoff, head, batch.max(1), event).await? {
        report.rows += rows as u64;
        report.through = Some(through);
        report.checkpoints += 1;
    }
    Ok(report)
}

/// One batch of the rows up to `head`: `Some((through, rows))`, or `None` when nothing is left.
async fn purge_batch(
    db: &Db,
    keyring: &Keyring,
    cutoff: OffsetDateTime,
    head: i64,
    batch: i64,
    event: &AuditEvent,
) -> Result<Option<(i64, i64)>, StoreError> {
    let mut tx = crate::beds::begin_write(db).await?;
    // The head's lock first (a no-op update), so that appends and other purges wait for this one.
    sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1").execute(&mut *tx).await?;
    let (covered, through) = purgeable_through(&mut tx, &timestamp(cutoff)).await?;
    let through = through.min(covered + batch).min(head);
    if through <= covered {
        tx.rollback().await?;
        return Ok(None);
    }
    let row = sqlx::query(
        "SELECT hash, (SELECT COUNT(*) FROM audit_log WHERE id <= $1) AS covered_rows FROM audit_log WHERE id = $1",
    )
    .bind(through)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| StoreError::Corrupt(format!("audit_log row {through} is missing")))?;
    let last_hash: String = row.try_get("hash")?;
    let rows: i64 = row.try_get("covered_rows")?;
    let id: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM audit_checkpoint").fetch_one(&mut *tx).await?;
    let mut checkpoint = Checkpoint {
        id,
        last_id: through,
        last_hash,
        purged: rows,
        purged_before: cutoff,
        at: stored(OffsetDateTime::now_utc()),
        signature: String::new(),
    };
    checkpoint.signature = keyring.sign(CHECKPOINT_PURPOSE, &checkpoint.message());
    sqlx::query(&format!("INSERT INTO audit_checkpoint ({CHECKPOINT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"))
        .bind(checkpoint.id)
        .bind(checkpoint.last_id)
        .bind(&checkpoint.last_hash)
        .bind(checkpoint.purged)
        .bind(timestamp(checkpoint.purged_before))
        .bind(timestamp(checkpoint.at))
        .bind(&checkpoint.signature)
        .execute(&mut *tx)
        .await?;
    let deleted = delete_checkpointed(&mut tx, db.backend, through).await?;
    if deleted != rows {
        return Err(StoreError::Corrupt(format!("audit purge deleted {deleted} rows, expected {rows}")));
    }
    let detail = format!("rows:{rows}/through:{through}/before:{}", timestamp(cutoff));
    let event = event.clone().with_record("audit_checkpoint", id.to_string()).with_detail(detail);
    append_in(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(Some((through, rows)))
}

/// Deletes the rows the checkpoint just written covers, and says how many. SQLite deletes them
/// itself (its trigger lets only those through); PostgreSQL's application role has no DELETE
/// right on the log and goes through the owner's function.
async fn delete_checkpointed(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    through: i64,
) -> Result<i64, StoreError> {
    Ok(match backend {
        Backend::Sqlite => {
            sqlx::query("DELETE FROM audit_log WHERE id <= $1").bind(through).execute(&mut **tx).await?.rows_affected()
                as i64
        }
        Backend::Postgres => {
            sqlx::query("SELECT audit_log_purge_checkpointed()").fetch_one(&mut **tx).await?.try_get::<i64, _>(0)?
        }
    })
}
