//! Admissions (入院) after a disposition: the admission as entered (hospital, 入院形態, 入院日時)
//! and every later event (change of 入院形態, 措置解除, renewal, notices received, 退院 …) as a
//! row. Each write is checked by `nimo_domain::admissions::AdmissionStatus::apply` first, is one
//! transaction with its audit row, and moves the admission's `revision` (an older form is a
//! [`StoreError::StaleRevision`]). Loading replays the events through the same state machine, so
//! the status and the clocks are always the domain's (`load.rs`). Instants are stored as RFC 3339
//! text in UTC (`audit::timestamp`), read once through `columns::instant`. Nothing here names the
//! person: the hospital and the codes are plain.

mod load;

pub use load::{
    Admission, AdmissionEventRecord, DISCHARGED_KEPT_DAYS, get, of_case, of_person, open_everywhere, open_in,
    timeline_entries,
};

use crate::audit::{AuditEvent, append_in, timestamp};
use crate::{Db, Record, StoreError};
use nimo_domain::MunicipalityCode;
use nimo_domain::admissions::{AdmissionError, AdmissionEvent, AdmissionStatus, FormEntry, HospitalRef};
use sqlx::Row;
use time::OffsetDateTime;

/// Why recording an admission or one of its events failed.
#[derive(Debug, thiserror::Error)]
pub enum AdmissionRecordError {
    /// The domain refused it (wrong state or form, or a bad field).
    #[error(transparent)]
    Rule(#[from] AdmissionError),
    /// The listed hospital is not one of the bed finder's.
    #[error("unknown hospital")]
    UnknownHospital,
    /// Storage failed, or the admission changed since the form was made (`StaleRevision`).
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for AdmissionRecordError {
    fn from(error: sqlx::Error) -> Self {
        AdmissionRecordError::Store(StoreError::Database(error))
    }
}

/// An admission to record.
#[derive(Debug, Clone)]
pub struct NewAdmission {
    /// Municipality (the case's).
    pub municipality: MunicipalityCode,
    /// District (the case's).
    pub district: String,
    /// The person.
    pub person_id: i64,
    /// The 23条 case it follows, if any.
    pub case_id: Option<i64>,
    /// The hospital.
    pub hospital: HospitalRef,
    /// The 入院形態 and what goes with it.
    pub entry: FormEntry,
    /// 入院日時.
    pub admitted_at: OffsetDateTime,
    /// Who recorded it.
    pub actor: i64,
}

/// Records an admission with its audit row; the domain checks it first.
pub async fn admit(db: &Db, new: &NewAdmission, audit: AuditEvent) -> Result<i64, AdmissionRecordError> {
    let status = AdmissionStatus::admit(new.admitted_at, new.hospital.clone(), new.entry.clone())?;
    let (hospital_id, hospital_name) = match &new.hospital {
        HospitalRef::Listed(id) => {
            let name: Option<String> =
                sqlx::query_scalar("SELECT name FROM hospital WHERE id = $1").bind(id).fetch_optional(&db.pool).await?;
            (Some(id.clone()), name.ok_or(AdmissionRecordError::UnknownHospital)?)
        }
        HospitalRef::Typed(name) => (None, name.trim().to_string()),
    };
    let entry = &new.entry;
    let mut tx = db.pool.begin().await?;
    let row = sqlx::query(
        "INSERT INTO admission (municipality_code, district, person_id, case_id, hospital_id, hospital_name, form,
             specified_doctor, consent, period_end_at, admitted_at, last_at, state, current_form, actor, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id",
    )
    .persistent(false)
    .bind(new.municipality.as_str())
    .bind(&new.district)
    .bind(new.person_id)
    .bind(new.case_id)
    .bind(hospital_id)
    .bind(hospital_name)
    .bind(entry.form.code())
    .bind(i64::from(entry.specified_doctor))
    .bind(entry.consent.map(|c| c.code()))
    .bind(entry.period_end.map(timestamp))
    .bind(timestamp(new.admitted_at))
    .bind(timestamp(status.last_at))
    .bind(status.state.code())
    .bind(status.form.code())
    .bind(new.actor)
    .bind(timestamp(OffsetDateTime::now_utc()))
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    append_in(&mut tx, &audit.with_record("admission", id.to_string()).with_detail("admit")).await?;
    tx.commit().await?;
    tracing::debug!(admission_id = id, "admission recorded");
    Ok(id)
}

/// Records an event if the admission's state allows it; the admission must still be at `revision`.
pub async fn record(
    db: &Db,
    admission_id: i64,
    revision: i64,
    at: OffsetDateTime,
    event: &AdmissionEvent,
    actor: i64,
    audit: AuditEvent,
) -> Result<AdmissionStatus, AdmissionRecordError> {
    let admission = get(db, admission_id).await?;
    if admission.revision != revision {
        return Err(StoreError::StaleRevision(Record::Admission).into());
    }
    let next = admission.status.apply(at, event)?;
    let mut tx = db.pool.begin().await?;
    let done = sqlx::query(
        "UPDATE admission SET state = $1, current_form = $2, last_at = $3, revision = revision + 1
         WHERE id = $4 AND revision = $5",
    )
    .persistent(false)
    .bind(next.state.code())
    .bind(next.form.code())
    .bind(timestamp(next.last_at))
    .bind(admission_id)
    .bind(revision)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::StaleRevision(Record::Admission).into());
    }
    insert_event(&mut tx, admission_id, at, event, actor).await?;
    let kind = event.code();
    append_in(&mut tx, &audit.with_record("admission", admission_id.to_string()).with_detail(kind)).await?;
    tx.commit().await?;
    tracing::debug!(admission_id, event = kind, "admission event recorded");
    Ok(next)
}

async fn insert_event(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    admission_id: i64,
    at: OffsetDateTime,
    event: &AdmissionEvent,
    actor: i64,
) -> Result<(), StoreError> {
    let (mut entry, mut consent, mut period_end, mut notice, mut plan_id) = (None, None, None, None, None);
    match event {
        AdmissionEvent::ChangeForm(e) | AdmissionEvent::LiftSochi { then: Some(e) } => entry = Some(e),
        AdmissionEvent::Renew { period_end: end, consent: c } => {
            period_end = *end;
            consent = Some(*c);
        }
        AdmissionEvent::Notice(kind) => notice = Some(kind.code()),
        AdmissionEvent::LinkPlan { plan_id: id } => plan_id = Some(*id),
        AdmissionEvent::LiftSochi { then: None }
        | AdmissionEvent::DesignatedExam
        | AdmissionEvent::RequestRenewalConsent
        | AdmissionEvent::AppointCounselor
        | AdmissionEvent::Discharge => {}
    }
    if let Some(e) = entry {
        consent = e.consent;
        period_end = e.period_end;
    }
    sqlx::query(
        "INSERT INTO admission_event (admission_id, kind, occurred_at, form, specified_doctor, consent, period_end_at,
             notice, plan_id, actor, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .persistent(false)
    .bind(admission_id)
    .bind(event.code())
    .bind(timestamp(at))
    .bind(entry.map(|e| e.form.code()))
    .bind(entry.map(|e| i64::from(e.specified_doctor)))
    .bind(consent.map(|c| c.code()))
    .bind(period_end.map(timestamp))
    .bind(notice)
    .bind(plan_id)
    .bind(actor)
    .bind(timestamp(OffsetDateTime::now_utc()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}
