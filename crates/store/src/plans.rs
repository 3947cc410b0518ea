//! 退院後支援計画 life-cycle: a plan opens with its consent answer, then every event (drafting,
//! start, review, extension, transfer, end) and every 支援会議 is checked by
//! `nimo_domain::plans::PlanStatus::apply` before anything is written.
//!
//! Every write is one transaction with its audit row and moves the plan's `revision`: a form made
//! from an older revision is a [`StoreError::StaleRevision`]. Notes, reasons, contents and minutes are
//! sealed; the participants of a meeting (organisations and roles, professionals) are plain.

mod views;

pub use views::{Meeting, PlanEventRecord, PlanItem, events, list, meetings, of_person, reminders, timeline_entries};

use crate::audit::{AuditEvent, append_in, timestamp};
use crate::sealed::{PLAN_CONTENTS, PLAN_EVENT_NOTE, PLAN_MEETING_MINUTES};
use crate::{Db, Record, StoreError};
use nimo_domain::FiscalYear;
use nimo_domain::plans::{EndReason, Party, PlanError, PlanEvent, PlanState, PlanStatus};
use sqlx::Row;
use sqlx::any::AnyRow;
use time::{Date, OffsetDateTime};

/// Parses an ISO date, or names the field.
fn date(field: &'static str, text: &str) -> Result<Date, PlanRecordError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text, &format).map_err(|_| PlanRecordError::Field(field))
}

fn stored_date(row: &AnyRow, column: &str) -> Result<Option<Date>, StoreError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    match row.try_get::<Option<String>, _>(column)? {
        Some(text) => {
            Ok(Some(Date::parse(&text, &format).map_err(|_| StoreError::Corrupt(format!("discharge_plan.{column}")))?))
        }
        None => Ok(None),
    }
}

/// Why recording a plan event failed.
#[derive(Debug, thiserror::Error)]
pub enum PlanRecordError {
    /// The domain refused the event (wrong state or a bad field).
    #[error(transparent)]
    Rule(#[from] PlanError),
    /// A date the store could not read.
    #[error("invalid {0}")]
    Field(&'static str),
    /// Storage failed, or the plan changed since the form was made (`StaleRevision`).
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for PlanRecordError {
    fn from(error: sqlx::Error) -> Self {
        PlanRecordError::Store(StoreError::Database(error))
    }
}

/// A plan as staff see it.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Id.
    pub id: i64,
    /// Municipality (the author).
    pub municipality: String,
    /// District.
    pub district: String,
    /// The person.
    pub person_id: i64,
    /// The 23条 case it follows.
    pub case_id: Option<i64>,
    /// The consent date, ISO.
    pub consent_on: Option<String>,
    /// Where the state machine is.
    pub status: PlanStatus,
    /// The plan contents (opened).
    pub contents: String,
    /// For optimistic concurrency.
    pub revision: i64,
}

const PLAN_COLUMNS: &str = "id, municipality_code, district, person_id, case_id, state, consent, consent_on,
    consent_party, drafted, meetings, started_on, period_end_on, extensions, next_review_on, ended_on, end_reason,
    transferred_to, last_event_on, contents_sealed, revision";

fn status_from(row: &AnyRow) -> Result<PlanStatus, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("discharge_plan.{what}"));
    let state: String = row.try_get("state")?;
    let consent: String = row.try_get("consent")?;
    let party: Option<String> = row.try_get("consent_party")?;
    let reason: Option<String> = row.try_get("end_reason")?;
    Ok(PlanStatus {
        state: PlanState::parse(&state).ok_or_else(|| corrupt("state"))?,
        consent: match consent.as_str() {
            "given" => Some(true),
            "refused" => Some(false),
            _ => None,
        },
        consent_party: party.and_then(|p| Party::parse(&p)),
        drafted: row.try_get::<i64, _>("drafted")? == 1,
        meetings: u32::try_from(row.try_get::<i64, _>("meetings")?).map_err(|_| corrupt("meetings"))?,
        started_on: stored_date(row, "started_on")?,
        period_end: stored_date(row, "period_end_on")?,
        extensions: u32::try_from(row.try_get::<i64, _>("extensions")?).map_err(|_| corrupt("extensions"))?,
        next_review: stored_date(row, "next_review_on")?,
        ended_on: stored_date(row, "ended_on")?,
        end_reason: reason.and_then(|r| EndReason::parse(&r)),
        transferred_to: row.try_get("transferred_to")?,
        last_on: stored_date(row, "last_event_on")?,
    })
}

