//! Holds: placing one under the hold invariant, the hospital's accept or decline, and expiry
//! (lazily inside every hold transaction, and in bulk by the background task).

pub(super) use super::hold_rows::{HOLD_COLUMNS, HOLD_FROM, hold_from};
use super::snapshot::{announce_in, committed};
use super::{begin_write, lock_ward, taken_in};
use crate::audit::{self, AuditEvent, Outcome};
use crate::{Db, StoreError};
use nimo_domain::beds::{AdmissionChange, AdmissionType, CaseRef, DeclineReason, HoldState};
use sqlx::{Any, Row, Transaction};

/// What it takes to place a hold.
#[derive(Debug, Clone)]
pub struct NewHold {
    /// The ward.
    pub ward_id: String,
    /// The case's 受付番号.
    pub case_ref: CaseRef,
    /// The admission type sought.
    pub admission: AdmissionType,
    /// The staff user placing it.
    pub placed_by: i64,
    /// When the search that led to it ran (Unix seconds); the placement time starts there.
    pub searched_at: i64,
    /// The case it is placed from (a report23 id), when it was placed from the case's page.
    pub case_id: Option<i64>,
    /// Why the 入院形態 differs from the case's disposition (confirmed by the user).
    pub admission_reason: Option<AdmissionChange>,
}

/// A hold as stored, with its ward and hospital names for pages.
#[derive(Debug, Clone, PartialEq)]
pub struct Hold {
    /// Its id.
    pub id: i64,
    /// The ward.
    pub ward_id: String,
    /// The ward's name.
    pub ward_name: String,
    /// The hospital's id.
    pub hospital_id: String,
    /// The hospital's name.
    pub hospital_name: String,
    /// The case's 受付番号.
    pub case_ref: String,
    /// The admission type sought.
    pub admission: AdmissionType,
    /// Where it is.
    pub state: HoldState,
    /// Who placed it.
    pub placed_by: i64,
    /// When the search ran, the hold was placed, and when it expires (Unix seconds).
    pub searched_at: i64,
    /// When it was placed.
    pub held_at: i64,
    /// When it expires unless answered.
    pub expires_at: i64,
    /// When it was accepted, declined or expired.
    pub decided_at: Option<i64>,
    /// Why it was declined.
    pub decline_reason: Option<DeclineReason>,
    /// The case it was placed from, if placed from the case's page.
    pub case_id: Option<i64>,
    /// Why its 入院形態 differs from the case's disposition.
    pub admission_reason: Option<AdmissionChange>,
    /// Who asks: the placing user's municipality's 保健所 (or the municipality's name when none is
    /// registered). An office, never a person.
    pub requester: String,
    /// The 保健所's number to call back (empty when none is registered).
    pub callback_phone: String,
    /// The municipality of the case it was placed from (`None` without a case).
    pub case_municipality: Option<nimo_domain::MunicipalityCode>,
}

impl Hold {
    /// The state as of `now`: a held hold past its expiry is expired even before the task
    /// marks it.
    pub fn state_at(&self, now: i64) -> HoldState {
        if self.state == HoldState::Held && self.expires_at <= now { HoldState::Expired } else { self.state }
    }
}

