//! Section-4 figures derived from case records, applied to a sheet when it is shown or exported
//! (`nimo_store::cases::figures::apply`), with what the sheet page says about them; and section
//! 6's rows filled with the meetings and events that fulfil them (`nimo_store::schedule::apply`).

use nimo_domain::Sheet;
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

/// Puts the derived section-4 counts into the sheet, and what fulfilled each schedule row.
pub async fn apply(db: &Db, sheet: &mut Sheet) -> Result<Derivation, StoreError> {
    nimo_store::schedule::apply(db, sheet).await?;
    let done = nimo_store::cases::figures::apply(db, sheet).await?;
    let fy = done.records_fy;
    Ok(Derivation {
        records_fy: fy.wareki(),
        period: format!("{} 〜 {}", fy.first_day(), fy.last_day()),
        any: !done.derived.is_empty(),
        overrides: done.overrides,
    })
}
