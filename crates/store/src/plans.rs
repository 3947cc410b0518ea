//! 退院後支援計画 life-cycle: a plan opens with its consent answer, then every event (drafting,
//! start, review, extension, transfer, end) and every 支援会議 is checked by
//! `nimo_domain::plans::PlanStatus::apply` before anything is written.
//!
//! Every write is one transaction with its audit row and moves the plan's `revision`: a form made
//! from an older revision is a [`StoreError::StaleRevision`]. Notes, reasons, contents and minutes are
//! sealed; the participants of a meeting (organisations and roles, professionals) are plain. A
//! 家族等's view is kept beside the consent answer (relation code plain, the view sealed); a
//! meeting the police attended is recorded only with the guideline's conditions confirmed
//! (`nimo_domain::plans::police`).

mod contents;
mod views;

pub use contents::write_contents;

pub use views::{
    Meeting, PersonPlan, PlanEventRecord, PlanItem, events, list, meetings, of_person, reminders, timeline_entries,
};

use crate::audit::{AuditEvent, append_in, timestamp};
use crate::columns::{self, date_text};
use crate::sealed::{PLAN_CONTENTS, PLAN_CONTENTS_FORM, PLAN_EVENT_NOTE, PLAN_FAMILY_VIEW, PLAN_MEETING_MINUTES};
use crate::{Db, Record, StoreError};
use nimo_domain::FiscalYear;
use nimo_domain::MunicipalityCode;
use nimo_domain::plans::{EndReason, Party, PlanError, PlanEvent, PlanState, PlanStatus, police};
use sqlx::Row;
use time::{Date, OffsetDateTime};

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
    pub municipality: MunicipalityCode,
    /// District.
    pub district: String,
    /// The person.
    pub person_id: i64,
    /// The 23条 case it follows.
    pub case_id: Option<i64>,
    /// The consent date.
    pub consent_on: Option<Date>,
    /// Where the state machine is.
    pub status: PlanStatus,
    /// The plan contents written as one text before they had sections (opened; empty if none):
    /// shown as 「従前の計画内容（自由記述）」.
    pub contents: String,
    /// The plan contents by section (opened), once written.
    pub form: Option<nimo_domain::plans::contents::PlanContents>,
    /// For optimistic concurrency.
    pub revision: i64,
}

const PLAN_COLUMNS: &str = "id, municipality_code, district, person_id, case_id, state, consent, consent_on,
    consent_party, drafted, meetings, started_on, period_end_on, extensions, next_review_on, ended_on, end_reason,
    transferred_to, last_event_on, contents_sealed, revision, extension_meeting_on, contents_form_sealed";

/// A `discharge_plan` row as stored (`PLAN_COLUMNS`).
#[derive(sqlx::FromRow)]
struct PlanRow {
    municipality_code: String,
    district: String,
    person_id: i64,
    case_id: Option<i64>,
    state: String,
    consent: String,
    consent_on: Option<String>,
    consent_party: Option<String>,
    drafted: i64,
    meetings: i64,
    started_on: Option<String>,
    period_end_on: Option<String>,
    extensions: i64,
    next_review_on: Option<String>,
    ended_on: Option<String>,
    end_reason: Option<String>,
    transferred_to: Option<String>,
    last_event_on: Option<String>,
    contents_sealed: Option<String>,
    revision: i64,
    extension_meeting_on: Option<String>,
    contents_form_sealed: Option<String>,
}

