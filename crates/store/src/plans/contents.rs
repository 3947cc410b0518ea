//! Writing a plan's contents by section (作成・更新): a `draft` event checked by the state
//! machine, the contents sealed as one JSON document in `discharge_plan.contents_form_sealed`, the
//! plan's revision moved and the audit row written, all in one transaction. A text written before
//! the sections existed stays where it was (`contents_sealed`).

use super::{PlanRecordError, get, insert_event, write_status};
use crate::audit::{AuditEvent, append_in};
use crate::sealed::PLAN_CONTENTS_FORM;
use crate::{Db, Record, StoreError};
use nimo_domain::plans::contents::PlanContents;
use nimo_domain::plans::{PlanError, PlanEvent, PlanStatus};
use time::Date;

/// Writes the plan's contents by section as of `on` (a `draft` event with `note`), if the plan
/// is still at `revision` and its state allows drafting; contents with problems are refused,
/// naming the first field.
#[allow(clippy::too_many_arguments)]
pub async fn write_contents(
    db: &Db,
    plan_id: i64,
    revision: i64,
    on: Date,
    contents: &PlanContents,
    note: &str,
    actor: i64,
    audit: AuditEvent,
) -> Result<PlanStatus, PlanRecordError> {
    if let Some((_, reason)) = contents.problems().into_iter().next() {
        return Err(PlanError::Invalid { field: "contents", reason }.into());
    }
    let keyring = db.keyring()?;
    let plan = get(db, plan_id).await?;
    if plan.revision != revision {
        return Err(StoreError::StaleRevision(Record::Plan).into());
    }
    let next = plan.status.apply(on, &PlanEvent::Draft)?;
    let json = serde_json::to_string(contents).map_err(|_| PlanRecordError::Field("contents"))?;
    let mut tx = db.pool.begin().await?;
    write_status(&mut tx, plan_id, revision, &next).await?;
    sqlx::query("UPDATE discharge_plan SET contents_form_sealed = $1 WHERE id = $2")
        .bind(PLAN_CONTENTS_FORM.seal(keyring, plan_id, &json))
        .bind(plan_id)
        .execute(&mut *tx)
        .await?;
    insert_event(&mut tx, keyring, plan_id, &PlanEvent::Draft, on, note, actor).await?;
    append_in(&mut tx, &audit.with_record("plan", plan_id.to_string()).with_detail("draft")).await?;
    tx.commit().await?;
    tracing::debug!(plan_id, supports = contents.supports.len(), "plan contents written");
    Ok(next)
}
