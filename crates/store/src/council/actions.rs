//! Action items: what a meeting (or the 事務局) decided somebody does, with an owner (an
//! organisation or role, not a private person), a due date, a status (open, in progress, done,
//! dropped) and the 構築推進事業 menu code of the year it serves. Changes name the revision they
//! were made from.

use super::check_text;
use crate::audit::{AuditEvent, append_in, timestamp};
use crate::cases::check_date;
use crate::{Db, Record, StoreError, columns};
use nimo_domain::council::{self, ActionStatus};
use nimo_domain::{FiscalYear, ProgramMenu};
use sqlx::Row;
use time::OffsetDateTime;

/// An action item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionItem {
    /// Id.
    pub id: i64,
    /// The meeting it came from, if any.
    pub meeting_id: Option<i64>,
    /// What is to be done.
    pub title: String,
    /// Who does it (an organisation or role).
    pub owner: String,
    /// By when, if set (`YYYY-MM-DD`).
    pub due_on: Option<String>,
    /// Where it stands.
    pub status: ActionStatus,
    /// The 構築推進事業 menu code it serves, if any.
    pub menu_code: Option<i64>,
    /// The revision a change must name.
    pub revision: i64,
}

impl ActionItem {
    /// Whether it is still open after its due date (`today` as `YYYY-MM-DD`).
    pub fn overdue(&self, today: &str) -> bool {
        self.status.is_open() && self.due_on.as_deref().is_some_and(|due| due < today)
    }
}

/// An action item as a form gives it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ActionInput {
    /// What is to be done.
    pub title: String,
    /// Who does it.
    pub owner: String,
    /// `YYYY-MM-DD` or empty.
    pub due_on: String,
    /// The status's code.
    pub status: String,
    /// The menu code as typed (empty for none).
    pub menu_code: String,
}

const COLUMNS: &str = "id, meeting_id, title, owner, due_on, status, menu_code, revision";

fn item_from(row: &sqlx::any::AnyRow) -> Result<ActionItem, StoreError> {
    let status: String = row.try_get("status")?;
    Ok(ActionItem {
        id: row.try_get("id")?,
        meeting_id: row.try_get("meeting_id")?,
        title: row.try_get("title")?,
        owner: row.try_get("owner")?,
        due_on: row.try_get("due_on")?,
        status: ActionStatus::parse(&status).ok_or_else(|| columns::corrupt("action_item.status"))?,
        menu_code: row.try_get("menu_code")?,
        revision: row.try_get("revision")?,
    })
}

/// The action items of a municipality, with a status or all, due first (undated last).
pub async fn list(db: &Db, municipality: &str, status: Option<ActionStatus>) -> Result<Vec<ActionItem>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM action_item WHERE municipality_code = $1 AND ($2 = '' OR status = $2)
         ORDER BY CASE WHEN due_on IS NULL THEN 1 ELSE 0 END, due_on, id"
    ))
    .bind(municipality)
    .bind(status.map_or("", |s| s.code()))
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(item_from).collect()
}

/// The action items of one meeting, in the order they were added.
pub async fn of_meeting(db: &Db, municipality: &str, meeting: i64) -> Result<Vec<ActionItem>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM action_item WHERE municipality_code = $1 AND meeting_id = $2 ORDER BY id"
    ))
    .bind(municipality)
    .bind(meeting)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(item_from).collect()
}

/// An input checked: texts within limits, the date a day, the menu code on the menu of the
/// fiscal year the item is due in (the meeting's year when it has no due date).
struct Checked {
    title: String,
    owner: String,
    due_on: Option<String>,
    status: ActionStatus,
    menu_code: Option<i64>,
}