/// A hold by id.
pub async fn get_hold(db: &Db, id: i64) -> Result<Hold, StoreError> {
    let row = sqlx::query(&format!("SELECT {HOLD_COLUMNS} FROM {HOLD_FROM} WHERE b.id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("hold {id}")))?;
    hold_from(&row)
}

async fn get_hold_in(tx: &mut Transaction<'static, Any>, id: i64) -> Result<Hold, StoreError> {
    let row = sqlx::query(&format!("SELECT {HOLD_COLUMNS} FROM {HOLD_FROM} WHERE b.id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("hold {id}")))?;
    hold_from(&row)
}

/// A hospital's holds: those waiting first (oldest first), then the latest answered ones, at
/// most `limit` in all.
pub async fn holds_of_hospital_at(db: &Db, hospital_id: &str, now: i64, limit: i64) -> Result<Vec<Hold>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {HOLD_COLUMNS} FROM {HOLD_FROM} WHERE w.hospital_id = $1
         ORDER BY CASE WHEN b.state = 'held' AND b.expires_at > $2 THEN 0 ELSE 1 END, b.held_at DESC, b.id DESC
         LIMIT $3"
    ))
    .bind(hospital_id)
    .bind(now)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(hold_from).collect()
}

/// The holds a staff user placed, newest first.
pub async fn holds_placed_by(db: &Db, user_id: i64, limit: i64) -> Result<Vec<Hold>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {HOLD_COLUMNS} FROM {HOLD_FROM} WHERE b.placed_by = $1 ORDER BY b.held_at DESC, b.id DESC LIMIT $2"
    ))
    .bind(user_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(hold_from).collect()
}

/// The holds placed for a case's 受付番号 by staff of one municipality, newest first (the case
/// page's list of where a bed was sought).
pub async fn holds_for_case(db: &Db, municipality: &str, case_ref: &str, limit: i64) -> Result<Vec<Hold>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {HOLD_COLUMNS} FROM {HOLD_FROM}
         WHERE b.case_ref = $1 AND b.placed_by IN (SELECT id FROM app_user WHERE scope_municipality = $2)
         ORDER BY b.held_at DESC, b.id DESC LIMIT $3"
    ))
    .bind(case_ref)
    .bind(municipality)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(hold_from).collect()
}

/// Marks due holds expired (of one ward, or all), with one audit row each (actor `system`),
/// inside the caller's transaction. Returns their ids with their wards.
pub(crate) async fn expire_in(
    tx: &mut Transaction<'static, Any>,
    ward_id: Option<&str>,
    now: i64,
) -> Result<Vec<(i64, String)>, StoreError> {
    let rows = match ward_id {
        Some(ward) => {
            sqlx::query(
                "UPDATE bed_hold SET state = 'expired', decided_at = expires_at
                 WHERE ward_id = $1 AND state = 'held' AND expires_at <= $2 RETURNING id, ward_id",
            )
            .bind(ward)
            .bind(now)
            .fetch_all(&mut **tx)
            .await?
        }
        None => {
            sqlx::query(
                "UPDATE bed_hold SET state = 'expired', decided_at = expires_at
                 WHERE state = 'held' AND expires_at <= $1 RETURNING id, ward_id",
            )
            .bind(now)
            .fetch_all(&mut **tx)
            .await?
        }
    };
    let mut ids = rows
        .iter()
        .map(|r| Ok((r.try_get::<i64, _>("id")?, r.try_get::<String, _>("ward_id")?)))
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    ids.sort_unstable();
    for (id, _) in &ids {
        let event = AuditEvent::system("hold_expire").with_record("bed_hold", id.to_string());
        audit::append_in(tx, &event).await?;
    }
    Ok(ids)
}

/// Marks every due hold expired; returns how many. The background task calls this every few
/// seconds; a restart loses nothing, as the due time is in the database.
pub async fn expire_due_at(db: &Db, now: i64) -> Result<usize, StoreError> {
    // A cheap read first, so that an idle server does not take the write lock every few seconds.
    let due: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM bed_hold WHERE state = 'held' AND expires_at <= $1")
        .bind(now)
        .fetch_one(&db.pool)
        .await?;
    if due == 0 {
        return Ok(0);
    }
    let mut tx = begin_write(db).await?;
    let ids = expire_in(&mut tx, None, now).await?;
    let mut wards: Vec<&str> = ids.iter().map(|(_, ward)| ward.as_str()).collect();
    wards.sort_unstable();
    wards.dedup();
    for ward in &wards {
        announce_in(&mut tx, db, "ward", ward).await?;
    }
    tx.commit().await?;
    committed(db, &wards).await;
    Ok(ids.len())
}

