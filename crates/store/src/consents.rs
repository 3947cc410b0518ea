//! 市町村長同意: a hospital's request received by the 区, then every event (checks, decision,
//! visit, renewal, referral, end) checked by `nimo_domain::consents::ConsentStatus::apply` before
//! anything is written.
//!
//! Every write is one transaction with its audit row and moves the request's `revision`: a form
//! made from an older revision is a [`StoreError::StaleRevision`]. The request's note, each event's
//! note and the deciding official's name are sealed; the hospital, codes and instants are plain.

mod views;

pub use views::{
    ClockEntry, ConsentCounts, ConsentEventRecord, ConsentItem, counts, events, hospital_choices, list, of_person,
    running_clocks, running_clocks_everywhere, states_of_person, timeline_entries, years,
};

use crate::audit::{AuditEvent, append_in, timestamp};
use crate::columns;
use crate::sealed::{CONSENT_EVENT_NOTE, CONSENT_NOTE, CONSENT_OFFICIAL};
use crate::{Db, Record, StoreError};
use nimo_domain::clocks::JST;
use nimo_domain::consents::{
    ConsentError, ConsentEvent, ConsentState, ConsentStatus, EndReason, FamilyFinding, ResidenceBasis,
};
use nimo_domain::{FiscalYear, MunicipalityCode};
use sqlx::Row;
use time::{Date, OffsetDateTime};

