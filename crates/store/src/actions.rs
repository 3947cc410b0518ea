//! 構築推進事業 actions (`pdca_action`, migration 0029): section 5's 今後の取組 of a sheet made the
//! municipality's tracked actions of the fiscal year, each with its owner (課/係), status
//! (未着手/実施中/完了/見送り), progress note, links to the year's meetings, 普及啓発 events and
//! action items, and its steps (every change of status or progress, with the day: what moved).
//!
//! [`from_sheet`] makes the actions of a sheet's section 5 once (the table's UNIQUE key on
//! municipality, year, menu code, marker and text: an action made before is left as it is);
//! [`update`] changes one at its revision; [`carry_over`] starts next year's from this year's
//! actions that are not 完了 (status, owner and progress kept, `carried_from` naming the earlier
//! one), once. Every write appends its audit row in its transaction. The links and the reading
//! of the year are in `actions/links.rs`.

mod links;

pub use links::{Link, LinkKind, Linkable, linkable};

use crate::audit::{AuditEvent, append_in, timestamp};
use crate::{Db, Record, StoreError, columns};
use nimo_domain::FiscalYear;
use nimo_domain::pdca::ActionStatus;
use nimo_domain::sheet::{Strengths, Tag};
use time::{Date, OffsetDateTime};

/// One step of an action: the day its status or progress changed, and what they became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The day (JST).
    pub on: Date,
    /// The status from that day.
    pub status: ActionStatus,
    /// The progress note from that day.
    pub progress: String,
}

/// A tracked action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackedAction {
    /// Id.
    pub id: i64,
    /// Its fiscal year.
    pub fiscal_year: FiscalYear,
    /// The 構築推進事業 menu code.
    pub menu_code: u32,
    /// ①, ② … or empty, as section 5 prints it.
    pub marker: String,
    /// What will be done.
    pub text: String,
    /// （新規） or （拡充）.
    pub tag: Option<Tag>,
    /// The 課/係 in charge.
    pub owner: String,
    /// Where it stands.
    pub status: ActionStatus,
    /// The progress note.
    pub progress: String,
    /// Last year's action it continues.
    pub carried_from: Option<i64>,
    /// The revision a form sends back.
    pub revision: i64,
    /// The meetings, events and action items it is linked to.
    pub links: Vec<Link>,
    /// Its steps, oldest first.
    pub steps: Vec<Step>,
}

impl TrackedAction {
    /// As section 5 prints it: ①地域関係機関に向けた普及啓発（新規）.
    pub fn display(&self) -> String {
        format!("{}{}{}", self.marker, self.text, self.tag.map(Tag::label).unwrap_or(""))
    }
}

/// What a form changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionChange {
    /// The 課/係 in charge.
    pub owner: String,
    /// Where it stands.
    pub status: ActionStatus,
    /// The progress note.
    pub progress: String,
    /// The linked records.
    pub links: Vec<(LinkKind, i64)>,
}

fn tag_code(tag: Option<Tag>) -> Option<&'static str> {
    tag.map(|t| match t {
        Tag::New => "new",
        Tag::Expanded => "expanded",
    })
}

async fn add_step(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    action: i64,
    on: Date,
    status: ActionStatus,
    progress: &str,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO pdca_action_step (action_id, changed_on, status, progress) VALUES ($1, $2, $3, $4)")
        .bind(action)
        .bind(on.to_string())
        .bind(status.code())
        .bind(progress)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Makes an action of every 今後の取組 of section 5 not made before for the municipality's year
/// (status 未着手, no owner yet), with one audit row (`action_from_sheet`, record
/// `municipality`/code, detail `fyYYYY:N` with the number made); how many were made.
pub async fn from_sheet(
    db: &Db,
    municipality: &str,
    fy: FiscalYear,
    strengths: &Strengths,
    today: Date,
    audit: AuditEvent,
) -> Result<usize, StoreError> {
    let now = timestamp(OffsetDateTime::now_utc());
    let mut tx = crate::beds::begin_write(db).await?;
    let mut made = 0;
    for item in &strengths.items {
        for action in &item.actions {
            let inserted: Option<i64> = sqlx::query_scalar(
                "INSERT INTO pdca_action (municipality_code, fiscal_year, menu_code, marker, text, tag, status,
                     created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, 'not_started', $7, $7)
                 ON CONFLICT (municipality_code, fiscal_year, menu_code, marker, text) DO NOTHING RETURNING id",
            )
            .bind(municipality)
            .bind(i64::from(fy.year()))
            .bind(i64::from(item.menu_code))
            .bind(action.marker.trim())
            .bind(action.text.trim())
            .bind(tag_code(action.tag))
            .bind(&now)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(id) = inserted {
                add_step(&mut tx, id, today, ActionStatus::NotStarted, "").await?;
                made += 1;
            }
        }
    }
    let detail = format!("fy{}:{made}", fy.year());
    append_in(&mut tx, &audit.with_record("municipality", municipality).with_detail(detail)).await?;
    tx.commit().await?;
    Ok(made)
}