async fn check(db: &Db, input: &ActionInput, year: FiscalYear) -> Result<Checked, StoreError> {
    let rules = council::ACTION_TEXTS;
    let title = check_text(rules, "title", &input.title)?;
    let owner = check_text(rules, "owner", &input.owner)?;
    let due = input.due_on.trim();
    let due_on = if due.is_empty() { None } else { Some(check_date("due_on", due)?) };
    let status = ActionStatus::parse(input.status.trim()).ok_or(StoreError::UnknownCode("status"))?;
    let code = input.menu_code.trim();
    let menu_code = if code.is_empty() {
        None
    } else {
        let fy = due_on.map_or(year, council::fiscal_year_of);
        let menu: ProgramMenu = crate::menu::for_fiscal_year(db, fy).await?;
        let code = code.parse::<u32>().ok().filter(|c| menu.label(*c).is_some());
        Some(i64::from(code.ok_or(StoreError::UnknownCode("menu_code"))?))
    };
    Ok(Checked { title, owner, due_on: due_on.map(|d| d.to_string()), status, menu_code })
}

/// Adds an action item to a meeting of the municipality; returns its id.
pub async fn add(
    db: &Db,
    municipality: &str,
    meeting: i64,
    input: &ActionInput,
    audit: AuditEvent,
) -> Result<i64, StoreError> {
    let year: i64 =
        sqlx::query_scalar("SELECT fiscal_year FROM council_meeting WHERE id = $1 AND municipality_code = $2")
            .bind(meeting)
            .bind(municipality)
            .fetch_optional(&db.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("meeting {meeting}")))?;
    let c = check(db, input, FiscalYear(i32::try_from(year).unwrap_or(0))).await?;
    let now = timestamp(OffsetDateTime::now_utc());
    let mut tx = db.pool.begin().await?;
    let row = sqlx::query(
        "INSERT INTO action_item (municipality_code, meeting_id, title, owner, due_on, status, menu_code, revision,
             created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8) RETURNING id",
    )
    .bind(municipality)
    .bind(meeting)
    .bind(&c.title)
    .bind(&c.owner)
    .bind(&c.due_on)
    .bind(c.status.code())
    .bind(c.menu_code)
    .bind(&now)
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    append_in(&mut tx, &audit.with_record("action_item", id.to_string()).with_detail("create")).await?;
    tx.commit().await?;
    Ok(id)
}

/// The action item of the municipality with this id.
pub async fn get(db: &Db, municipality: &str, id: i64) -> Result<ActionItem, StoreError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM action_item WHERE id = $1 AND municipality_code = $2"))
        .bind(id)
        .bind(municipality)
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("action item {id}")))?;
    item_from(&row)
}

/// Changes an action item made from `revision`; returns the next revision. A stale revision
/// is `StaleRevision(ActionItem)` and changes nothing.
pub async fn update(
    db: &Db,
    municipality: &str,
    id: i64,
    revision: i64,
    input: &ActionInput,
    audit: AuditEvent,
) -> Result<i64, StoreError> {
    let year: Option<i64> = sqlx::query_scalar(
        "SELECT m.fiscal_year FROM action_item a LEFT JOIN council_meeting m ON m.id = a.meeting_id
         WHERE a.id = $1 AND a.municipality_code = $2",
    )
    .bind(id)
    .bind(municipality)
    .fetch_optional(&db.pool)
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("action item {id}")))?;
    let year = year.map_or(FiscalYear(0), |y| FiscalYear(i32::try_from(y).unwrap_or(0)));
    let c = check(db, input, year).await?;
    let mut tx = db.pool.begin().await?;
    let done = sqlx::query(
        "UPDATE action_item SET title = $1, owner = $2, due_on = $3, status = $4, menu_code = $5,
             revision = revision + 1, updated_at = $6
         WHERE id = $7 AND municipality_code = $8 AND revision = $9",
    )
    .bind(&c.title)
    .bind(&c.owner)
    .bind(&c.due_on)
    .bind(c.status.code())
    .bind(c.menu_code)
    .bind(timestamp(OffsetDateTime::now_utc()))
    .bind(id)
    .bind(municipality)
    .bind(revision)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::StaleRevision(Record::ActionItem));
    }
    append_in(
        &mut tx,
        &audit.with_record("action_item", id.to_string()).with_detail(format!("status:{}", c.status.code())),
    )
    .await?;
    tx.commit().await?;
    Ok(revision + 1)
}
