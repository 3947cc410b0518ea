//! The audit log: append-only, hash-chained rows saying who did what, when, from where, to which
//! record and with what outcome — never the personal data itself.
//!
//! Each row carries the hash of the row before it (`prev_hash`; 64 zeros for the first) and its
//! own `hash`: hex SHA-256 over the tag `nimo-audit-v1` followed by, in this order, prev_hash,
//! id (decimal), at, actor, origin, action, record_type, record_id, outcome and detail, each
//! encoded as one byte 0 for NULL, or one byte 1, the UTF-8 length as a big-endian u64 and the
//! UTF-8 bytes. The encoding is unambiguous, so no two different rows hash the same input.
//!
//! Row ids are the chain positions 1, 2, 3, …: an append takes the next one from the one-row
//! table `audit_head`, whose first statement (`UPDATE … RETURNING`) takes the row lock on
//! PostgreSQL and the write lock on SQLite, so appends are serialized on both backends without a
//! read-then-write upgrade. The database's triggers refuse UPDATE, DELETE (and on PostgreSQL
//! TRUNCATE) of `audit_log`; [`verify`] finds what was changed behind their back.
//!
//! Retention ([`purge_older_than`]) removes a prefix of the chain: in one transaction it writes a
//! signed [`Checkpoint`] naming the last purged row and its hash, deletes the rows it covers (the
//! only DELETE the triggers let through) and appends its own row. [`verify`] then starts from the
//! latest checkpoint.

use crate::{Db, StoreError};
use sha2::{Digest, Sha256};
use sqlx::{Any, Row, Transaction};
use time::OffsetDateTime;

mod retention;
mod row;
mod search;
mod verify;

pub use retention::{
    CHECKPOINT_PURPOSE, Checkpoint, DEFAULT_RETENTION_DAYS, MIN_RETENTION_DAYS, PURGE_BATCH, PurgeReport, checkpoints,
    cutoff, latest_checkpoint, purge_in_batches, purge_older_than, purgeable,
};
pub use row::AuditRow;
pub(crate) use row::{ROW_COLUMNS, StoredRow};
pub use search::{
    AuditFilter, CSV_COLUMNS, LABELLED_CSV_COLUMNS, csv_header, csv_rows, search, to_csv, to_csv_labelled,
};
pub use verify::{BreakReason, VerifyReport, verify};

/// The `prev_hash` of the first row.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The actor of a request without a logged-in user.
pub const ACTOR_ANONYMOUS: &str = "anonymous";
/// The actor (and origin) of a `nimo` command run on the server.
pub const ACTOR_CLI: &str = "cli";
/// The actor (and origin) of nimo's own background work.
pub const ACTOR_SYSTEM: &str = "system";

/// The actor of a logged-in user: `user:ID`.
pub fn user_actor(user_id: i64) -> String {
    format!("user:{user_id}")
}

/// Rows fetched per query by [`verify`] and by callers paging through the log.
pub const BATCH: i64 = 1000;

/// The most rows one [`search`] returns, whatever its limit.
pub const MAX_LIMIT: i64 = 10_000;

/// How an audited action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It was done.
    Ok,
    /// The policy refused it.
    Denied,
    /// It was attempted and failed (a wrong password, a bad file).
    Failed,
}

impl Outcome {
    /// The stored word: `ok`, `denied` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Denied => "denied",
            Outcome::Failed => "failed",
        }
    }
}

/// One event to append. Every field is a short code (ASCII letters, digits and `_ . : / -`, at
/// most 128 characters), which keeps names, e-mail addresses and free text out of the log;
/// [`append`] refuses anything else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// Who: `user:12`, `anonymous`, `cli`, `system`.
    pub actor: String,
    /// From where: the client's IP address, or `cli` / `system`.
    pub origin: String,
    /// What: `login`, `login_failed`, `logout`, `denied`, `read`, `write`, `export`, `import`,
    /// `user_admin`, …
    pub action: String,
    /// The kind of record touched (`sheet`, `case`, `user`), if any.
    pub record_type: Option<String>,
    /// The record's id (`131105/2022`, `42`), if any.
    pub record_id: Option<String>,
    /// How it ended.
    pub outcome: Outcome,
    /// A short code saying more (`wrong_totp`, `locked`), never personal data.
    pub detail: Option<String>,
}

impl AuditEvent {
    /// An event without a record or detail.
    pub fn new(
        actor: impl Into<String>,
        origin: impl Into<String>,
        action: impl Into<String>,
        outcome: Outcome,
    ) -> Self {
        Self {
            actor: actor.into(),
            origin: origin.into(),
            action: action.into(),
            record_type: None,
            record_id: None,
            outcome,
            detail: None,
        }
    }

    /// A successful action of a `nimo` command (actor and origin `cli`).
    pub fn cli(action: impl Into<String>) -> Self {
        Self::new(ACTOR_CLI, ACTOR_CLI, action, Outcome::Ok)
    }

    /// A successful action of nimo's own background work (actor and origin `system`).
    pub fn system(action: impl Into<String>) -> Self {
        Self::new(ACTOR_SYSTEM, ACTOR_SYSTEM, action, Outcome::Ok)
    }

    /// The same event about a record.
    pub fn with_record(mut self, record_type: impl Into<String>, record_id: impl Into<String>) -> Self {
        self.record_type = Some(record_type.into());
        self.record_id = Some(record_id.into());
        self
    }

