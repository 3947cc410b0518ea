//! Section 6 planned against what happened: the meetings (`council_meeting`, migration 0027) and
//! 普及啓発 events (`awareness_event`, 0029) of a fiscal year as [`Occurrence`]s, and [`apply`],
//! which fills every schedule row's `done` when a sheet is shown or exported (beside
//! `cases::figures::apply`; every way out of nimo calls both). The rule itself is the domain's
//! `pdca::fill_done`: held records of the row's month whose schedule item is the row's.

use crate::{Db, StoreError, columns};
use nimo_domain::pdca::{HeldStatus, Occurrence, fill_done};
use nimo_domain::sheet::{RecordKind, RecordRef};
use nimo_domain::{FiscalYear, Sheet};
use time::OffsetDateTime;

/// A meeting or event with when it last changed (the iCalendar feed's DTSTAMP).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dated {
    /// The occurrence.
    pub occurrence: Occurrence,
    /// When the record last changed.
    pub updated_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct OccurrenceRow {
    kind: String,
    id: i64,
    held_on: String,
    title: String,
    schedule_item: String,
    status: String,
    updated_at: String,
}

impl OccurrenceRow {
    fn into_dated(self) -> Result<Dated, StoreError> {
        let kind = RecordKind::parse(&self.kind).ok_or_else(|| columns::corrupt("occurrence.kind"))?;
        let table = if kind == RecordKind::Meeting { "council_meeting" } else { "awareness_event" };
        Ok(Dated {
            occurrence: Occurrence {
                record: RecordRef { kind, id: self.id },
                on: columns::date(&format!("{table}.held_on"), &self.held_on)?,
                title: self.title,
                schedule_item: self.schedule_item,
                status: HeldStatus::parse(&self.status).ok_or_else(|| columns::corrupt(&format!("{table}.status")))?,
            },
            updated_at: columns::instant(&format!("{table}.updated_at"), &self.updated_at)?,
        })
    }
}

const UNION: &str = "SELECT 'meeting' AS kind, id, held_on, title, schedule_item, status, updated_at, fiscal_year,
                            municipality_code FROM council_meeting
                     UNION ALL
                     SELECT 'event' AS kind, id, held_on, title, schedule_item, status, updated_at, fiscal_year,
                            municipality_code FROM awareness_event";

/// Every meeting and event of a municipality's fiscal year, by day.
pub async fn occurrences(db: &Db, municipality: &str, fy: FiscalYear) -> Result<Vec<Occurrence>, StoreError> {
    let rows: Vec<OccurrenceRow> = sqlx::query_as(&format!(
        "SELECT kind, id, held_on, title, schedule_item, status, updated_at FROM ({UNION}) AS o
         WHERE municipality_code = $1 AND fiscal_year = $2 ORDER BY held_on, kind, id"
    ))
    .bind(municipality)
    .bind(i64::from(fy.year()))
    .fetch_all(&db.pool)
    .await?;
    rows.into_iter().map(|row| row.into_dated().map(|d| d.occurrence)).collect()
}

/// Every meeting and event of a municipality, by day, with when each last changed.
pub async fn all_dated(db: &Db, municipality: &str) -> Result<Vec<Dated>, StoreError> {
    let rows: Vec<OccurrenceRow> = sqlx::query_as(&format!(
        "SELECT kind, id, held_on, title, schedule_item, status, updated_at FROM ({UNION}) AS o
         WHERE municipality_code = $1 ORDER BY held_on, kind, id"
    ))
    .bind(municipality)
    .fetch_all(&db.pool)
    .await?;
    rows.into_iter().map(OccurrenceRow::into_dated).collect()
}

/// Fills the `done` of every row of the sheet's section 6 from the records of its fiscal year;
/// how many rows are done.
pub async fn apply(db: &Db, sheet: &mut Sheet) -> Result<usize, StoreError> {
    let occurrences = occurrences(db, sheet.municipality.code.as_str(), sheet.fiscal_year).await?;
    fill_done(&mut sheet.schedule, &occurrences);
    Ok(sheet.schedule.iter().filter(|row| !row.done.is_empty()).count())
}
