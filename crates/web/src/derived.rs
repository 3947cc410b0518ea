//! Section-4 figures derived from case records, applied to a sheet when it is shown or exported.
//! The records counted are those of the fiscal year the section reports
//! (`nimo_domain::cases::outcomes_fiscal_year`); a figure with a recorded override keeps its
//! entered value, and the page shows the reason.

use nimo_domain::Sheet;
use nimo_domain::cases::{apply_derived, outcomes_fiscal_year};
use nimo_store::{Db, StoreError};

/// What was derived, for the note on the sheet page.
pub struct Derivation {
    /// The fiscal year of the records counted (和暦).
    pub records_fy: String,
    /// The records' first and last day.
    pub period: String,
    /// Whether any figure was derived.
    pub any: bool,
    /// Entered values kept over derived ones: (key, reason).
    pub overrides: Vec<(String, String)>,
}

/// Puts the derived section-4 counts into the sheet.
pub async fn apply(db: &Db, sheet: &mut Sheet) -> Result<Derivation, StoreError> {
    let code = sheet.municipality.code.as_str().to_string();
    let records_fy = outcomes_fiscal_year(sheet.fiscal_year);
    let counts = nimo_store::cases::figures::section4_counts(db, &code, records_fy).await?;
    let overrides = nimo_store::cases::figures::overrides(db, &code, sheet.fiscal_year).await?;
    let keys: Vec<String> = overrides.iter().map(|(k, _)| k.clone()).collect();
    let done = apply_derived(sheet, &counts, &keys);
    Ok(Derivation {
        records_fy: records_fy.wareki(),
        period: format!("{} 〜 {}", records_fy.first_day(), records_fy.last_day()),
        any: !done.is_empty(),
        overrides,
    })
}
