//! Section-4 figures derived from case records and meetings and section 1's counts from the
//! resource directory, applied to a sheet when it is shown or exported
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
    /// Section 1's keys counted from the resource directory.
    pub directory: Vec<&'static str>,
    /// The day the directory was last changed (「2026年12月7日」), empty when nothing was counted.
    pub directory_as_of: String,
}

impl Derivation {
    /// Whether section 1's figure of this key was counted from the directory.
    pub fn counted_in_directory(&self, key: &str) -> bool {
        self.directory.contains(&key)
    }
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
        directory_as_of: done
            .directory
            .as_of
            .map(|d| format!("{}年{}月{}日", d.year(), u8::from(d.month()), d.day()))
            .unwrap_or_default(),
        directory: done.directory.derived,
    })
}
