//! Escalation of overdue legal clocks: the addresses a municipality's escalations go to
//! (`municipality.escalation_emails`), and the `clock_notice` rows that make sure a clock is
//! mailed once per overdue transition. A notice is claimed (`pending`) before the mail is sent
//! and finished (`sent` or `failed`) after it, each with its audit row in the same transaction;
//! a clock whose key is already there is never claimed again, whatever its outcome.

use crate::audit::{AuditEvent, append_in, timestamp};
use crate::{Db, StoreError};
use nimo_domain::MunicipalityCode;
use time::OffsetDateTime;

/// A municipality's escalation addresses, in the order given (empty: none set).
pub async fn recipients(db: &Db, code: &MunicipalityCode) -> Result<Vec<String>, StoreError> {
    let row: Option<EmailsRow> = sqlx::query_as("SELECT code, escalation_emails FROM municipality WHERE code = $1")
        .bind(code.as_str())
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|r| split(&r.escalation_emails)).unwrap_or_default())
}

#[derive(sqlx::FromRow)]
struct EmailsRow {
    code: String,
    escalation_emails: String,
}

fn split(text: &str) -> Vec<String> {
    text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

/// Every municipality that has escalation addresses, with them.
pub async fn all_recipients(db: &Db) -> Result<Vec<(MunicipalityCode, Vec<String>)>, StoreError> {
    let rows: Vec<EmailsRow> =
        sqlx::query_as("SELECT code, escalation_emails FROM municipality WHERE escalation_emails <> '' ORDER BY code")
            .fetch_all(&db.pool)
            .await?;
    rows.into_iter()
        .map(|r| Ok((crate::columns::municipality("municipality.code", &r.code)?, split(&r.escalation_emails))))
        .collect()
}

/// Sets a municipality's escalation addresses (already checked by the caller), with the audit
/// row (`escalation_set`, record `municipality`/code, the count as detail) in one transaction.
pub async fn set_recipients(
    db: &Db,
    code: &MunicipalityCode,
    emails: &[String],
    audit: AuditEvent,
) -> Result<(), StoreError> {
    let mut tx = db.pool.begin().await?;
    let changed = sqlx::query("UPDATE municipality SET escalation_emails = $1 WHERE code = $2")
        .bind(emails.join(","))
        .bind(code.as_str())
        .execute(&mut *tx)
        .await?;
    if changed.rows_affected() != 1 {
        return Err(StoreError::NotFound(format!("municipality {code}")));
    }
    append_in(&mut tx, &audit.with_record("municipality", code.as_str()).with_detail(emails.len().to_string())).await?;
    tx.commit().await?;
    Ok(())
}

/// The outcome of a notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The SMTP server accepted the mail.
    Sent,
    /// It did not (the error is logged without the mail's text).
    Failed,
}

impl Outcome {
    fn code(self) -> &'static str {
        match self {
            Outcome::Sent => "sent",
            Outcome::Failed => "failed",
        }
    }
}

/// Claims the notice of an overdue clock: `true` when this call inserted it (the caller then
/// sends the mail), `false` when the clock was claimed before. One transaction with the audit row
/// (`escalation`, record `clock_notice`/id).
pub async fn claim(
    db: &Db,
    key: &str,
    municipality: &MunicipalityCode,
    deadline: OffsetDateTime,
    recipients: usize,
    now: OffsetDateTime,
    audit: AuditEvent,
) -> Result<Option<i64>, StoreError> {
    let mut tx = db.pool.begin().await?;
    let row: Option<IdRow> = sqlx::query_as(
        "INSERT INTO clock_notice (clock_key, municipality_code, deadline_at, sent_at, recipients, outcome)
         VALUES ($1, $2, $3, $4, $5, 'pending') ON CONFLICT (clock_key) DO NOTHING RETURNING id",
    )
    .bind(key)
    .bind(municipality.as_str())
    .bind(timestamp(deadline))
    .bind(timestamp(now))
    .bind(i64::try_from(recipients).unwrap_or(i64::MAX))
    .fetch_optional(&mut *tx)
    .await?;
    let Some(IdRow { id }) = row else {
        return Ok(None);
    };
    append_in(&mut tx, &audit.with_record("clock_notice", id.to_string()).with_detail("pending")).await?;
    tx.commit().await?;
    Ok(Some(id))
}

#[derive(sqlx::FromRow)]
struct IdRow {
    id: i64,
}

/// Records how a claimed notice went, with its audit row in one transaction.
pub async fn finish(
    db: &Db,
    id: i64,
    outcome: Outcome,
    now: OffsetDateTime,
    audit: AuditEvent,
) -> Result<(), StoreError> {
    let mut tx = db.pool.begin().await?;
    sqlx::query("UPDATE clock_notice SET outcome = $1, sent_at = $2 WHERE id = $3 AND outcome = 'pending'")
        .bind(outcome.code())
        .bind(timestamp(now))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    append_in(&mut tx, &audit.with_record("clock_notice", id.to_string()).with_detail(outcome.code())).await?;
    tx.commit().await?;
    Ok(())
}
