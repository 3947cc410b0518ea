//! Moves of legal clock deadlines by an administrator (`clock_move`, migration 0025): one row per
//! move, never changed, so that a clock's history stays and a revert is one more move. [`add`]
//! writes a move and its audit row in one transaction, refusing a move made on a stale page (the
//! count of the clock's moves is not the one the page showed); [`of_municipality`] reads the moves
//! the clock board, the case page and escalation apply ([`nimo_domain::clocks::apply_moves`]);
//! [`history`] opens the notes for the page that shows them. No personal data outside the sealed
//! note.

use crate::audit::{AuditEvent, append_in, timestamp};
use crate::sealed::CLOCK_MOVE_NOTE;
use crate::{Db, Record, StoreError, columns};
use nimo_domain::clocks::{Move, MoveReason};
use sqlx::Row;
use time::OffsetDateTime;

/// The record a clock belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClockRecord {
    /// A 23条 case (its police 保護).
    Case(i64),
    /// An admission.
    Admission(i64),
    /// A 市町村長同意 request.
    Consent(i64),
}

impl ClockRecord {
    /// The stored type code.
    pub fn kind(self) -> &'static str {
        match self {
            ClockRecord::Case(_) => "case",
            ClockRecord::Admission(_) => "admission",
            ClockRecord::Consent(_) => "consent",
        }
    }

    /// The record's id.
    pub fn id(self) -> i64 {
        match self {
            ClockRecord::Case(id) | ClockRecord::Admission(id) | ClockRecord::Consent(id) => id,
        }
    }

    /// The record of a type code and id.
    pub fn of(kind: &str, id: i64) -> Option<Self> {
        match kind {
            "case" => Some(ClockRecord::Case(id)),
            "admission" => Some(ClockRecord::Admission(id)),
            "consent" => Some(ClockRecord::Consent(id)),
            _ => None,
        }
    }

    /// `case:12`, as forms and the audit log name it.
    pub fn key(self) -> String {
        format!("{}:{}", self.kind(), self.id())
    }

    /// The record of a key (`case:12`).
    pub fn parse(key: &str) -> Option<Self> {
        let (kind, id) = key.split_once(':')?;
        Self::of(kind, id.parse().ok()?)
    }
}

/// A move to write.
#[derive(Debug, Clone)]
pub struct NewMove {
    /// The municipality of the record.
    pub municipality: String,
    /// The record.
    pub record: ClockRecord,
    /// The move (its `seq` is the number of moves the page showed, plus one).
    pub movement: Move,
    /// Remarks (sealed; may be empty).
    pub note: String,
}

/// Writes a move with its audit row (`clock_move`, record `clock_move`/id, the reason code as
/// detail) in one transaction. `StaleRevision` when the clock has had another move since the page
/// was read (the count differs, or another move took the same `seq` at the same time).
pub async fn add(db: &Db, new: &NewMove, actor: &str, audit: AuditEvent) -> Result<i64, StoreError> {
    let keyring = db.keyring()?;
    let m = &new.movement;
    let mut tx = crate::beds::begin_write(db).await?;
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM clock_move WHERE record_type = $1 AND record_id = $2 AND rule_id = $3 AND started_at = $4",
    )
    .bind(new.record.kind())
    .bind(new.record.id())
    .bind(&m.rule)
    .bind(timestamp(m.started_at))
    .fetch_one(&mut *tx)
    .await?;
    if count + 1 != i64::from(m.seq) {
        return Err(StoreError::StaleRevision(Record::ClockMove));
    }
    let inserted = sqlx::query(
        "INSERT INTO clock_move (municipality_code, record_type, record_id, rule_id, started_at, seq, from_deadline_at,
             deadline_at, reason, actor, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (record_type, record_id, rule_id, started_at, seq) DO NOTHING RETURNING id",
    )
    .bind(&new.municipality)
    .bind(new.record.kind())
    .bind(new.record.id())
    .bind(&m.rule)
    .bind(timestamp(m.started_at))
    .bind(i64::from(m.seq))
    .bind(timestamp(m.from))
    .bind(timestamp(m.to))
    .bind(m.reason.code())
    .bind(actor)
    .bind(timestamp(OffsetDateTime::now_utc()))
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = inserted else {
        return Err(StoreError::StaleRevision(Record::ClockMove));
    };
    let id: i64 = row.try_get("id")?;
    if !new.note.trim().is_empty() {
        sqlx::query("UPDATE clock_move SET note_sealed = $1 WHERE id = $2")
            .bind(CLOCK_MOVE_NOTE.seal(keyring, id, new.note.trim()))
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    append_in(&mut tx, &audit.with_record("clock_move", id.to_string()).with_detail(m.reason.code())).await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(sqlx::FromRow)]
struct MoveRow {
    id: i64,
    record_type: String,
    record_id: i64,
    rule_id: String,
    started_at: String,
    seq: i64,
    from_deadline_at: String,
    deadline_at: String,
    reason: String,
    note_sealed: Option<String>,
    actor: String,
    created_at: String,
}