/// Places a hold if the ward has a bed left, in one write transaction (see the module
/// documentation of `beds` for how both backends serialize it). No bed left is
/// [`StoreError::NoBedLeft`]; an unknown ward is `NotFound`.
pub async fn place_hold_at(
    db: &Db,
    new: &NewHold,
    ttl_seconds: i64,
    origin: &str,
    now: i64,
) -> Result<Hold, StoreError> {
    let mut tx = begin_write(db).await?;
    let (_, posted, seq) = lock_ward(&mut tx, db.backend, &new.ward_id).await?;
    // The ward must take the hold's 入院形態, as the search's filter requires.
    if let Err(refused) = super::check_admission_in(&mut tx, &new.ward_id, new.admission).await {
        tx.rollback().await?;
        return Err(refused);
    }
    expire_in(&mut tx, Some(&new.ward_id), now).await?;
    let (active, admitted) = taken_in(&mut tx, &new.ward_id, seq, now).await?;
    if posted - active - admitted <= 0 {
        tx.rollback().await?;
        return Err(StoreError::NoBedLeft { ward: new.ward_id.clone() });
    }
    let searched_at = new.searched_at.clamp(now - 24 * 3600, now);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO bed_hold (ward_id, case_ref, admission_type, state, placed_by, searched_at, held_at, expires_at,
                               case_id, admission_reason)
         VALUES ($1, $2, $3, 'held', $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .persistent(false)
    .bind(&new.ward_id)
    .bind(new.case_ref.as_str())
    .bind(new.admission.code())
    .bind(new.placed_by)
    .bind(searched_at)
    .bind(now)
    .bind(now + ttl_seconds)
    .bind(new.case_id)
    .bind(new.admission_reason.map(AdmissionChange::code))
    .fetch_one(&mut *tx)
    .await?;
    // A 入院形態 other than the case's is named in the audit row with its reason's code.
    let detail = match new.admission_reason {
        Some(reason) => format!("ward:{}/admission:{}/reason:{}", new.ward_id, new.admission.code(), reason.code()),
        None => format!("ward:{}", new.ward_id),
    };
    let event = AuditEvent::new(audit::user_actor(new.placed_by), origin, "hold_place", Outcome::Ok)
        .with_record("bed_hold", id.to_string())
        .with_detail(detail);
    audit::append_in(&mut tx, &event).await?;
    let hold = get_hold_in(&mut tx, id).await?;
    announce_in(&mut tx, db, "ward", &new.ward_id).await?;
    tx.commit().await?;
    committed(db, &[&new.ward_id]).await;
    Ok(hold)
}

/// The staff member who placed a hold withdraws it (placed elsewhere, no longer needed): the bed
/// is free again at once. Someone else's hold is `NotFound` (whether it exists is not revealed);
/// a hold no longer held is `HoldNotWaiting` with its state.
pub async fn cancel_at(db: &Db, hold_id: i64, user_id: i64, origin: &str, now: i64) -> Result<Hold, StoreError> {
    let placed_by: Option<i64> = sqlx::query_scalar("SELECT placed_by FROM bed_hold WHERE id = $1")
        .bind(hold_id)
        .fetch_optional(&db.pool)
        .await?;
    if placed_by != Some(user_id) {
        return Err(StoreError::NotFound(format!("hold {hold_id}")));
    }
    let (mut tx, _, _) = open_answer(db, hold_id, now).await?;
    sqlx::query(
        "UPDATE bed_hold SET state = 'cancelled', decided_at = $1, decided_by = $2 WHERE id = $3 AND state = 'held'",
    )
    .bind(now)
    .bind(user_id)
    .bind(hold_id)
    .execute(&mut *tx)
    .await?;
    let event = AuditEvent::new(audit::user_actor(user_id), origin, "hold_cancel", Outcome::Ok)
        .with_record("bed_hold", hold_id.to_string());
    audit::append_in(&mut tx, &event).await?;
    let hold = get_hold_in(&mut tx, hold_id).await?;
    announce_in(&mut tx, db, "ward", &hold.ward_id).await?;
    tx.commit().await?;
    committed(db, &[&hold.ward_id]).await;
    Ok(hold)
}

/// Takes a hold and its ward for an answer: the ward is locked, a due hold is marked expired
/// (and committed), and a hold that is no longer held is `HoldNotWaiting` with its state.
async fn open_answer(db: &Db, hold_id: i64, now: i64) -> Result<(Transaction<'static, Any>, Hold, i64), StoreError> {
    let ward_id: String = sqlx::query_scalar("SELECT ward_id FROM bed_hold WHERE id = $1")
        .bind(hold_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("hold {hold_id}")))?;
    let mut tx = begin_write(db).await?;
    let (_, _, seq) = lock_ward(&mut tx, db.backend, &ward_id).await?;
    let expired = expire_in(&mut tx, Some(&ward_id), now).await?;
    let hold = get_hold_in(&mut tx, hold_id).await?;
    if hold.state != HoldState::Held {
        if expired.is_empty() {
            tx.rollback().await?;
        } else {
            announce_in(&mut tx, db, "ward", &ward_id).await?;
            tx.commit().await?;
            committed(db, &[&ward_id]).await;
        }
        return Err(StoreError::HoldNotWaiting { hold: hold_id, state: hold.state });
    }
    Ok((tx, hold, seq))
}

