//! The columns that hold sealed personal data, and `rotate`, which re-seals them under the
//! active key while the app keeps running.
//!
//! Every column whose name ends in `_sealed` holds `nimo_vault` sealed text whose associated data
//! is [`place`]`("table.column", id)`: the value opens only in the row and column it was sealed
//! for. [`ENCRYPTED_COLUMNS`] lists them all; a test checks that every `*_sealed` column in both
//! migration folders is listed, so a new one cannot be left out of rotation.

use crate::audit::{AuditEvent, append_in};
use crate::{Db, StoreError};
use nimo_vault::{Keyring, place};
use sqlx::Row;

/// A column of sealed values, addressed by its table's integer id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncryptedColumn {
    /// The table.
    pub table: &'static str,
    /// The column.
    pub column: &'static str,
}

impl EncryptedColumn {
    /// `table.column`, the prefix of the associated data.
    pub fn name(&self) -> String {
        format!("{}.{}", self.table, self.column)
    }

    /// The associated data of this column's value in row `id`.
    pub fn place(&self, id: i64) -> Vec<u8> {
        place(&self.name(), id)
    }

    /// Seals `text` for row `id` of this column under the active key.
    pub fn seal(&self, keyring: &Keyring, id: i64, text: &str) -> String {
        keyring.seal_str(text, &self.place(id))
    }

    /// Opens this column's value of row `id`.
    pub fn open(&self, keyring: &Keyring, id: i64, sealed: &str) -> Result<String, StoreError> {
        Ok(keyring.open_str(sealed, &self.place(id))?)
    }
}

/// The enrolled TOTP secret of an account.
pub const TOTP_SECRET: EncryptedColumn = EncryptedColumn { table: "app_user", column: "totp_secret_sealed" };
/// A TOTP secret being enrolled, not yet confirmed.
pub const TOTP_PENDING: EncryptedColumn = EncryptedColumn { table: "app_user", column: "totp_pending_sealed" };

/// A person's name in kana.
pub const PERSON_KANA: EncryptedColumn = EncryptedColumn { table: "person", column: "name_kana_sealed" };
/// A person's name in kanji.
pub const PERSON_KANJI: EncryptedColumn = EncryptedColumn { table: "person", column: "name_kanji_sealed" };
/// A person's birth date.
pub const PERSON_BIRTH_DATE: EncryptedColumn = EncryptedColumn { table: "person", column: "birth_date_sealed" };
/// A person's address details.
pub const PERSON_ADDRESS: EncryptedColumn = EncryptedColumn { table: "person", column: "address_sealed" };
/// A person's contacts.
pub const PERSON_CONTACT: EncryptedColumn = EncryptedColumn { table: "person", column: "contact_sealed" };
/// The circumstances of a 23条通報.
pub const REPORT_CIRCUMSTANCES: EncryptedColumn = EncryptedColumn { table: "report23", column: "circumstances_sealed" };
/// The note of a case event (reasons, findings, follow-up contacts).
pub const CASE_EVENT_NOTE: EncryptedColumn = EncryptedColumn { table: "case_event", column: "note_sealed" };
/// The note of a move of a legal clock's deadline.
pub const CLOCK_MOVE_NOTE: EncryptedColumn = EncryptedColumn { table: "clock_move", column: "note_sealed" };
/// The note of an outreach visit.
pub const VISIT_NOTE: EncryptedColumn = EncryptedColumn { table: "outreach_visit", column: "note_sealed" };
/// The contents of a 退院後支援計画.
pub const PLAN_CONTENTS: EncryptedColumn = EncryptedColumn { table: "discharge_plan", column: "contents_sealed" };
/// The contents of a 退院後支援計画 by section (JSON of `nimo_domain::plans::contents::PlanContents`).
pub const PLAN_CONTENTS_FORM: EncryptedColumn =
    EncryptedColumn { table: "discharge_plan", column: "contents_form_sealed" };
/// The note of a plan event (an extension's reason, remarks on consent, review or end).
pub const PLAN_EVENT_NOTE: EncryptedColumn = EncryptedColumn { table: "plan_event", column: "note_sealed" };
/// A 家族等's view on a plan, recorded beside the person's consent answer.
pub const PLAN_FAMILY_VIEW: EncryptedColumn = EncryptedColumn { table: "plan_event", column: "family_view_sealed" };
/// The minutes of a 支援会議.
pub const PLAN_MEETING_MINUTES: EncryptedColumn = EncryptedColumn { table: "plan_meeting", column: "minutes_sealed" };
/// The note of a 市町村長同意 request (the hospital's account of the person).
pub const CONSENT_NOTE: EncryptedColumn = EncryptedColumn { table: "mayor_consent", column: "note_sealed" };
/// The note of a 市町村長同意 event (checks, decision, visit).
pub const CONSENT_EVENT_NOTE: EncryptedColumn = EncryptedColumn { table: "mayor_consent_event", column: "note_sealed" };
/// The official who decided a 市町村長同意 (職名・氏名).
pub const CONSENT_OFFICIAL: EncryptedColumn =
    EncryptedColumn { table: "mayor_consent_event", column: "official_sealed" };

