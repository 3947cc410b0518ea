//! Meetings of a body: planned, held or cancelled, in person, online or 書面開催, numbered 第n回
//! per body and fiscal year (the fiscal year of the day it is held; a move to another year or
//! body takes the next number there), with agenda, minutes, the members present, the decisions
//! in order and the schedule item (section 6's 実施する項目) it fulfils. Every change after the
//! first save carries the revision it was made from (`UPDATE … WHERE revision = $n`).

use super::actions::{self, ActionItem};
use super::{Body, check_text};
use crate::audit::{AuditEvent, append_in, timestamp};
use crate::cases::check_date;
use crate::{Db, Record, StoreError, columns};
use nimo_domain::FiscalYear;
use nimo_domain::council::{self, HeldMeeting, MeetingFormat, MeetingStatus};
use sqlx::Row;
use time::OffsetDateTime;

/// A meeting as lists show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meeting {
    /// Id.
    pub id: i64,
    /// The body that meets.
    pub body_id: i64,
    /// The body's name.
    pub body_name: String,
    /// The fiscal year (of `held_on`).
    pub fiscal_year: FiscalYear,
    /// 第n回 in the body's fiscal year.
    pub seq: i64,
    /// Its title.
    pub title: String,
    /// The day it is (or was) held; for 書面開催, the day answers were due.
    pub held_on: time::Date,
    /// How.
    pub format: MeetingFormat,
    /// Where it stands.
    pub status: MeetingStatus,
    /// The row of section 6 it fulfils (実施する項目), empty when none.
    pub schedule_item: String,
    /// The revision a change must name.
    pub revision: i64,
}

/// A meeting with everything recorded about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingDetail {
    /// The meeting.
    pub meeting: Meeting,
    /// Where.
    pub place: String,
    /// The agenda.
    pub agenda: String,
    /// The minutes.
    pub minutes: String,
    /// The decisions in order.
    pub decisions: Vec<String>,
    /// The members of the body present (ids).
    pub present: Vec<i64>,
    /// The action items that came from it.
    pub actions: Vec<ActionItem>,
}

/// A meeting as a form gives it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MeetingInput {
    /// The body.
    pub body_id: i64,
    /// Title; empty for 令和n年度第m回{body}.
    pub title: String,
    /// `YYYY-MM-DD`.
    pub held_on: String,
    /// The format's code.
    pub format: String,
    /// The status's code.
    pub status: String,
    /// Where.
    pub place: String,
    /// Agenda.
    pub agenda: String,
    /// Minutes.
    pub minutes: String,
    /// The decisions in order (empty lines are dropped).
    pub decisions: Vec<String>,
    /// The members present (each a member of the body).
    pub present: Vec<i64>,
    /// The schedule item it fulfils.
    pub schedule_item: String,
}

const MEETING_COLUMNS: &str = "m.id, m.body_id, b.name AS body_name, m.fiscal_year, m.seq, m.title, m.held_on,
     m.format, m.status, m.schedule_item, m.revision";

fn meeting_from(row: &sqlx::any::AnyRow) -> Result<Meeting, StoreError> {
    let format: String = row.try_get("format")?;
    let status: String = row.try_get("status")?;
    let fiscal_year: i64 = row.try_get("fiscal_year")?;
    Ok(Meeting {
        id: row.try_get("id")?,
        body_id: row.try_get("body_id")?,
        body_name: row.try_get("body_name")?,
        fiscal_year: FiscalYear(
            i32::try_from(fiscal_year).map_err(|_| columns::corrupt("council_meeting.fiscal_year"))?,
        ),
        seq: row.try_get("seq")?,
        title: row.try_get("title")?,
        held_on: columns::date("council_meeting.held_on", &row.try_get::<String, _>("held_on")?)?,
        format: MeetingFormat::parse(&format).ok_or_else(|| columns::corrupt("council_meeting.format"))?,
        status: MeetingStatus::parse(&status).ok_or_else(|| columns::corrupt("council_meeting.status"))?,
        schedule_item: row.try_get("schedule_item")?,
        revision: row.try_get("revision")?,
    })
}

/// The meetings of a municipality, of one fiscal year or all, by date.
pub async fn list(db: &Db, municipality: &str, fiscal_year: Option<FiscalYear>) -> Result<Vec<Meeting>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {MEETING_COLUMNS} FROM council_meeting m JOIN council_body b ON b.id = m.body_id
         WHERE m.municipality_code = $1 AND ($2 = 0 OR m.fiscal_year = $2) ORDER BY m.held_on, m.id"
    ))
    .bind(municipality)
    .bind(fiscal_year.map_or(0, |fy| i64::from(fy.year())))
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(meeting_from).collect()
}

/// The held meetings of the fiscal years up to `up_to` (書面開催 included), by date: what
/// section 3 is proposed from.
pub async fn held_up_to(db: &Db, municipality: &str, up_to: FiscalYear) -> Result<Vec<HeldMeeting>, StoreError> {
    Ok(list(db, municipality, None)
        .await?
        .into_iter()
        .filter(|m| m.status == MeetingStatus::Held && m.fiscal_year <= up_to)
        .map(|m| HeldMeeting { id: m.id, held_on: m.held_on, title: m.title, format: m.format })
        .collect())
}