impl PlanRow {
    fn status(&self) -> Result<PlanStatus, StoreError> {
        let corrupt = |what: &str| columns::corrupt(&format!("discharge_plan.{what}"));
        let date = |what: &str, text: &Option<String>| {
            columns::optional_date(&format!("discharge_plan.{what}"), text.as_deref())
        };
        Ok(PlanStatus {
            state: PlanState::parse(&self.state).ok_or_else(|| corrupt("state"))?,
            consent: match self.consent.as_str() {
                "given" => Some(true),
                "refused" => Some(false),
                _ => None,
            },
            consent_party: self.consent_party.as_deref().and_then(Party::parse),
            drafted: self.drafted == 1,
            meetings: u32::try_from(self.meetings).map_err(|_| corrupt("meetings"))?,
            started_on: date("started_on", &self.started_on)?,
            period_end: date("period_end_on", &self.period_end_on)?,
            extensions: u32::try_from(self.extensions).map_err(|_| corrupt("extensions"))?,
            next_review: date("next_review_on", &self.next_review_on)?,
            ended_on: date("ended_on", &self.ended_on)?,
            end_reason: self.end_reason.as_deref().and_then(EndReason::parse),
            transferred_to: self.transferred_to.clone(),
            last_on: date("last_event_on", &self.last_event_on)?,
            extension_meeting_on: date("extension_meeting_on", &self.extension_meeting_on)?,
        })
    }
}