/// Every column holding sealed values. Rotation walks exactly these.
pub const ENCRYPTED_COLUMNS: &[EncryptedColumn] = &[
    TOTP_SECRET,
    TOTP_PENDING,
    PERSON_KANA,
    PERSON_KANJI,
    PERSON_BIRTH_DATE,
    PERSON_ADDRESS,
    PERSON_CONTACT,
    REPORT_CIRCUMSTANCES,
    CASE_EVENT_NOTE,
    CLOCK_MOVE_NOTE,
    VISIT_NOTE,
    PLAN_CONTENTS,
    PLAN_CONTENTS_FORM,
    PLAN_EVENT_NOTE,
    PLAN_FAMILY_VIEW,
    PLAN_MEETING_MINUTES,
    CONSENT_NOTE,
    CONSENT_EVENT_NOTE,
    CONSENT_OFFICIAL,
];

/// Rows per batch: each batch is one short transaction.
pub const ROTATION_BATCH: i64 = 500;

/// What rotation did to one column. Ids only, never values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnRotation {
    /// `table.column`.
    pub column: String,
    /// Values re-sealed under the active key.
    pub resealed: u64,
    /// Values already under the active key.
    pub current: u64,
    /// Values changed by someone else between read and write; the next run picks them up.
    pub raced: u64,
    /// Ids of rows whose value did not open (unknown key, tampered, or moved).
    pub failed: Vec<i64>,
}

/// Re-seals every stored value that is not under the keyring's active key, column by column in
/// batches of [`ROTATION_BATCH`] rows. Each write is `UPDATE … WHERE id = $id AND column = $old`,
/// so a user's concurrent edit wins and the app can keep serving throughout. A batch that
/// re-seals values commits with its audit row (`audit` with the record `column`/`table.column`
/// and the detail `resealed:N`).
pub async fn rotate(db: &Db, audit: AuditEvent) -> Result<Vec<ColumnRotation>, StoreError> {
    let keyring = db.keyring()?;
    let mut report = Vec::with_capacity(ENCRYPTED_COLUMNS.len());
    for column in ENCRYPTED_COLUMNS {
        report.push(rotate_column(db, keyring, column, &audit).await?);
    }
    Ok(report)
}

async fn rotate_column(
    db: &Db,
    keyring: &Keyring,
    column: &EncryptedColumn,
    audit: &AuditEvent,
) -> Result<ColumnRotation, StoreError> {
    let (table, col) = (column.table, column.column);
    let mut outcome = ColumnRotation { column: column.name(), resealed: 0, current: 0, raced: 0, failed: Vec::new() };
    let select = format!("SELECT id, {col} FROM {table} WHERE id > $1 AND {col} IS NOT NULL ORDER BY id LIMIT $2");
    let update = format!("UPDATE {table} SET {col} = $1 WHERE id = $2 AND {col} = $3");
    let mut last = 0_i64;
    loop {
        let rows = sqlx::query(&select).bind(last).bind(ROTATION_BATCH).fetch_all(&db.pool).await?;
        let Some(tail) = rows.last() else { break };
        last = tail.try_get("id")?;
        let mut tx = db.pool.begin().await?;
        let resealed_before = outcome.resealed;
        for row in &rows {
            let id: i64 = row.try_get("id")?;
            let sealed: String = row.try_get(col)?;
            if !keyring.needs_rotation(&sealed) {
                outcome.current += 1;
                continue;
            }
            match keyring.reseal(&sealed, &column.place(id)) {
                Ok(new) => {
                    let done = sqlx::query(&update).bind(&new).bind(id).bind(&sealed).execute(&mut *tx).await?;
                    if done.rows_affected() == 1 {
                        outcome.resealed += 1;
                    } else {
                        outcome.raced += 1;
                    }
                }
                Err(_) => outcome.failed.push(id),
            }
        }
        let resealed = outcome.resealed - resealed_before;
        if resealed > 0 {
            let event = audit.clone().with_record("column", column.name()).with_detail(format!("resealed:{resealed}"));
            append_in(&mut tx, &event).await?;
        }
        tx.commit().await?;
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::ENCRYPTED_COLUMNS;

    /// Every `*_sealed` column that a migration adds is one that rotation walks.
    #[test]
    fn every_sealed_column_is_registered() {
        for dir in ["sqlite", "postgres"] {
            let folder = format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR"));
            let mut found = Vec::new();
            for entry in std::fs::read_dir(&folder).expect("migrations folder") {
                let text = std::fs::read_to_string(entry.expect("entry").path()).expect("migration");
                for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                    if word.ends_with("_sealed") {
                        found.push(word.to_string());
                    }
                }
            }
            assert!(!found.is_empty(), "{dir}: no sealed columns found");
            for name in found {
                assert!(
                    ENCRYPTED_COLUMNS.iter().any(|c| c.column == name),
                    "{dir}: column {name} is sealed but missing from ENCRYPTED_COLUMNS"
                );
            }
        }
    }
}