/// Changes an action still at `revision` (a step when its status or progress changed; the links
/// replaced), with its audit row (`action_update`, record `pdca_action`/id, the status as
/// detail). `NotFound` for no action of the municipality, `StaleRevision` when somebody saved
/// first, `UnknownCode("link")` for a link to no record of the municipality's year.
pub async fn update(
    db: &Db,
    municipality: &str,
    id: i64,
    revision: i64,
    change: &ActionChange,
    today: Date,
    audit: AuditEvent,
) -> Result<(), StoreError> {
    let mut tx = crate::beds::begin_write(db).await?;
    let before: Option<(i64, String, String)> = sqlx::query_as(
        "SELECT fiscal_year, status, progress FROM pdca_action WHERE id = $1 AND municipality_code = $2",
    )
    .bind(id)
    .bind(municipality)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((year, status, progress)) = before else {
        return Err(StoreError::NotFound(format!("pdca_action {id}")));
    };
    let fy = i32::try_from(year)
        .ok()
        .and_then(FiscalYear::new)
        .ok_or_else(|| columns::corrupt("pdca_action.fiscal_year"))?;
    let changed = sqlx::query(
        "UPDATE pdca_action SET owner = $1, status = $2, progress = $3, updated_at = $4, revision = revision + 1
         WHERE id = $5 AND revision = $6",
    )
    .bind(change.owner.trim())
    .bind(change.status.code())
    .bind(change.progress.trim())
    .bind(timestamp(OffsetDateTime::now_utc()))
    .bind(id)
    .bind(revision)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(StoreError::StaleRevision(Record::Action));
    }
    if status != change.status.code() || progress != change.progress.trim() {
        add_step(&mut tx, id, today, change.status, change.progress.trim()).await?;
    }
    links::replace_in(&mut tx, municipality, fy, id, &change.links).await?;
    append_in(&mut tx, &audit.with_record("pdca_action", id.to_string()).with_detail(change.status.code())).await?;
    tx.commit().await?;
    Ok(())
}

/// An action of the year as carrying it over reads it: id, menu code, marker, text, tag, owner,
/// status, progress.
type OpenRow = (i64, i64, String, String, Option<String>, String, String, String);

/// Starts next year's actions from this year's that are not 完了, once (an action already
/// carried, or made from next year's sheet with the same item, marker and text, is left), with
/// one audit row (`action_carry_over`, record `municipality`/code, detail `fyYYYY:N`); how many.
pub async fn carry_over(
    db: &Db,
    municipality: &str,
    fy: FiscalYear,
    today: Date,
    audit: AuditEvent,
) -> Result<usize, StoreError> {
    let now = timestamp(OffsetDateTime::now_utc());
    let mut tx = crate::beds::begin_write(db).await?;
    let open: Vec<OpenRow> = sqlx::query_as(
        "SELECT id, menu_code, marker, text, tag, owner, status, progress FROM pdca_action
         WHERE municipality_code = $1 AND fiscal_year = $2 ORDER BY menu_code, id",
    )
    .bind(municipality)
    .bind(i64::from(fy.year()))
    .fetch_all(&mut *tx)
    .await?;
    let mut carried = 0;
    for (id, menu_code, marker, text, tag, owner, status_code, progress) in open {
        let status = ActionStatus::parse(&status_code).ok_or_else(|| columns::corrupt("pdca_action.status"))?;
        if !status.carries_over() {
            continue;
        }
        let inserted: Option<i64> = sqlx::query_scalar(
            "INSERT INTO pdca_action (municipality_code, fiscal_year, menu_code, marker, text, tag, owner, status,
                 progress, carried_from, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
             ON CONFLICT (municipality_code, fiscal_year, menu_code, marker, text) DO NOTHING RETURNING id",
        )
        .bind(municipality)
        .bind(i64::from(fy.next().year()))
        .bind(menu_code)
        .bind(&marker)
        .bind(&text)
        .bind(tag)
        .bind(&owner)
        .bind(status.code())
        .bind(&progress)
        .bind(id)
        .bind(&now)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(new_id) = inserted {
            add_step(&mut tx, new_id, today, status, &progress).await?;
            carried += 1;
        }
    }
    let detail = format!("fy{}:{carried}", fy.next().year());
    append_in(&mut tx, &audit.with_record("municipality", municipality).with_detail(detail)).await?;
    tx.commit().await?;
    Ok(carried)
}

/// One action of the municipality with its links and steps (`NotFound` for another's).
pub async fn get(db: &Db, municipality: &str, id: i64) -> Result<TrackedAction, StoreError> {
    let actions = links::read(db, municipality, "id = $2", id).await?;
    actions.into_iter().next().ok_or_else(|| StoreError::NotFound(format!("pdca_action {id}")))
}

/// The actions of a fiscal year by menu code and marker, with their links and steps.
pub async fn list(db: &Db, municipality: &str, fy: FiscalYear) -> Result<Vec<TrackedAction>, StoreError> {
    links::read(db, municipality, "fiscal_year = $2", i64::from(fy.year())).await
}
