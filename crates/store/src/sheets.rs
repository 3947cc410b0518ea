//! Saving and loading whole sheets. A save writes the sheet's rows and its audit row in one
//! transaction and bumps its revision; how it treats an existing sheet is the caller's
//! [`SaveMode`]. A load reads one consistent snapshot.
//!
//! Statements that may bind a NULL are not cached (`persistent(false)`): through the `Any`
//! driver PostgreSQL types a NULL parameter as int4 and a cached statement then refuses a
//! later float8 or text value in the same place ("incorrect binary data format").

mod read;
pub(crate) mod write;

use crate::audit::{AuditEvent, append_in};
use crate::{Db, StoreError};
use nimo_domain::{Figure, FiscalYear, MunicipalityCode, PartialDate, Sheet, Source, Value};

pub use read::load;

/// The sheet row's own columns, in the order a save binds them ($3…$19): the one list that
/// loading selects and saving inserts, replaces and updates.
pub(crate) const SHEET_COLUMNS: [&str; 17] = [
    "program_title",
    "slogan",
    "vision",
    "basic_as_of",
    "profile",
    "policy_plans",
    "policy_plans_date",
    "policy_goal",
    "policy_measures",
    "project_title",
    "project_text",
    "outcomes_period_label",
    "outcomes_target_basis",
    "outcomes_actual_basis",
    "strengths",
    "strengths_closing",
    "editorial_notes",
];

/// The sheet row's own columns (its texts), read and written by these names.
#[derive(sqlx::FromRow)]
pub(crate) struct SheetColumns {
    pub(crate) program_title: String,
    pub(crate) slogan: String,
    pub(crate) vision: String,
    pub(crate) basic_as_of: String,
    pub(crate) profile: String,
    pub(crate) policy_plans: String,
    /// May be NULL.
    pub(crate) policy_plans_date: Option<String>,
    pub(crate) policy_goal: String,
    pub(crate) policy_measures: String,
    pub(crate) project_title: String,
    pub(crate) project_text: String,
    pub(crate) outcomes_period_label: String,
    pub(crate) outcomes_target_basis: String,
    pub(crate) outcomes_actual_basis: String,
    pub(crate) strengths: String,
    pub(crate) strengths_closing: String,
    pub(crate) editorial_notes: String,
}

/// A sheet as stored, with its revision (for optimistic concurrency) and last change time.
#[derive(Debug, Clone)]
pub struct StoredSheet {
    /// The sheet itself.
    pub sheet: Sheet,
    /// Starts at 1 and grows by one with every save.
    pub revision: i64,
    /// When it was last saved (stored as RFC 3339, UTC).
    pub updated_at: time::OffsetDateTime,
}

/// How a save treats a sheet that already exists for the same municipality and fiscal year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveMode {
    /// Only a new sheet: an existing one is [`StoreError::SheetExists`] (create, copy, import).
    Create,
    /// Create or overwrite, whatever its revision (import with replace).
    Replace,
    /// Overwrite only if the stored sheet still has this revision (an edit form). The check and
    /// the write are one statement, so two concurrent saves of the same revision cannot both win.
    Update {
        /// The revision the editor started from.
        revision: i64,
    },
}

/// The audit record id of a sheet: `131105/2022`.
pub fn audit_id(code: &MunicipalityCode, fy: FiscalYear) -> String {
    format!("{code}/{}", fy.year())
}

/// Saves a whole sheet (creating its municipality if new) and returns its new revision. The
/// caller's `audit` event (actor, origin, action, detail) gets the record `sheet`/[`audit_id`] and
/// is appended in the same transaction: the sheet and its audit row commit together or not at all.
pub async fn save(db: &Db, sheet: &Sheet, mode: SaveMode, audit: AuditEvent) -> Result<i64, StoreError> {
    let mut tx = db.pool.begin().await?;
    let revision = write::save_in(&mut tx, sheet, mode).await?;
    append_in(&mut tx, &audit.with_record("sheet", audit_id(&sheet.municipality.code, sheet.fiscal_year))).await?;
    tx.commit().await?;
    Ok(revision)
}

/// Saves several new sheets in one transaction, each with its audit row (the `audit` event with
/// the sheet's record): all of them or none.
pub async fn save_all(db: &Db, sheets: &[Sheet], mode: SaveMode, audit: AuditEvent) -> Result<(), StoreError> {
    let mut tx = db.pool.begin().await?;
    for sheet in sheets {
        write::save_in(&mut tx, sheet, mode).await?;
        let record = audit_id(&sheet.municipality.code, sheet.fiscal_year);
        append_in(&mut tx, &audit.clone().with_record("sheet", record)).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Whether the database holds no sheet at all.
pub async fn is_empty(db: &Db) -> Result<bool, StoreError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sheet").fetch_one(&db.pool).await?;
    Ok(n == 0)
}

fn figure_columns(figure: &Figure) -> (&'static str, Option<f64>, &'static str) {
    let value = match figure.value {
        Value::YesNo(b) => Some(if b { 1.0 } else { 0.0 }),
        _ => figure.number(),
    };
    let source = match figure.source {
        Source::Entered => "entered",
        Source::Derived => "derived",
    };
    (figure.state_name(), value, source)
}

fn figure_from(state: &str, value: Option<f64>, source: &str) -> Result<Figure, StoreError> {
    let source = match source {
        "entered" => Source::Entered,
        "derived" => Source::Derived,
        other => return Err(StoreError::Corrupt(format!("figure source {other}"))),
    };
    Figure::from_parts(state, value, source).map_err(StoreError::Corrupt)
}

fn date_from(text: &str) -> Result<PartialDate, StoreError> {
    PartialDate::parse(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn json_list(list: &[String]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".into())
}

fn list_from(text: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("text list: {e}")))
}

/// A stored integer that must fit a smaller type, or `Corrupt`.
fn narrow<T: TryFrom<i64>>(value: i64, what: &str) -> Result<T, StoreError> {
    T::try_from(value).map_err(|_| StoreError::Corrupt(format!("{what} {value} is out of range")))
}

/// Whether the sheet's row exists, inside a transaction.
async fn exists_in(tx: &mut sqlx::Transaction<'static, sqlx::Any>, sheet: &Sheet) -> Result<bool, StoreError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sheet WHERE municipality_code = $1 AND fiscal_year = $2")
        .bind(sheet.municipality.code.as_str())
        .bind(i64::from(sheet.fiscal_year.year()))
        .fetch_one(&mut **tx)
        .await?;
    Ok(n > 0)
}