/// One meeting of the municipality with its decisions, attendance and action items.
pub async fn load(db: &Db, municipality: &str, id: i64) -> Result<MeetingDetail, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {MEETING_COLUMNS}, m.place, m.agenda, m.minutes FROM council_meeting m
         JOIN council_body b ON b.id = m.body_id WHERE m.id = $1 AND m.municipality_code = $2"
    ))
    .bind(id)
    .bind(municipality)
    .fetch_optional(&db.pool)
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("meeting {id}")))?;
    let meeting = meeting_from(&row)?;
    let decisions = sqlx::query("SELECT text FROM meeting_decision WHERE meeting_id = $1 ORDER BY position")
        .bind(id)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| Ok(r.try_get("text")?))
        .collect::<Result<Vec<String>, StoreError>>()?;
    let present = sqlx::query(
        "SELECT member_id FROM meeting_attendance WHERE meeting_id = $1 AND present = 1 ORDER BY member_id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| Ok(r.try_get("member_id")?))
    .collect::<Result<Vec<i64>, StoreError>>()?;
    let actions = actions::of_meeting(db, municipality, id).await?;
    Ok(MeetingDetail {
        place: row.try_get("place")?,
        agenda: row.try_get("agenda")?,
        minutes: row.try_get("minutes")?,
        meeting,
        decisions,
        present,
        actions,
    })
}

/// A meeting input checked: every text within its limit, codes on their lists, the date a day.
struct Checked {
    title: String,
    held_on: time::Date,
    format: MeetingFormat,
    status: MeetingStatus,
    place: String,
    agenda: String,
    minutes: String,
    decisions: Vec<String>,
    schedule_item: String,
}

fn check(input: &MeetingInput) -> Result<Checked, StoreError> {
    let rules = council::MEETING_TEXTS;
    let decisions: Vec<String> =
        input.decisions.iter().map(|d| d.trim().to_string()).filter(|d| !d.is_empty()).collect();
    if !council::text_problems(rules, "decisions", &decisions.join("\n")).is_empty()
        || decisions.iter().any(|d| d.contains('\n'))
    {
        return Err(StoreError::InvalidText("decisions"));
    }
    let title = check_text(rules, "title", &input.title)?;
    Ok(Checked {
        held_on: check_date("held_on", input.held_on.trim())?,
        format: MeetingFormat::parse(input.format.trim()).ok_or(StoreError::UnknownCode("format"))?,
        status: MeetingStatus::parse(input.status.trim()).ok_or(StoreError::UnknownCode("status"))?,
        place: check_text(rules, "place", &input.place)?,
        agenda: check_text(rules, "agenda", &input.agenda)?,
        minutes: check_text(rules, "minutes", &input.minutes)?,
        schedule_item: check_text(rules, "schedule_item", &input.schedule_item)?,
        title,
        decisions,
    })
}

/// The body a meeting is of, locked for the rest of the transaction (numbering takes the next
/// 第n回 under it): `FOR UPDATE` on PostgreSQL; SQLite's `BEGIN IMMEDIATE` holds the write lock.
async fn body_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    backend: crate::Backend,
    municipality: &str,
    id: i64,
) -> Result<Body, StoreError> {
    let lock = if backend == crate::Backend::Postgres { " FOR UPDATE" } else { "" };
    let row = sqlx::query(&format!(
        "SELECT id, name, kind, parent_id, active FROM council_body WHERE id = $1 AND municipality_code = $2{lock}"
    ))
    .bind(id)
    .bind(municipality)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StoreError::UnknownCode("body_id"))?;
    super::body_from(&row)
}

async fn next_seq(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    body_id: i64,
    fy: FiscalYear,
) -> Result<i64, StoreError> {
    let max: Option<i64> =
        sqlx::query_scalar("SELECT MAX(seq) FROM council_meeting WHERE body_id = $1 AND fiscal_year = $2")
            .bind(body_id)
            .bind(i64::from(fy.year()))
            .fetch_one(&mut **tx)
            .await?;
    Ok(max.unwrap_or(0) + 1)
}