const COLUMNS: &str = "id, record_type, record_id, rule_id, started_at, seq, from_deadline_at, deadline_at, reason, \
                       note_sealed, actor, created_at";

fn movement(row: &MoveRow) -> Result<(ClockRecord, Move), StoreError> {
    let record =
        ClockRecord::of(&row.record_type, row.record_id).ok_or_else(|| columns::corrupt("clock_move.record_type"))?;
    Ok((
        record,
        Move {
            rule: row.rule_id.clone(),
            started_at: columns::instant("clock_move.started_at", &row.started_at)?,
            seq: u32::try_from(row.seq).map_err(|_| columns::corrupt("clock_move.seq"))?,
            from: columns::instant("clock_move.from_deadline_at", &row.from_deadline_at)?,
            to: columns::instant("clock_move.deadline_at", &row.deadline_at)?,
            reason: MoveReason::parse(&row.reason).ok_or_else(|| columns::corrupt("clock_move.reason"))?,
        },
    ))
}

/// Every move of a municipality's clocks, oldest first, with the record each belongs to (notes
/// are not opened).
pub async fn of_municipality(db: &Db, municipality: &str) -> Result<Vec<(ClockRecord, Move)>, StoreError> {
    let rows: Vec<MoveRow> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM clock_move WHERE municipality_code = $1 ORDER BY id"))
            .bind(municipality)
            .fetch_all(&db.pool)
            .await?;
    rows.iter().map(movement).collect()
}

/// The moves of one record, oldest first (notes not opened).
pub async fn of_record(db: &Db, record: ClockRecord) -> Result<Vec<Move>, StoreError> {
    let rows: Vec<MoveRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM clock_move WHERE record_type = $1 AND record_id = $2 ORDER BY id"
    ))
    .bind(record.kind())
    .bind(record.id())
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(|row| movement(row).map(|(_, m)| m)).collect()
}

/// One move as the history shows it.
#[derive(Debug, Clone)]
pub struct MoveRecord {
    /// The stored row's id.
    pub id: i64,
    /// The record of the clock.
    pub record: ClockRecord,
    /// The move.
    pub movement: Move,
    /// Remarks (opened).
    pub note: String,
    /// Who moved it (`user:ID`).
    pub actor: String,
    /// When.
    pub at: OffsetDateTime,
}

/// Every move of a municipality with its note opened, newest first, for the administrator's page
/// (the caller audits the reading).
pub async fn history(db: &Db, municipality: &str, limit: i64) -> Result<Vec<MoveRecord>, StoreError> {
    let keyring = db.keyring()?;
    let rows: Vec<MoveRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM clock_move WHERE municipality_code = $1 ORDER BY id DESC LIMIT $2"
    ))
    .bind(municipality)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|row| {
            let (record, movement) = movement(row)?;
            let note = match &row.note_sealed {
                Some(sealed) => CLOCK_MOVE_NOTE.open(keyring, row.id, sealed)?,
                None => String::new(),
            };
            let at = columns::instant("clock_move.created_at", &row.created_at)?;
            Ok(MoveRecord { id: row.id, record, movement, note, actor: row.actor.clone(), at })
        })
        .collect()
}
