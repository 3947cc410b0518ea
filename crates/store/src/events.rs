//! 普及啓発 events (`awareness_event`, migration 0029): a municipality's lectures, trainings and
//! leaflets with their day, theme, audience, participants, partners and materials, planned, held
//! or cancelled, and the schedule row (section 6) they fulfil. [`create`] and [`update`] write the
//! row and its audit row (`event_create` / `event_update`, record `awareness_event`/id) in one
//! transaction; an update names the revision its form was made from and is refused
//! (`StaleRevision`) when somebody saved first. The fiscal year is the one of the event's day.
//! No personal data: an event has no participant names, only a count.

use crate::audit::{AuditEvent, append_in, timestamp};
use crate::{Db, Record, StoreError, columns};
use nimo_domain::FiscalYear;
use nimo_domain::pdca::{EventKind, HeldStatus};
use time::{Date, OffsetDateTime};

/// An event as a form or the API gives it, checked by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventInput {
    /// The day it is (was) held.
    pub held_on: Date,
    /// Theme or title (精神保健講演会 第1回「…」).
    pub title: String,
    /// 講演会, 研修 …
    pub kind: EventKind,
    /// Who it is for (区民・当事者・家族).
    pub audience: String,
    /// How many took part, when known.
    pub participants: Option<i64>,
    /// Partner organisations, one each.
    pub partners: Vec<String>,
    /// Materials used or handed out, one each.
    pub materials: Vec<String>,
    /// Planned, held or cancelled.
    pub status: HeldStatus,
    /// The 実施する項目 of section 6 it fulfils (empty: none).
    pub schedule_item: String,
}

/// A stored event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Id.
    pub id: i64,
    /// The fiscal year of its day.
    pub fiscal_year: FiscalYear,
    /// What was entered.
    pub input: EventInput,
    /// The revision a form sends back.
    pub revision: i64,
    /// When it last changed.
    pub updated_at: OffsetDateTime,
}

/// An event's fiscal year.
pub fn fiscal_year_of(day: Date) -> FiscalYear {
    FiscalYear::of_date(day.year(), u8::from(day.month()))
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: i64,
    fiscal_year: i64,
    held_on: String,
    title: String,
    kind: String,
    audience: String,
    participants: Option<i64>,
    partners: String,
    materials: String,
    status: String,
    schedule_item: String,
    revision: i64,
    updated_at: String,
}

const COLUMNS: &str = "id, fiscal_year, held_on, title, kind, audience, participants, partners, materials, status, \
                       schedule_item, revision, updated_at";

impl EventRow {
    fn into_event(self) -> Result<Event, StoreError> {
        let year = i32::try_from(self.fiscal_year).ok().and_then(FiscalYear::new);
        Ok(Event {
            id: self.id,
            fiscal_year: year.ok_or_else(|| columns::corrupt("awareness_event.fiscal_year"))?,
            input: EventInput {
                held_on: columns::date("awareness_event.held_on", &self.held_on)?,
                title: self.title,
                kind: EventKind::parse(&self.kind).ok_or_else(|| columns::corrupt("awareness_event.kind"))?,
                audience: self.audience,
                participants: self.participants,
                partners: nimo_domain::pdca::lines(&self.partners),
                materials: nimo_domain::pdca::lines(&self.materials),
                status: HeldStatus::parse(&self.status).ok_or_else(|| columns::corrupt("awareness_event.status"))?,
                schedule_item: self.schedule_item,
            },
            revision: self.revision,
            updated_at: columns::instant("awareness_event.updated_at", &self.updated_at)?,
        })
    }
}

/// Records a new event with its audit row; its id.
pub async fn create(db: &Db, municipality: &str, input: &EventInput, audit: AuditEvent) -> Result<i64, StoreError> {
    let now = timestamp(OffsetDateTime::now_utc());
    let mut tx = crate::beds::begin_write(db).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO awareness_event (municipality_code, fiscal_year, held_on, title, kind, audience, participants,
             partners, materials, status, schedule_item, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id",
    )
    .bind(municipality)
    .bind(i64::from(fiscal_year_of(input.held_on).year()))
    .bind(input.held_on.to_string())
    .bind(&input.title)
    .bind(input.kind.code())
    .bind(&input.audience)
    .bind(input.participants)
    .bind(input.partners.join("\n"))
    .bind(input.materials.join("\n"))
    .bind(input.status.code())
    .bind(&input.schedule_item)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?;
    append_in(&mut tx, &audit.with_record("awareness_event", id.to_string()).with_detail(input.status.code())).await?;
    tx.commit().await?;
    Ok(id)
}