    /// The same event with a detail code.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Every field a short code, or [`StoreError::Invalid`] naming the first that is not.
    fn check(&self) -> Result<(), StoreError> {
        let fields = [
            ("actor", Some(&self.actor)),
            ("origin", Some(&self.origin)),
            ("action", Some(&self.action)),
            ("record_type", self.record_type.as_ref()),
            ("record_id", self.record_id.as_ref()),
            ("detail", self.detail.as_ref()),
        ];
        for (name, value) in fields {
            if let Some(value) = value
                && !is_code(value)
            {
                return Err(StoreError::NotAShortCode(name));
            }
        }
        Ok(())
    }
}

/// ASCII letters, digits and `_ . : / -`, 1 to 128 characters: enough for ids, IP addresses
/// and codes, too little for a name, an address or a sentence.
fn is_code(text: &str) -> bool {
    (1..=128).contains(&text.len())
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b':' | b'/' | b'-'))
}

/// The hash of a row; see the module documentation for the encoding.
pub(crate) fn chain_hash(prev_hash: &str, id: i64, at: &str, rest: [Option<&String>; 7]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"nimo-audit-v1");
    let id = id.to_string();
    let head = [Some(prev_hash), Some(id.as_str()), Some(at)];
    for field in head.into_iter().chain(rest.into_iter().map(|f| f.map(String::as_str))) {
        match field {
            None => hasher.update([0u8]),
            Some(text) => {
                hasher.update([1u8]);
                hasher.update((text.len() as u64).to_be_bytes());
                hasher.update(text.as_bytes());
            }
        }
    }
    hasher.finalize().iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A time as the log stores it: UTC, microseconds, `Z`.
pub fn timestamp(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.microsecond()
    )
}

/// Appends an event in its own transaction and returns its id.
pub async fn append(db: &Db, event: &AuditEvent) -> Result<i64, StoreError> {
    event.check()?;
    let mut tx = db.pool.begin().await?;
    let id = append_in(&mut tx, event).await?;
    tx.commit().await?;
    Ok(id)
}

/// Appends an event inside the caller's transaction, so that a change and its audit row commit
/// or roll back together. The chain head stays locked until that transaction ends, so keep it
/// short. On SQLite the transaction must not have read before this unless it has already
/// written: a read followed by the first write can fail with "database is locked".
pub async fn append_in(tx: &mut Transaction<'static, Any>, event: &AuditEvent) -> Result<i64, StoreError> {
    append_dated_in(tx, event, None).await
}

/// [`append_in`] with the row's time given (`None`: now). Only tests date rows, to have some
/// older than a retention period without waiting years ([`crate::testing::append_dated`]).
pub(crate) async fn append_dated_in(
    tx: &mut Transaction<'static, Any>,
    event: &AuditEvent,
    at: Option<OffsetDateTime>,
) -> Result<i64, StoreError> {
    event.check()?;
    let head = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, last_hash")
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::Corrupt("the audit log's head row is missing".into()))?;
    let id: i64 = head.try_get("seq")?;
    let prev_hash: String = head.try_get("last_hash")?;
    // The time is taken under the lock, so that it never goes backwards along the chain unless
    // the clock does.
    let at = timestamp(at.unwrap_or_else(OffsetDateTime::now_utc));
    let outcome = event.outcome.as_str().to_string();
    let hash = chain_hash(
        &prev_hash,
        id,
        &at,
        [
            Some(&event.actor),
            Some(&event.origin),
            Some(&event.action),
            event.record_type.as_ref(),
            event.record_id.as_ref(),
            Some(&outcome),
            event.detail.as_ref(),
        ],
    );
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor, origin, action, record_type, record_id, outcome, detail, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .persistent(false)
    .bind(id)
    .bind(&at)
    .bind(&event.actor)
    .bind(&event.origin)
    .bind(&event.action)
    .bind(event.record_type.as_deref())
    .bind(event.record_id.as_deref())
    .bind(&outcome)
    .bind(event.detail.as_deref())
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE audit_head SET last_hash = $1 WHERE id = 1").bind(&hash).execute(&mut **tx).await?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_utc_with_microseconds_and_z() {
        let at = time::macros::datetime!(2026-05-01 18:30:00.1234567 +09:00);
        assert_eq!(timestamp(at), "2026-05-01T09:30:00.123456Z");
    }

    #[test]
    fn codes_keep_personal_data_out() {
        for good in ["user:12", "anonymous", "192.0.2.1", "2001:db8::1", "131105/2022", "wrong_totp"] {
            assert!(is_code(good), "{good}");
        }
        for bad in ["", "山田太郎", "yamada@example.jp", "a b", "x\n", &"a".repeat(129)] {
            assert!(!is_code(bad), "{bad}");
        }
        let event = AuditEvent::cli("read").with_record("case", "山田");
        assert!(matches!(event.check(), Err(StoreError::NotAShortCode(_))));
    }

    #[test]
    fn the_encoding_separates_fields_and_nulls() {
        let (a, b, empty) = (String::from("a"), String::from("b"), String::new());
        let base = [Some(&a), Some(&b), Some(&a), None, None, Some(&a), None];
        let hash = chain_hash(GENESIS_HASH, 1, "t", base);
        assert_eq!(hash.len(), 64);
        let mut moved = base;
        moved[3] = Some(&empty);
        assert_ne!(hash, chain_hash(GENESIS_HASH, 1, "t", moved), "NULL and empty differ");
        let ab = String::from("ab");
        let mut joined = base;
        joined[0] = Some(&ab);
        joined[1] = Some(&empty);
        assert_ne!(hash, chain_hash(GENESIS_HASH, 1, "t", joined), "field boundaries count");
        assert_ne!(hash, chain_hash(GENESIS_HASH, 2, "t", base), "the id counts");
    }
}
