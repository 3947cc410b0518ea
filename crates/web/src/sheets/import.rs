//! Importing a whole sheet file (JSON or XLSX): parse, validate against the menu of its fiscal
//! year, then save in one transaction. Shared by the web upload and `nimo sheet import`.

use nimo_domain::Sheet;
use nimo_store::audit::AuditEvent;
use nimo_store::sheets::SaveMode;
use nimo_store::{Db, StoreError, menu, sheets};

/// Why an import did not happen. Nothing was changed in either case.
#[derive(Debug)]
pub enum ImportFailure {
    /// The file is not acceptable: every problem, in Japanese, with its place in the file.
    Refused(Vec<String>),
    /// The database failed.
    Store(StoreError),
}

impl std::fmt::Display for ImportFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImportFailure::Refused(errors) => write!(f, "{}", errors.join("\n")),
            ImportFailure::Store(e) => write!(f, "{e}"),
        }
    }
}

/// Which format a file is, by its name or, failing that, its first bytes.
pub(crate) fn is_xlsx(bytes: &[u8], file_name: &str) -> bool {
    let lower = file_name.to_lowercase();
    lower.ends_with(".xlsx") || (!lower.ends_with(".json") && bytes.starts_with(b"PK"))
}

/// The detail of an import's audit row: the format, and whether it replaced a sheet
/// (`json`, `xlsx`, `json_replace`, `xlsx_replace`).
pub fn audit_detail(bytes: &[u8], file_name: &str, replace: bool) -> String {
    let format = if is_xlsx(bytes, file_name) { "xlsx" } else { "json" };
    if replace { format!("{format}_replace") } else { format.to_string() }
}

/// Parses and validates a sheet file without saving it.
pub async fn parse_sheet(db: &Db, bytes: &[u8], file_name: &str) -> Result<Sheet, ImportFailure> {
    let parsed = if is_xlsx(bytes, file_name) {
        let owned = bytes.to_vec();
        tokio::task::spawn_blocking(move || nimo_exchange::from_xlsx(&owned))
            .await
            .map_err(|e| ImportFailure::Refused(vec![format!("XLSX を読み取れません: {e}")]))?
    } else {
        nimo_exchange::from_json(bytes)
    };
    let sheet = parsed.map_err(|e| ImportFailure::Refused(vec![e.to_string()]))?;
    let menu = menu::for_fiscal_year(db, sheet.fiscal_year).await.map_err(ImportFailure::Store)?;
    nimo_domain::validate::validate(&sheet, &menu).map_err(|errors| {
        ImportFailure::Refused(errors.0.into_iter().map(|e| format!("{}: {}", e.path, e.message)).collect())
    })?;
    Ok(sheet)
}

/// Imports a sheet file. An existing sheet of the same municipality and year is replaced only
/// with `replace`. The `audit` event (actor, origin, action) gets the [`audit_detail`] and is
/// appended with the sheet, in its transaction.
pub async fn import_sheet(
    db: &Db,
    bytes: &[u8],
    file_name: &str,
    replace: bool,
    audit: AuditEvent,
) -> Result<Sheet, ImportFailure> {
    let sheet = parse_sheet(db, bytes, file_name).await?;
    save_sheet(db, sheet, replace, audit.with_detail(audit_detail(bytes, file_name, replace))).await
}

/// Saves a parsed and validated sheet with its audit row (`audit`, to which the store adds the
/// sheet's record) in one transaction; an existing one is replaced only with `replace`.
pub async fn save_sheet(db: &Db, sheet: Sheet, replace: bool, audit: AuditEvent) -> Result<Sheet, ImportFailure> {
    let mode = if replace { SaveMode::Replace } else { SaveMode::Create };
    match sheets::save(db, &sheet, mode, audit).await {
        Ok(_) => Ok(sheet),
        Err(StoreError::SheetExists { fiscal_year, .. }) => Err(ImportFailure::Refused(vec![format!(
            "{} {}。置き換える場合は「既存のシートを置き換える」を選んでください（CLI では --replace）",
            sheet.municipality.name,
            crate::error::sheet_exists_message(fiscal_year)
        )])),
        Err(other) => Err(ImportFailure::Store(other)),
    }
}