/// Replaces an event's fields if it is still at `revision`, with its audit row. `NotFound` for
/// an id of no event of the municipality, `StaleRevision` when somebody saved first.
pub async fn update(
    db: &Db,
    municipality: &str,
    id: i64,
    revision: i64,
    input: &EventInput,
    audit: AuditEvent,
) -> Result<(), StoreError> {
    let now = timestamp(OffsetDateTime::now_utc());
    let mut tx = crate::beds::begin_write(db).await?;
    let changed = sqlx::query(
        "UPDATE awareness_event SET fiscal_year = $1, held_on = $2, title = $3, kind = $4, audience = $5,
             participants = $6, partners = $7, materials = $8, status = $9, schedule_item = $10, updated_at = $11,
             revision = revision + 1
         WHERE id = $12 AND municipality_code = $13 AND revision = $14",
    )
    .bind(i64::from(fiscal_year_of(input.held_on).year()))
    .bind(input.held_on.to_string())
    .bind(&input.title)
    .bind(input.kind.code())
    .bind(&input.audience)
    .bind(input.participants)
    .bind(input.partners.join("\n"))
    .bind(input.materials.join("\n"))
    .bind(input.status.code())
    .bind(&input.schedule_item)
    .bind(&now)
    .bind(id)
    .bind(municipality)
    .bind(revision)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        let exists: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM awareness_event WHERE id = $1 AND municipality_code = $2")
                .bind(id)
                .bind(municipality)
                .fetch_one(&mut *tx)
                .await?;
        return Err(if exists == 0 {
            StoreError::NotFound(format!("awareness_event {id}"))
        } else {
            StoreError::StaleRevision(Record::Event)
        });
    }
    append_in(&mut tx, &audit.with_record("awareness_event", id.to_string()).with_detail(input.status.code())).await?;
    tx.commit().await?;
    Ok(())
}

/// One event of the municipality (`NotFound` for another municipality's).
pub async fn get(db: &Db, municipality: &str, id: i64) -> Result<Event, StoreError> {
    let row: Option<EventRow> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM awareness_event WHERE id = $1 AND municipality_code = $2"))
            .bind(id)
            .bind(municipality)
            .fetch_optional(&db.pool)
            .await?;
    row.ok_or_else(|| StoreError::NotFound(format!("awareness_event {id}")))?.into_event()
}

/// The events of a fiscal year, by day.
pub async fn list(db: &Db, municipality: &str, fy: FiscalYear) -> Result<Vec<Event>, StoreError> {
    let rows: Vec<EventRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM awareness_event WHERE municipality_code = $1 AND fiscal_year = $2 ORDER BY held_on, id"
    ))
    .bind(municipality)
    .bind(i64::from(fy.year()))
    .fetch_all(&db.pool)
    .await?;
    rows.into_iter().map(EventRow::into_event).collect()
}

/// Every event of the municipality, by day (the iCalendar feed).
pub async fn all(db: &Db, municipality: &str) -> Result<Vec<Event>, StoreError> {
    let rows: Vec<EventRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM awareness_event WHERE municipality_code = $1 ORDER BY held_on, id"
    ))
    .bind(municipality)
    .fetch_all(&db.pool)
    .await?;
    rows.into_iter().map(EventRow::into_event).collect()
}

/// A fiscal year's counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct YearCounts {
    /// The fiscal year.
    pub fiscal_year: i32,
    /// Events held.
    pub held: i64,
    /// Events still planned.
    pub planned: i64,
    /// Events cancelled.
    pub cancelled: i64,
    /// Participants of the events held (those with a count).
    pub participants: i64,
}

/// The counts of every fiscal year with events, newest first.
pub async fn counts_by_year(db: &Db, municipality: &str) -> Result<Vec<YearCounts>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct CountRow {
        fiscal_year: i64,
        status: String,
        events: i64,
        participants: Option<i64>,
    }
    let rows: Vec<CountRow> = sqlx::query_as(
        "SELECT fiscal_year, status, COUNT(*) AS events, SUM(participants) AS participants FROM awareness_event
         WHERE municipality_code = $1 GROUP BY fiscal_year, status ORDER BY fiscal_year DESC",
    )
    .bind(municipality)
    .fetch_all(&db.pool)
    .await?;
    let mut years: Vec<YearCounts> = Vec::new();
    for row in rows {
        let year = i32::try_from(row.fiscal_year).map_err(|_| columns::corrupt("awareness_event.fiscal_year"))?;
        if years.last().is_none_or(|c| c.fiscal_year != year) {
            years.push(YearCounts { fiscal_year: year, ..YearCounts::default() });
        }
        let Some(counts) = years.last_mut() else { continue };
        match HeldStatus::parse(&row.status) {
            Some(HeldStatus::Held) => {
                counts.held += row.events;
                counts.participants += row.participants.unwrap_or(0);
            }
            Some(HeldStatus::Planned) => counts.planned += row.events,
            Some(HeldStatus::Cancelled) => counts.cancelled += row.events,
            None => return Err(columns::corrupt("awareness_event.status")),
        }
    }
    Ok(years)
}
