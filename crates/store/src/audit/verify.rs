//! Verifying the audit log: every checkpoint's signature, then the chain from the latest
//! checkpoint (or from the first row) to the head, in one snapshot.

use super::retention::{Checkpoint, read_checkpoints};
use super::{BATCH, GENESIS_HASH, ROW_COLUMNS, StoredRow};
use crate::{Backend, Db, StoreError};
use sqlx::Row;

/// Why the chain is broken at a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakReason {
    /// The row with this id is not there (deleted); the ids after it, if any, still are.
    Missing,
    /// The row's `prev_hash` is not the previous row's hash (a row before it was replaced, or
    /// this one was moved or inserted); for the first row after a checkpoint, not the
    /// checkpoint's hash.
    PrevHashMismatch,
    /// The row's fields do not give its hash (the row was edited).
    HashMismatch,
    /// The last row's hash is not the one the chain head recorded (the tail was rewritten).
    HeadMismatch,
    /// The checkpoint that covers the rows up to this id has a signature that does not match
    /// its contents (it was written or changed without the key).
    CheckpointSignature,
    /// The checkpoint that covers the rows up to this id covers no more than the one before it.
    CheckpointOrder,
}

impl std::fmt::Display for BreakReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            BreakReason::Missing => "row is missing",
            BreakReason::PrevHashMismatch => "prev_hash does not match the previous row's hash",
            BreakReason::HashMismatch => "hash does not match the row's contents",
            BreakReason::HeadMismatch => "the last row's hash does not match the chain head",
            BreakReason::CheckpointSignature => "the checkpoint's signature does not match its contents",
            BreakReason::CheckpointOrder => "the checkpoint does not cover more than the one before it",
        })
    }
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Rows checked and found sound (those after the latest checkpoint and before the first
    /// broken one).
    pub rows: u64,
    /// The hash of the last sound row ([`GENESIS_HASH`] for an empty log, the checkpoint's hash
    /// when no row follows it): write it down elsewhere now and then, and a later rewrite of the
    /// whole chain shows.
    pub last_hash: String,
    /// The latest checkpoint, where the check began (`None`: nothing was ever purged).
    pub checkpoint: Option<Checkpoint>,
    /// The first broken row's id and why, or `None` when the whole chain is sound. For a
    /// checkpoint's fault, the id is the last row it covers.
    pub first_broken: Option<(i64, BreakReason)>,
}

/// Checks every checkpoint's signature (with the keyring: [`StoreError::NoKeys`] without one,
/// when there are checkpoints) and the chain from the latest checkpoint to the head as it was
/// when the check began, reading rows in id order, [`BATCH`] at a time, so that memory stays
/// flat however long the log is. Everything is read in one snapshot (REPEATABLE READ on
/// PostgreSQL, a WAL snapshot on SQLite), so a purge or appends meanwhile are left for the next
/// check and never look like a deleted row.
pub async fn verify(db: &Db) -> Result<VerifyReport, StoreError> {
    let mut tx = db.pool.begin().await?;
    if db.backend == Backend::Postgres {
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
    }
    let head = sqlx::query("SELECT seq, last_hash FROM audit_head WHERE id = 1")
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::Corrupt("the audit log's head row is missing".into()))?;
    let seq: i64 = head.try_get("seq")?;
    let head_hash: String = head.try_get("last_hash")?;
    let checkpoints = read_checkpoints(&mut tx).await?;
    let latest = checkpoints.last().cloned();
    let mut report = VerifyReport {
        rows: 0,
        last_hash: latest.as_ref().map_or_else(|| GENESIS_HASH.to_string(), |c| c.last_hash.clone()),
        checkpoint: latest,
        first_broken: None,
    };
    if !checkpoints.is_empty() {
        let keyring = db.keyring()?;
        let mut covered = 0;
        for checkpoint in &checkpoints {
            if checkpoint.last_id <= covered {
                report.first_broken = Some((checkpoint.last_id, BreakReason::CheckpointOrder));
                return Ok(report);
            }
            if !checkpoint.is_signed_by(keyring) {
                report.first_broken = Some((checkpoint.last_id, BreakReason::CheckpointSignature));
                return Ok(report);
            }
            covered = checkpoint.last_id;
        }
    }
    let mut last_id = report.checkpoint.as_ref().map_or(0, |c| c.last_id);
    loop {
        let batch = sqlx::query_as::<_, StoredRow>(&format!(
            "SELECT {ROW_COLUMNS} FROM audit_log WHERE id > $1 AND id <= $2 ORDER BY id LIMIT $3"
        ))
        .bind(last_id)
        .bind(seq)
        .bind(BATCH)
        .fetch_all(&mut *tx)
        .await?;
        if batch.is_empty() {
            break;
        }
        for row in batch {
            let broken = if row.id != last_id + 1 {
                Some((last_id + 1, BreakReason::Missing))
            } else if row.prev_hash != report.last_hash {
                Some((row.id, BreakReason::PrevHashMismatch))
            } else if row.expected_hash() != row.hash {
                Some((row.id, BreakReason::HashMismatch))
            } else {
                None
            };
            if broken.is_some() {
                report.first_broken = broken;
                return Ok(report);
            }
            last_id = row.id;
            report.last_hash = row.hash;
            report.rows += 1;
        }
    }
    if last_id < seq {
        report.first_broken = Some((last_id + 1, BreakReason::Missing));
    } else if report.last_hash != head_hash {
        report.first_broken = Some((last_id, BreakReason::HeadMismatch));
    }
    tx.rollback().await?;
    Ok(report)
}