/// The hospital accepts a hold: it becomes an admission that consumes a bed of the current
/// posting. A hold that expired or was answered already is `HoldNotWaiting` with its state.
pub async fn accept_at(db: &Db, hold_id: i64, user_id: i64, origin: &str, now: i64) -> Result<Hold, StoreError> {
    let (mut tx, _, seq) = open_answer(db, hold_id, now).await?;
    sqlx::query(
        "UPDATE bed_hold SET state = 'accepted', decided_at = $1, decided_by = $2, posting_seq = $3
         WHERE id = $4 AND state = 'held'",
    )
    .bind(now)
    .bind(user_id)
    .bind(seq)
    .bind(hold_id)
    .execute(&mut *tx)
    .await?;
    let event = AuditEvent::new(audit::user_actor(user_id), origin, "hold_accept", Outcome::Ok)
        .with_record("bed_hold", hold_id.to_string());
    audit::append_in(&mut tx, &event).await?;
    let hold = get_hold_in(&mut tx, hold_id).await?;
    announce_in(&mut tx, db, "ward", &hold.ward_id).await?;
    tx.commit().await?;
    committed(db, &[&hold.ward_id]).await;
    Ok(hold)
}

/// The hospital declines a hold with a reason: the bed is free again.
pub async fn decline_at(
    db: &Db,
    hold_id: i64,
    user_id: i64,
    reason: DeclineReason,
    origin: &str,
    now: i64,
) -> Result<Hold, StoreError> {
    let (mut tx, _, _) = open_answer(db, hold_id, now).await?;
    sqlx::query(
        "UPDATE bed_hold SET state = 'declined', decided_at = $1, decided_by = $2, decline_reason = $3
         WHERE id = $4 AND state = 'held'",
    )
    .bind(now)
    .bind(user_id)
    .bind(reason.code())
    .bind(hold_id)
    .execute(&mut *tx)
    .await?;
    let event = AuditEvent::new(audit::user_actor(user_id), origin, "hold_decline", Outcome::Ok)
        .with_record("bed_hold", hold_id.to_string())
        .with_detail(reason.code());
    audit::append_in(&mut tx, &event).await?;
    let hold = get_hold_in(&mut tx, hold_id).await?;
    announce_in(&mut tx, db, "ward", &hold.ward_id).await?;
    tx.commit().await?;
    committed(db, &[&hold.ward_id]).await;
    Ok(hold)
}