/// The plan with this id, contents opened.
pub async fn get(db: &Db, id: i64) -> Result<Plan, StoreError> {
    let keyring = db.keyring()?;
    let row = sqlx::query(&format!("SELECT {PLAN_COLUMNS} FROM discharge_plan WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("plan {id}")))?;
    let sealed: Option<String> = row.try_get("contents_sealed")?;
    Ok(Plan {
        id,
        municipality: row.try_get("municipality_code")?,
        district: row.try_get("district")?,
        person_id: row.try_get("person_id")?,
        case_id: row.try_get("case_id")?,
        consent_on: row.try_get("consent_on")?,
        status: status_from(&row)?,
        contents: sealed.map_or(Ok(String::new()), |s| PLAN_CONTENTS.open(keyring, id, &s))?,
        revision: row.try_get("revision")?,
    })
}

/// A plan to open with the answer to the consent question.
#[derive(Debug, Clone)]
pub struct OpenPlan {
    /// Municipality (the 帰住先's).
    pub municipality: String,
    /// District.
    pub district: String,
    /// The person.
    pub person_id: i64,
    /// The 23条 case it follows, if any.
    pub case_id: Option<i64>,
    /// Consent given (true) or refused.
    pub given: bool,
    /// Who was asked.
    pub party: Party,
    /// The date of the answer, ISO.
    pub occurred_on: String,
    /// Remarks (sealed).
    pub note: String,
    /// Who recorded it.
    pub actor: i64,
}

/// Opens a plan (state `drafting` or `declined`) with its consent event and audit row.
pub async fn open(db: &Db, new: &OpenPlan, audit: AuditEvent) -> Result<i64, PlanRecordError> {
    let keyring = db.keyring()?;
    let on = date("occurred_on", &new.occurred_on)?;
    let event = PlanEvent::Consent { given: new.given, party: new.party };
    let status = PlanStatus::candidate().apply(on, &event)?;
    let mut tx = db.pool.begin().await?;
    let row = sqlx::query(
        "INSERT INTO discharge_plan (municipality_code, district, person_id, case_id, state, consent, consent_on,
             consent_party, last_event_on, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .persistent(false)
    .bind(&new.municipality)
    .bind(&new.district)
    .bind(new.person_id)
    .bind(new.case_id)
    .bind(status.state.code())
    .bind(if new.given { "given" } else { "refused" })
    .bind(&new.occurred_on)
    .bind(new.party.code())
    .bind(&new.occurred_on)
    .bind(timestamp(OffsetDateTime::now_utc()))
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    insert_event(&mut tx, keyring, id, &event, &new.occurred_on, &new.note, new.actor).await?;
    append_in(&mut tx, &audit.with_record("plan", id.to_string()).with_detail("consent")).await?;
    tx.commit().await?;
    tracing::debug!(plan_id = id, "退院後支援計画 opened");
    Ok(id)
}

async fn insert_event(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    keyring: &nimo_vault::Keyring,
    plan_id: i64,
    event: &PlanEvent,
    occurred_on: &str,
    note: &str,
    actor: i64,
) -> Result<(), StoreError> {
    let (mut consent, mut party, mut end_on, mut review, mut to, mut reason) = (None, None, None, None, None, None);
    match event {
        PlanEvent::Consent { given, party: p } => {
            consent = Some(if *given { "given" } else { "refused" });
            party = Some(p.code());
        }
        PlanEvent::Start { period_end, next_review } => {
            end_on = Some(period_end.to_string());
            review = next_review.map(|d| d.to_string());
        }
        PlanEvent::Review { next_review } => review = next_review.map(|d| d.to_string()),
        PlanEvent::Extend { new_end, .. } => end_on = Some(new_end.to_string()),
        PlanEvent::Transfer { destination, .. } => to = Some(destination.clone()),
        PlanEvent::End { reason: r } => reason = Some(r.code()),
        PlanEvent::Draft | PlanEvent::Meeting => {}
    }
    let row = sqlx::query(
        "INSERT INTO plan_event (plan_id, kind, occurred_on, consent, party, period_end_on, next_review_on,
             transferred_to, end_reason, actor, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .persistent(false)
    .bind(plan_id)
    .bind(event.code())
    .bind(occurred_on)
    .bind(consent)
    .bind(party)
    .bind(end_on)
    .bind(review)
    .bind(to)
    .bind(reason)
    .bind(actor)
    .bind(timestamp(OffsetDateTime::now_utc()))
    .fetch_one(&mut **tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    sqlx::query("UPDATE plan_event SET note_sealed = $1 WHERE id = $2")
        .bind(PLAN_EVENT_NOTE.seal(keyring, id, note))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Writes the plan's new status if it is still at `revision`.
async fn write_status(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    plan_id: i64,
    revision: i64,
    s: &PlanStatus,
) -> Result<(), StoreError> {
    let text = |d: Option<Date>| d.map(|d| d.to_string());
    let fy = s.started_on.map(|d| i64::from(FiscalYear::of_date(d.year(), u8::from(d.month())).year()));
    let done = sqlx::query(
        "UPDATE discharge_plan SET state = $1, drafted = $2, meetings = $3, started_on = $4, fiscal_year = $5,
             period_end_on = $6, extensions = $7, next_review_on = $8, ended_on = $9, end_reason = $10,
             transferred_to = $11, last_event_on = $12, revision = revision + 1
         WHERE id = $13 AND revision = $14",
    )
    .persistent(false)
    .bind(s.state.code())
    .bind(i64::from(s.drafted))
    .bind(i64::from(s.meetings))
    .bind(text(s.started_on))
    .bind(fy)
    .bind(text(s.period_end))
    .bind(i64::from(s.extensions))
    .bind(text(s.next_review))
    .bind(text(s.ended_on))
    .bind(s.end_reason.map(EndReason::code))
    .bind(s.transferred_to.clone())
    .bind(text(s.last_on))
    .bind(plan_id)
    .bind(revision)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 1 { Ok(()) } else { Err(StoreError::StaleRevision(Record::Plan)) }
}

/// An event to record on a plan (not a meeting: see [`add_meeting`]).
#[derive(Debug, Clone)]
pub struct PlanInput {
    /// The event.
    pub event: PlanEvent,
    /// When it happened, ISO.
    pub occurred_on: String,
    /// Remarks or the extension's reason (sealed).
    pub note: String,
    /// The plan contents, for `Draft` (sealed).
    pub contents: String,
    /// Who recorded it.
    pub actor: i64,
}

/// Records an event if the plan's state allows it; the plan must still be at `revision`.
pub async fn record(
    db: &Db,
    plan_id: i64,
    revision: i64,
    input: &PlanInput,
    audit: AuditEvent,
) -> Result<PlanStatus, PlanRecordError> {
    let keyring = db.keyring()?;
    let on = date("occurred_on", &input.occurred_on)?;
    let plan = get(db, plan_id).await?;
    if plan.revision != revision {
        return Err(StoreError::StaleRevision(Record::Plan).into());
    }
    if matches!(input.event, PlanEvent::Meeting) {
        return Err(PlanRecordError::Field("event"));
    }
    let next = plan.status.apply(on, &input.event)?;
    let mut tx = db.pool.begin().await?;
    write_status(&mut tx, plan_id, revision, &next).await?;
    if matches!(input.event, PlanEvent::Draft) {
        sqlx::query("UPDATE discharge_plan SET contents_sealed = $1 WHERE id = $2")
            .bind(PLAN_CONTENTS.seal(keyring, plan_id, &input.contents))
            .bind(plan_id)
            .execute(&mut *tx)
            .await?;
    }
    let note = match &input.event {
        PlanEvent::Extend { reason, .. } if input.note.trim().is_empty() => reason.clone(),
        PlanEvent::Extend { reason, .. } => format!("{reason}\n{}", input.note),
        _ => input.note.clone(),
    };
    insert_event(&mut tx, keyring, plan_id, &input.event, &input.occurred_on, &note, input.actor).await?;
    let kind = input.event.code();
    append_in(&mut tx, &audit.with_record("plan", plan_id.to_string()).with_detail(kind)).await?;
    tx.commit().await?;
    tracing::debug!(plan_id, event = kind, "plan event recorded");
    Ok(next)
}

/// Purposes of a 支援会議.
pub const MEETING_PURPOSES: &[(&str, &str)] =
    &[("pre_discharge", "退院前（計画作成）"), ("review", "見直し"), ("extension", "延長の検討"), ("other", "その他")];

/// A 支援会議 to record.
#[derive(Debug, Clone)]
pub struct NewMeeting {
    /// ISO date.
    pub held_on: String,
    /// Purpose code ([`MEETING_PURPOSES`]).
    pub purpose: String,
    /// Whether 本人 attended.
    pub person_attended: bool,
    /// Whether 家族等 attended.
    pub family_attended: bool,
    /// Participants: (organisation, role / 職種).
    pub participants: Vec<(String, String)>,
    /// Minutes (sealed).
    pub minutes: String,
    /// Who recorded it.
    pub actor: i64,
}

/// Records a 支援会議 if the plan allows one; the plan must still be at `revision`.
pub async fn add_meeting(
    db: &Db,
    plan_id: i64,
    revision: i64,
    meeting: &NewMeeting,
    audit: AuditEvent,
) -> Result<i64, PlanRecordError> {
    let keyring = db.keyring()?;
    let on = date("held_on", &meeting.held_on)?;
    if !MEETING_PURPOSES.iter().any(|(c, _)| *c == meeting.purpose) {
        return Err(PlanRecordError::Field("purpose"));
    }
    let plan = get(db, plan_id).await?;
    if plan.revision != revision {
        return Err(StoreError::StaleRevision(Record::Plan).into());
    }
    let next = plan.status.apply(on, &PlanEvent::Meeting)?;
    let participants: Vec<String> = meeting
        .participants
        .iter()
        .map(|(org, role)| {
            format!("{}\t{}", org.trim().replace(['\t', '\n'], " "), role.trim().replace(['\t', '\n'], " "))
        })
        .collect();
    let mut tx = db.pool.begin().await?;
    write_status(&mut tx, plan_id, revision, &next).await?;
    let row = sqlx::query(
        "INSERT INTO plan_meeting (plan_id, held_on, purpose, person_attended, family_attended, participants, actor,
             recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .persistent(false)
    .bind(plan_id)
    .bind(&meeting.held_on)
    .bind(&meeting.purpose)
    .bind(i64::from(meeting.person_attended))
    .bind(i64::from(meeting.family_attended))
    .bind(participants.join("\n"))
    .bind(meeting.actor)
    .bind(timestamp(OffsetDateTime::now_utc()))
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    sqlx::query("UPDATE plan_meeting SET minutes_sealed = $1 WHERE id = $2")
        .bind(PLAN_MEETING_MINUTES.seal(keyring, id, &meeting.minutes))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    append_in(&mut tx, &audit.with_record("plan", plan_id.to_string()).with_detail("meeting")).await?;
    tx.commit().await?;
    Ok(id)
}