/// Why recording a 市町村長同意 failed.
#[derive(Debug, thiserror::Error)]
pub enum ConsentRecordError {
    /// The domain refused the event (wrong state or a bad field).
    #[error(transparent)]
    Rule(#[from] ConsentError),
    /// Storage failed, or the request changed since the form was made (`StaleRevision`).
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for ConsentRecordError {
    fn from(error: sqlx::Error) -> Self {
        ConsentRecordError::Store(StoreError::Database(error))
    }
}

/// A 市町村長同意 as staff see it.
#[derive(Debug, Clone)]
pub struct MayorConsent {
    /// Id.
    pub id: i64,
    /// Municipality.
    pub municipality: MunicipalityCode,
    /// District.
    pub district: String,
    /// The person.
    pub person_id: i64,
    /// The bed finder's hospital, if it is one.
    pub hospital_id: Option<String>,
    /// The hospital's name (the bed finder's, or as typed).
    pub hospital_name: String,
    /// 入院予定日 or 入院日.
    pub admission_on: Option<Date>,
    /// Where the state machine is.
    pub status: ConsentStatus,
    /// The request's note (opened).
    pub note: String,
    /// For optimistic concurrency.
    pub revision: i64,
}

pub(crate) const CONSENT_COLUMNS: &str = "id, municipality_code, district, person_id, hospital_id, hospital_name,
    requested_at, admission_on, state, residence, family, consented_at, visited_at, visits, renewal_requested_at,
    renewal_period_end, renewals, period_end, referred_at, ended_at, end_reason, last_at, note_sealed, revision";

/// A `mayor_consent` row as stored (`CONSENT_COLUMNS`).
#[derive(sqlx::FromRow)]
pub(crate) struct ConsentRow {
    pub(crate) id: i64,
    municipality_code: String,
    pub(crate) district: String,
    pub(crate) person_id: i64,
    hospital_id: Option<String>,
    pub(crate) hospital_name: String,
    requested_at: String,
    admission_on: Option<String>,
    state: String,
    residence: Option<String>,
    family: Option<String>,
    consented_at: Option<String>,
    visited_at: Option<String>,
    visits: i64,
    renewal_requested_at: Option<String>,
    renewal_period_end: Option<String>,
    renewals: i64,
    period_end: Option<String>,
    referred_at: Option<String>,
    ended_at: Option<String>,
    end_reason: Option<String>,
    last_at: String,
    note_sealed: Option<String>,
    revision: i64,
}

impl ConsentRow {
    pub(crate) fn status(&self) -> Result<ConsentStatus, StoreError> {
        let corrupt = |what: &str| columns::corrupt(&format!("mayor_consent.{what}"));
        let at = |what: &str, text: &str| columns::instant(&format!("mayor_consent.{what}"), text);
        let maybe = |what: &str, text: &Option<String>| text.as_deref().map(|t| at(what, t)).transpose();
        let count = |what: &str, n: i64| u32::try_from(n).map_err(|_| corrupt(what));
        let code = |what: &str, text: &Option<String>, ok: bool| {
            if ok || text.is_none() { Ok(()) } else { Err(corrupt(what)) }
        };
        let residence = self.residence.as_deref().and_then(ResidenceBasis::parse);
        code("residence", &self.residence, residence.is_some())?;
        let family = self.family.as_deref().and_then(FamilyFinding::parse);
        code("family", &self.family, family.is_some())?;
        let pending = match (
            maybe("renewal_requested_at", &self.renewal_requested_at)?,
            maybe("renewal_period_end", &self.renewal_period_end)?,
        ) {
            (Some(asked), Some(end)) => Some((asked, end)),
            (None, None) => None,
            _ => return Err(corrupt("renewal_period_end")),
        };
        let end = match (maybe("ended_at", &self.ended_at)?, self.end_reason.as_deref()) {
            (Some(at), Some(reason)) => Some((at, EndReason::parse(reason).ok_or_else(|| corrupt("end_reason"))?)),
            (None, None) => None,
            _ => return Err(corrupt("end_reason")),
        };
        Ok(ConsentStatus {
            state: ConsentState::parse(&self.state).ok_or_else(|| corrupt("state"))?,
            requested_at: at("requested_at", &self.requested_at)?,
            residence,
            family,
            consented_at: maybe("consented_at", &self.consented_at)?,
            visited_at: maybe("visited_at", &self.visited_at)?,
            visits: count("visits", self.visits)?,
            renewal_pending: pending,
            renewals: count("renewals", self.renewals)?,
            period_end: maybe("period_end", &self.period_end)?,
            referred_at: maybe("referred_at", &self.referred_at)?,
            end,
            last_at: at("last_at", &self.last_at)?,
        })
    }
}

fn fiscal_year(at: OffsetDateTime) -> i64 {
    let local = at.to_offset(JST);
    i64::from(FiscalYear::of_date(local.year(), u8::from(local.month())).year())
}

/// The request with this id, its note opened.
pub async fn get(db: &Db, id: i64) -> Result<MayorConsent, StoreError> {
    let keyring = db.keyring()?;
    let row: ConsentRow = sqlx::query_as(&format!("SELECT {CONSENT_COLUMNS} FROM mayor_consent WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("mayor_consent {id}")))?;
    Ok(MayorConsent {
        id,
        municipality: columns::municipality("mayor_consent.municipality_code", &row.municipality_code)?,
        status: row.status()?,
        district: row.district.clone(),
        person_id: row.person_id,
        hospital_id: row.hospital_id.clone(),
        hospital_name: row.hospital_name.clone(),
        admission_on: columns::optional_date("mayor_consent.admission_on", row.admission_on.as_deref())?,
        note: row.note_sealed.as_deref().map_or(Ok(String::new()), |s| CONSENT_NOTE.open(keyring, id, s))?,
        revision: row.revision,
    })
}

/// A hospital's request to receive.
#[derive(Debug, Clone)]
pub struct NewRequest {
    /// Municipality (the 区 asked).
    pub municipality: MunicipalityCode,
    /// The person.
    pub person_id: i64,
    /// A bed finder hospital's id; its name is taken from the bed finder.
    pub hospital_id: Option<String>,
    /// The hospital's name as typed (when it is not in the bed finder).
    pub hospital_name: String,
    /// When the request was received.
    pub requested_at: OffsetDateTime,
    /// 入院予定日 or 入院日.
    pub admission_on: Option<Date>,
    /// What the hospital said (sealed).
    pub note: String,
    /// Who recorded it.
    pub actor: i64,
}

/// Receives a request (state `requested`) for a person of the municipality, in the person's 地区,
/// with its audit row.
pub async fn receive(db: &Db, new: &NewRequest, audit: AuditEvent) -> Result<i64, ConsentRecordError> {
    let keyring = db.keyring()?;
    let status = ConsentStatus::received(new.requested_at);
    let mut tx = db.pool.begin().await?;
    let person = sqlx::query("SELECT municipality_code, district FROM person WHERE id = $1")
        .bind(new.person_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("person {}", new.person_id)))?;
    let (code, district): (String, String) = (person.try_get("municipality_code")?, person.try_get("district")?);
    if code != new.municipality.as_str() {
        return Err(StoreError::NotFound(format!("person {}", new.person_id)).into());
    }
    let hospital_name = match &new.hospital_id {
        Some(hospital) => sqlx::query_scalar::<_, String>("SELECT name FROM hospital WHERE id = $1")
            .bind(hospital)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("hospital {hospital}")))?,
        None => new.hospital_name.trim().to_string(),
    };
    let at = timestamp(new.requested_at);
    let row = sqlx::query(
        "INSERT INTO mayor_consent (municipality_code, district, person_id, hospital_id, hospital_name, requested_at,
             admission_on, fiscal_year, state, last_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .persistent(false)
    .bind(new.municipality.as_str())
    .bind(&district)
    .bind(new.person_id)
    .bind(new.hospital_id.clone())
    .bind(&hospital_name)
    .bind(&at)
    .bind(columns::date_text(new.admission_on))
    .bind(fiscal_year(new.requested_at))
    .bind(status.state.code())
    .bind(&at)
    .bind(timestamp(OffsetDateTime::now_utc()))
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    sqlx::query("UPDATE mayor_consent SET note_sealed = $1 WHERE id = $2")
        .bind(CONSENT_NOTE.seal(keyring, id, &new.note))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    insert_event(&mut tx, keyring, id, None, new.requested_at, "", new.actor).await?;
    append_in(&mut tx, &audit.with_record("mayor_consent", id.to_string()).with_detail("receive")).await?;
    tx.commit().await?;
    tracing::debug!(consent_id = id, "市町村長同意の依頼 received");
    Ok(id)
}

/// An event to record on a request.
#[derive(Debug, Clone)]
pub struct ConsentInput {
    /// The event.
    pub event: ConsentEvent,
    /// When it happened.
    pub occurred_at: OffsetDateTime,
    /// Remarks (sealed).
    pub note: String,
    /// Who recorded it.
    pub actor: i64,
}

/// Records an event if the request's state allows it; it must still be at `revision`.
pub async fn record(
    db: &Db,
    id: i64,
    revision: i64,
    input: &ConsentInput,
    audit: AuditEvent,
) -> Result<ConsentStatus, ConsentRecordError> {
    let keyring = db.keyring()?;
    let current = get(db, id).await?;
    if current.revision != revision {
        return Err(StoreError::StaleRevision(Record::Consent).into());
    }
    let next = current.status.apply(input.occurred_at, &input.event)?;
    let mut tx = db.pool.begin().await?;
    write_status(&mut tx, id, revision, &next).await?;
    insert_event(&mut tx, keyring, id, Some(&input.event), input.occurred_at, &input.note, input.actor).await?;
    let kind = input.event.code();
    append_in(&mut tx, &audit.with_record("mayor_consent", id.to_string()).with_detail(kind)).await?;
    tx.commit().await?;
    tracing::debug!(consent_id = id, event = kind, "市町村長同意 event recorded");
    Ok(next)
}

async fn write_status(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id: i64,
    revision: i64,
    s: &ConsentStatus,
) -> Result<(), StoreError> {
    let text = |at: Option<OffsetDateTime>| at.map(timestamp);
    let done = sqlx::query(
        "UPDATE mayor_consent SET state = $1, residence = $2, family = $3, consented_at = $4, visited_at = $5,
             visits = $6, renewal_requested_at = $7, renewal_period_end = $8, renewals = $9, period_end = $10,
             referred_at = $11, ended_at = $12, end_reason = $13, last_at = $14, revision = revision + 1
         WHERE id = $15 AND revision = $16",
    )
    .persistent(false)
    .bind(s.state.code())
    .bind(s.residence.map(ResidenceBasis::code))
    .bind(s.family.map(FamilyFinding::code))
    .bind(text(s.consented_at))
    .bind(text(s.visited_at))
    .bind(i64::from(s.visits))
    .bind(text(s.renewal_pending.map(|(asked, _)| asked)))
    .bind(text(s.renewal_pending.map(|(_, end)| end)))
    .bind(i64::from(s.renewals))
    .bind(text(s.period_end))
    .bind(text(s.referred_at))
    .bind(text(s.end.map(|(at, _)| at)))
    .bind(s.end.map(|(_, reason)| reason.code()))
    .bind(timestamp(s.last_at))
    .bind(id)
    .bind(revision)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 1 { Ok(()) } else { Err(StoreError::StaleRevision(Record::Consent)) }
}

async fn insert_event(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    keyring: &nimo_vault::Keyring,
    consent_id: i64,
    event: Option<&ConsentEvent>,
    at: OffsetDateTime,
    note: &str,
    actor: i64,
) -> Result<(), StoreError> {
    let (mut residence, mut family, mut excluded, mut decision, mut period_end, mut reason, mut official) =
        (None, None, None, None, None, None, None);
    let verdict = |yes: bool| Some(if yes { "consent" } else { "refuse" });
    match event {
        None | Some(ConsentEvent::Visit | ConsentEvent::Refer) => {}
        Some(ConsentEvent::CheckResidence(basis)) => residence = Some(basis.code()),
        Some(ConsentEvent::CheckFamily { finding, excluded: e }) => {
            family = Some(finding.code());
            excluded = Some(e.iter().map(|x| x.code()).collect::<Vec<_>>().join(","));
        }
        Some(ConsentEvent::Decide { consent, official: o, period_end: p }) => {
            (decision, official, period_end) = (verdict(*consent), Some(o.trim().to_string()), p.map(timestamp));
        }
        Some(ConsentEvent::RequestRenewal { period_end: p }) => period_end = Some(timestamp(*p)),
        Some(ConsentEvent::DecideRenewal { consent, official: o }) => {
            (decision, official) = (verdict(*consent), Some(o.trim().to_string()));
        }
        Some(ConsentEvent::End(r)) => reason = Some(r.code()),
    }
    let row = sqlx::query(
        "INSERT INTO mayor_consent_event (consent_id, kind, occurred_at, fiscal_year, residence, family, excluded,
             decision, period_end, end_reason, actor, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .persistent(false)
    .bind(consent_id)
    .bind(event.map_or("receive", ConsentEvent::code))
    .bind(timestamp(at))
    .bind(fiscal_year(at))
    .bind(residence)
    .bind(family)
    .bind(excluded)
    .bind(decision)
    .bind(period_end)
    .bind(reason)
    .bind(actor)
    .bind(timestamp(OffsetDateTime::now_utc()))
    .fetch_one(&mut **tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    sqlx::query("UPDATE mayor_consent_event SET note_sealed = $1, official_sealed = $2 WHERE id = $3")
        .persistent(false)
        .bind(CONSENT_EVENT_NOTE.seal(keyring, id, note))
        .bind(official.map(|o| CONSENT_OFFICIAL.seal(keyring, id, &o)))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
