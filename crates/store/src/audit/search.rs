//! Finding audit rows (the admin page's search, the CLI's export) and writing them as CSV.

use super::{AuditRow, MAX_LIMIT, Outcome, ROW_COLUMNS, StoredRow, timestamp};
use crate::{Db, StoreError};
use nimo_domain::text::spreadsheet_cell;
use time::OffsetDateTime;

/// Which rows [`search`] returns. `Default` is the newest 100 of all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only this actor.
    pub actor: Option<String>,
    /// Only this action.
    pub action: Option<String>,
    /// Only records of this kind.
    pub record_type: Option<String>,
    /// Only this record.
    pub record_id: Option<String>,
    /// Only this outcome.
    pub outcome: Option<Outcome>,
    /// Only rows at or after this time.
    pub from: Option<OffsetDateTime>,
    /// Only rows before this time.
    pub to: Option<OffsetDateTime>,
    /// Only rows with a greater id (for paging through the whole log with `oldest_first`).
    pub after_id: Option<i64>,
    /// Only rows with a smaller id (for paging back through the log newest first, as the admin
    /// page does).
    pub before_id: Option<i64>,
    /// Oldest first (for exports) instead of newest first (for the admin page).
    pub oldest_first: bool,
    /// At most this many rows (capped at [`MAX_LIMIT`]).
    pub limit: i64,
    /// Skip this many rows first.
    pub offset: i64,
}

impl Default for AuditFilter {
    fn default() -> Self {
        Self {
            actor: None,
            action: None,
            record_type: None,
            record_id: None,
            outcome: None,
            from: None,
            to: None,
            after_id: None,
            before_id: None,
            oldest_first: false,
            limit: 100,
            offset: 0,
        }
    }
}

/// A bound value of a search condition.
enum Param {
    Text(String),
    Integer(i64),
}

/// The rows a filter selects. Only the conditions a filter sets appear in the statement, and
/// every value is bound, never spliced into the SQL.
pub async fn search(db: &Db, filter: &AuditFilter) -> Result<Vec<AuditRow>, StoreError> {
    let text = |column: &'static str, value: &Option<String>| value.clone().map(|v| (column, Param::Text(v)));
    let conditions: Vec<(&'static str, Param)> = [
        text("actor =", &filter.actor),
        text("action =", &filter.action),
        text("record_type =", &filter.record_type),
        text("record_id =", &filter.record_id),
        filter.outcome.map(|o| ("outcome =", Param::Text(o.as_str().into()))),
        filter.from.map(|t| ("at >=", Param::Text(timestamp(t)))),
        filter.to.map(|t| ("at <", Param::Text(timestamp(t)))),
        filter.after_id.map(|id| ("id >", Param::Integer(id))),
        filter.before_id.map(|id| ("id <", Param::Integer(id))),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut sql = format!("SELECT {ROW_COLUMNS} FROM audit_log WHERE 1 = 1");
    for (i, (condition, _)) in conditions.iter().enumerate() {
        sql.push_str(&format!(" AND {condition} ${}", i + 1));
    }
    let order = if filter.oldest_first { "ASC" } else { "DESC" };
    let n = conditions.len();
    sql.push_str(&format!(" ORDER BY id {order} LIMIT ${} OFFSET ${}", n + 1, n + 2));
    let mut query = sqlx::query_as::<_, StoredRow>(&sql);
    for (_, param) in conditions {
        query = match param {
            Param::Text(text) => query.bind(text),
            Param::Integer(number) => query.bind(number),
        };
    }
    let rows = query.bind(filter.limit.clamp(0, MAX_LIMIT)).bind(filter.offset.max(0)).fetch_all(&db.pool).await?;
    rows.into_iter().map(AuditRow::try_from).collect()
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The header of the CSV export.
pub const CSV_COLUMNS: [&str; 11] =
    ["id", "at", "actor", "origin", "action", "record_type", "record_id", "outcome", "detail", "prev_hash", "hash"];

/// The header of [`to_csv_labelled`]: [`CSV_COLUMNS`] with `action_label` after `action`.
pub const LABELLED_CSV_COLUMNS: [&str; 12] = [
    "id",
    "at",
    "actor",
    "origin",
    "action",
    "action_label",
    "record_type",
    "record_id",
    "outcome",
    "detail",
    "prev_hash",
    "hash",
];

/// Rows as CSV for spreadsheets: UTF-8 with BOM, the header [`CSV_COLUMNS`], one line per row.
pub fn to_csv(rows: &[AuditRow]) -> Vec<u8> {
    let mut bytes = csv_header();
    bytes.extend(csv_rows(rows));
    bytes
}

/// Rows as [`to_csv`] writes them with, after each action's code, what `label` calls it (the
/// web's download gives people the words, the code stays for searching); the header is
/// [`LABELLED_CSV_COLUMNS`].
pub fn to_csv_labelled(rows: &[AuditRow], label: impl Fn(&str) -> String) -> Vec<u8> {
    let header = LABELLED_CSV_COLUMNS.map(str::to_string).to_vec();
    let lines = rows.iter().map(|row| {
        let mut cells = cells_of(row);
        cells.insert(5, spreadsheet_cell(&label(&row.action)).into_owned());
        cells
    });
    write(BOM.to_vec(), std::iter::once(header).chain(lines))
}

/// Writes CSV records after `start` (the BOM, or nothing).
fn write(start: Vec<u8>, records: impl IntoIterator<Item = Vec<String>>) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(start);
    for record in records {
        writer.write_record(record).expect("writing to memory cannot fail");
    }
    writer.into_inner().expect("writing to memory cannot fail")
}

/// The cells of a row in the order of [`CSV_COLUMNS`], each safe for a spreadsheet.
fn cells_of(row: &AuditRow) -> Vec<String> {
    let id = row.id.to_string();
    let at = timestamp(row.at);
    let cells = [
        id.as_str(),
        &at,
        &row.actor,
        &row.origin,
        &row.action,
        row.record_type.as_deref().unwrap_or(""),
        row.record_id.as_deref().unwrap_or(""),
        &row.outcome,
        row.detail.as_deref().unwrap_or(""),
        &row.prev_hash,
        &row.hash,
    ];
    cells.map(|cell| spreadsheet_cell(cell).into_owned()).to_vec()
}

/// The BOM and header line of [`to_csv`], for an export written page by page.
pub fn csv_header() -> Vec<u8> {
    write(BOM.to_vec(), [CSV_COLUMNS.map(str::to_string).to_vec()])
}

/// The lines of [`to_csv`] without BOM and header, for an export written page by page. A cell
/// that a spreadsheet would take for a formula gets a leading `'`
/// ([`nimo_domain::text::spreadsheet_cell`]); the codes [`append`] accepts never start so,
/// except `-`.
pub fn csv_rows(rows: &[AuditRow]) -> Vec<u8> {
    write(Vec::new(), rows.iter().map(cells_of))
}
