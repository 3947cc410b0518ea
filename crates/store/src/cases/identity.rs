//! Who a case is about, after intake: a report taken in with the person unknown (本人不明) is tied
//! to a known person or to a new one once staff learn who it was.

use super::insert_event;
use crate::audit::{AuditEvent, append_in};
use crate::people::{self, NewPerson};
use crate::{Db, Record, StoreError};

/// The person a case turns out to be about.
#[derive(Debug, Clone)]
pub enum Identity {
    /// A person already recorded (of the case's municipality, not merged away).
    Known(i64),
    /// Someone new, registered in the same transaction.
    New(NewPerson),
}

/// Ties a case whose person is unknown to a person, if the case is still at `revision` and still
/// without a person (otherwise `StaleRevision`). One transaction: the person (when new), the case, an
/// `identify` event on the case's record of steps, and the audit row (`write`, `case:ID`,
/// detail `identify`). Returns the person's id.
pub async fn identify(
    db: &Db,
    case_id: i64,
    revision: i64,
    identity: &Identity,
    occurred_on: &str,
    actor: i64,
    audit: AuditEvent,
) -> Result<i64, StoreError> {
    let keyring = db.keyring()?;
    let occurred_on = super::check_date("occurred_on", occurred_on)?;
    let case = super::get(db, case_id).await?;
    if let Identity::Known(id) = identity {
        let person = people::get(db, *id).await?;
        if person.municipality != case.municipality || person.merged_into.is_some() {
            return Err(StoreError::PersonNotLinkable { person: *id });
        }
    }
    let mut tx = db.pool.begin().await?;
    let person_id = match identity {
        Identity::Known(id) => *id,
        Identity::New(new) => people::create_in(&mut tx, keyring, new).await?,
    };
    let done = sqlx::query(
        "UPDATE report23 SET person_id = $1, revision = revision + 1
         WHERE id = $2 AND revision = $3 AND person_id IS NULL",
    )
    .bind(person_id)
    .bind(case_id)
    .bind(revision)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::StaleRevision(Record::Case));
    }
    let occurred = super::Occurred { on: occurred_on, at: None };
    insert_event(&mut tx, keyring, case_id, "identify", occurred, None, "", Some(actor)).await?;
    append_in(&mut tx, &audit.with_record("case", case_id.to_string()).with_detail("identify")).await?;
    tx.commit().await?;
    Ok(person_id)
}