/// The plan with this id, contents opened.
pub async fn get(db: &Db, id: i64) -> Result<Plan, StoreError> {
    let keyring = db.keyring()?;
    let row: PlanRow = sqlx::query_as(&format!("SELECT {PLAN_COLUMNS} FROM discharge_plan WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("plan {id}")))?;
    let status = row.status()?;
    Ok(Plan {
        id,
        municipality: columns::municipality("discharge_plan.municipality_code", &row.municipality_code)?,
        district: row.district,
        person_id: row.person_id,
        case_id: row.case_id,
        consent_on: columns::optional_date("discharge_plan.consent_on", row.consent_on.as_deref())?,
        status,
        contents: row.contents_sealed.map_or(Ok(String::new()), |s| PLAN_CONTENTS.open(keyring, id, &s))?,
        form: match row.contents_form_sealed {
            Some(sealed) => Some(
                serde_json::from_str(&PLAN_CONTENTS_FORM.open(keyring, id, &sealed)?)
                    .map_err(|_| columns::corrupt("discharge_plan.contents_form_sealed"))?,
            ),
            None => None,
        },
        revision: row.revision,
    })
}

/// A plan to open with the answer to the consent question.
#[derive(Debug, Clone)]
pub struct OpenPlan {
    /// Municipality (the 帰住先's).
    pub municipality: MunicipalityCode,
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
    /// The date of the answer.
    pub occurred_on: Date,
    /// Remarks (sealed).
    pub note: String,
    /// A 家族等's view, if one was heard: relation code (`FAMILY_RELATIONS`) and what they said (sealed).
    pub family_view: Option<(String, String)>,
    /// Who recorded it.
    pub actor: i64,
}

/// Opens a plan (state `drafting` or `declined`) with its consent event and audit row.
pub async fn open(db: &Db, new: &OpenPlan, audit: AuditEvent) -> Result<i64, PlanRecordError> {
    let keyring = db.keyring()?;
    let on = new.occurred_on;
    let event = PlanEvent::Consent { given: new.given, party: new.party };
    let status = PlanStatus::candidate().apply(on, &event)?;
    let mut tx = db.pool.begin().await?;
    let row = sqlx::query(
        "INSERT INTO discharge_plan (municipality_code, district, person_id, case_id, state, consent, consent_on,
             consent_party, last_event_on, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .persistent(false)
    .bind(new.municipality.as_str())
    .bind(&new.district)
    .bind(new.person_id)
    .bind(new.case_id)
    .bind(status.state.code())
    .bind(if new.given { "given" } else { "refused" })
    .bind(on.to_string())
    .bind(new.party.code())
    .bind(on.to_string())
    .bind(timestamp(OffsetDateTime::now_utc()))
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    let event_id = insert_event(&mut tx, keyring, id, &event, on, &new.note, new.actor).await?;
    if let Some((relation, view)) = &new.family_view {
        if nimo_domain::plans::family_relation_label(relation).is_none() {
            return Err(PlanRecordError::Field("family_relation"));
        }
        sqlx::query("UPDATE plan_event SET family_relation = $1, family_view_sealed = $2 WHERE id = $3")
            .bind(relation)
            .bind(PLAN_FAMILY_VIEW.seal(keyring, event_id, view))
            .bind(event_id)
            .execute(&mut *tx)
            .await?;
    }
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
    occurred_on: Date,
    note: &str,
    actor: i64,
) -> Result<i64, StoreError> {
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
        PlanEvent::Draft | PlanEvent::Meeting { .. } => {}
    }
    let row = sqlx::query(
        "INSERT INTO plan_event (plan_id, kind, occurred_on, consent, party, period_end_on, next_review_on,
             transferred_to, end_reason, actor, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .persistent(false)
    .bind(plan_id)
    .bind(event.code())
    .bind(occurred_on.to_string())
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
    Ok(id)
}

/// Writes the plan's new status if it is still at `revision`.
async fn write_status(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    plan_id: i64,
    revision: i64,
    s: &PlanStatus,
) -> Result<(), StoreError> {
    let text = date_text;
    let fy = s.started_on.map(|d| i64::from(FiscalYear::of_date(d.year(), u8::from(d.month())).year()));
    let done = sqlx::query(
        "UPDATE discharge_plan SET state = $1, drafted = $2, meetings = $3, started_on = $4, fiscal_year = $5,
             period_end_on = $6, extensions = $7, next_review_on = $8, ended_on = $9, end_reason = $10,
             transferred_to = $11, last_event_on = $12, extension_meeting_on = $13, consent = $14, consent_party = $15,
             revision = revision + 1
         WHERE id = $16 AND revision = $17",
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
    .bind(text(s.extension_meeting_on))
    .bind(match s.consent {
        Some(true) => "given",
        Some(false) => "refused",
        None => "pending",
    })
    .bind(s.consent_party.map(Party::code))
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
    /// When it happened.
    pub occurred_on: Date,
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
    let on = input.occurred_on;
    let plan = get(db, plan_id).await?;
    if plan.revision != revision {
        return Err(StoreError::StaleRevision(Record::Plan).into());
    }
    if matches!(input.event, PlanEvent::Meeting { .. }) {
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
    insert_event(&mut tx, keyring, plan_id, &input.event, on, &note, input.actor).await?;
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
    /// The day it was held.
    pub held_on: Date,
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
    /// Whether the police attended (also when a participant's organisation names 警察).
    pub police_attended: bool,
    /// The conditions of `nimo_domain::plans::police::CONDITIONS` staff confirmed, by code.
    pub police_conditions: Vec<String>,
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
    let on = meeting.held_on;
    if !MEETING_PURPOSES.iter().any(|(c, _)| *c == meeting.purpose) {
        return Err(PlanRecordError::Field("purpose"));
    }
    let plan = get(db, plan_id).await?;
    if plan.revision != revision {
        return Err(StoreError::StaleRevision(Record::Plan).into());
    }
    let police = meeting.police_attended || meeting.participants.iter().any(|(org, _)| police::names_police(org));
    let confirmed: Vec<&str> = police::CONDITIONS
        .iter()
        .map(|(code, _)| *code)
        .filter(|code| meeting.police_conditions.iter().any(|c| c == code))
        .collect();
    if let Some(reason) = police::refusal(police, &confirmed) {
        return Err(PlanError::Invalid { field: "police_attended", reason }.into());
    }
    let for_extension = meeting.purpose == "extension";
    let next = plan.status.apply(on, &PlanEvent::Meeting { for_extension })?;
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
             recorded_at, police_attended, police_conditions)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .persistent(false)
    .bind(plan_id)
    .bind(on.to_string())
    .bind(&meeting.purpose)
    .bind(i64::from(meeting.person_attended))
    .bind(i64::from(meeting.family_attended))
    .bind(participants.join("\n"))
    .bind(meeting.actor)
    .bind(timestamp(OffsetDateTime::now_utc()))
    .bind(i64::from(police))
    .bind(if police { confirmed.join(",") } else { String::new() })
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
