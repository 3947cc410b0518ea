//! A row of the audit log as read: [`AuditRow`] with its time typed, and [`StoredRow`], the
//! columns exactly as stored, which verification hashes.

use super::{chain_hash, timestamp};
use crate::StoreError;
use time::OffsetDateTime;

/// A row as read: its time typed, the rest as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    /// The chain position, from 1.
    pub id: i64,
    /// When (stored as RFC 3339 UTC with microseconds: `2026-05-01T09:30:00.123456Z`, see
    /// [`timestamp`]).
    pub at: OffsetDateTime,
    /// Who.
    pub actor: String,
    /// From where.
    pub origin: String,
    /// What.
    pub action: String,
    /// The kind of record, if any.
    pub record_type: Option<String>,
    /// The record's id, if any.
    pub record_id: Option<String>,
    /// `ok`, `denied` or `failed`.
    pub outcome: String,
    /// A short code, if any.
    pub detail: Option<String>,
    /// The previous row's hash.
    pub prev_hash: String,
    /// This row's hash.
    pub hash: String,
}

/// The columns of a row, in the order of [`StoredRow`] and of the CSV export.
pub(crate) const ROW_COLUMNS: &str =
    "id, at, actor, origin, action, record_type, record_id, outcome, detail, prev_hash, hash";

/// A row exactly as stored, read by column name. Verification hashes this text as written, so a
/// changed time is a broken row, not an unreadable log.
#[derive(sqlx::FromRow)]
pub(crate) struct StoredRow {
    pub(crate) id: i64,
    at: String,
    actor: String,
    origin: String,
    action: String,
    record_type: Option<String>,
    record_id: Option<String>,
    outcome: String,
    detail: Option<String>,
    pub(crate) prev_hash: String,
    pub(crate) hash: String,
}

impl StoredRow {
    /// The hash this row's fields and `prev_hash` call for.
    pub(crate) fn expected_hash(&self) -> String {
        chain_hash(
            &self.prev_hash,
            self.id,
            &self.at,
            [
                Some(&self.actor),
                Some(&self.origin),
                Some(&self.action),
                self.record_type.as_ref(),
                self.record_id.as_ref(),
                Some(&self.outcome),
                self.detail.as_ref(),
            ],
        )
    }
}

impl TryFrom<StoredRow> for AuditRow {
    type Error = StoreError;

    fn try_from(row: StoredRow) -> Result<Self, StoreError> {
        Ok(AuditRow {
            id: row.id,
            at: crate::columns::instant("audit_log.at", &row.at)?,
            actor: row.actor,
            origin: row.origin,
            action: row.action,
            record_type: row.record_type,
            record_id: row.record_id,
            outcome: row.outcome,
            detail: row.detail,
            prev_hash: row.prev_hash,
            hash: row.hash,
        })
    }
}

impl AuditRow {
    /// The hash this row's fields and `prev_hash` call for (its time as [`timestamp`] writes it).
    pub fn expected_hash(&self) -> String {
        chain_hash(
            &self.prev_hash,
            self.id,
            &timestamp(self.at),
            [
                Some(&self.actor),
                Some(&self.origin),
                Some(&self.action),
                self.record_type.as_ref(),
                self.record_id.as_ref(),
                Some(&self.outcome),
                self.detail.as_ref(),
            ],
        )
    }
}