/// Replaces the decisions and attendance of a meeting; every member present must be the body's.
async fn replace_children(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id: i64,
    body_id: i64,
    decisions: &[String],
    present: &[i64],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM meeting_attendance WHERE meeting_id = $1").bind(id).execute(&mut **tx).await?;
    for member in present {
        let found = sqlx::query("SELECT id FROM council_member WHERE id = $1 AND body_id = $2")
            .bind(member)
            .bind(body_id)
            .fetch_optional(&mut **tx)
            .await?;
        if found.is_none() {
            return Err(StoreError::UnknownCode("present"));
        }
        sqlx::query("INSERT INTO meeting_attendance (meeting_id, member_id, present) VALUES ($1, $2, 1)")
            .bind(id)
            .bind(member)
            .execute(&mut **tx)
            .await?;
    }
    // Decisions keep their ids where their position stays (an action item may name one).
    let count = i64::try_from(decisions.len()).unwrap_or(i64::MAX);
    sqlx::query(
        "UPDATE action_item SET decision_id = NULL WHERE decision_id IN
         (SELECT id FROM meeting_decision WHERE meeting_id = $1 AND position >= $2)",
    )
    .bind(id)
    .bind(count)
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM meeting_decision WHERE meeting_id = $1 AND position >= $2")
        .bind(id)
        .bind(count)
        .execute(&mut **tx)
        .await?;
    for (position, text) in decisions.iter().enumerate() {
        let position = i64::try_from(position).unwrap_or(i64::MAX);
        let updated = sqlx::query("UPDATE meeting_decision SET text = $1 WHERE meeting_id = $2 AND position = $3")
            .bind(text)
            .bind(id)
            .bind(position)
            .execute(&mut **tx)
            .await?;
        if updated.rows_affected() == 0 {
            sqlx::query("INSERT INTO meeting_decision (meeting_id, position, text) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(position)
                .bind(text)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

/// Records a meeting with the next 第n回 of its body's fiscal year; returns its id. One
/// transaction with the audit row; a refused input changes nothing.
pub async fn create(db: &Db, municipality: &str, input: &MeetingInput, audit: AuditEvent) -> Result<i64, StoreError> {
    let c = check(input)?;
    let fy = council::fiscal_year_of(c.held_on);
    let mut tx = crate::beds::begin_write(db).await?;
    let body = body_in(&mut tx, db.backend, municipality, input.body_id).await?;
    let seq = next_seq(&mut tx, body.id, fy).await?;
    let title = if c.title.is_empty() { council::default_title(fy, seq, &body.name) } else { c.title.clone() };
    let now = timestamp(OffsetDateTime::now_utc());
    let row = sqlx::query(
        "INSERT INTO council_meeting (municipality_code, body_id, fiscal_year, seq, title, held_on, format, status,
             place, agenda, minutes, schedule_item, revision, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1, $13, $13) RETURNING id",
    )
    .bind(municipality)
    .bind(body.id)
    .bind(i64::from(fy.year()))
    .bind(seq)
    .bind(&title)
    .bind(c.held_on.to_string())
    .bind(c.format.code())
    .bind(c.status.code())
    .bind(&c.place)
    .bind(&c.agenda)
    .bind(&c.minutes)
    .bind(&c.schedule_item)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    replace_children(&mut tx, id, body.id, &c.decisions, &input.present).await?;
    append_in(&mut tx, &audit.with_record("council_meeting", id.to_string()).with_detail("create")).await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes a meeting made from `revision`; returns the next revision. A stale revision is
/// `StaleRevision(Meeting)` and changes nothing; a move to another body or fiscal year takes
/// the next number there.
pub async fn update(
    db: &Db,
    municipality: &str,
    id: i64,
    revision: i64,
    input: &MeetingInput,
    audit: AuditEvent,
) -> Result<i64, StoreError> {
    let c = check(input)?;
    let fy = council::fiscal_year_of(c.held_on);
    let mut tx = crate::beds::begin_write(db).await?;
    let body = body_in(&mut tx, db.backend, municipality, input.body_id).await?;
    let current =
        sqlx::query("SELECT body_id, fiscal_year, seq FROM council_meeting WHERE id = $1 AND municipality_code = $2")
            .bind(id)
            .bind(municipality)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("meeting {id}")))?;
    let same_place = current.try_get::<i64, _>("body_id")? == body.id
        && current.try_get::<i64, _>("fiscal_year")? == i64::from(fy.year());
    let seq = if same_place { current.try_get("seq")? } else { next_seq(&mut tx, body.id, fy).await? };
    let title = if c.title.is_empty() { council::default_title(fy, seq, &body.name) } else { c.title.clone() };
    let done = sqlx::query(
        "UPDATE council_meeting SET body_id = $1, fiscal_year = $2, seq = $3, title = $4, held_on = $5, format = $6,
             status = $7, place = $8, agenda = $9, minutes = $10, schedule_item = $11, revision = revision + 1,
             updated_at = $12
         WHERE id = $13 AND municipality_code = $14 AND revision = $15",
    )
    .bind(body.id)
    .bind(i64::from(fy.year()))
    .bind(seq)
    .bind(&title)
    .bind(c.held_on.to_string())
    .bind(c.format.code())
    .bind(c.status.code())
    .bind(&c.place)
    .bind(&c.agenda)
    .bind(&c.minutes)
    .bind(&c.schedule_item)
    .bind(timestamp(OffsetDateTime::now_utc()))
    .bind(id)
    .bind(municipality)
    .bind(revision)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::StaleRevision(Record::Meeting));
    }
    replace_children(&mut tx, id, body.id, &c.decisions, &input.present).await?;
    append_in(&mut tx, &audit.with_record("council_meeting", id.to_string()).with_detail("update")).await?;
    tx.commit().await?;
    Ok(revision + 1)
}
