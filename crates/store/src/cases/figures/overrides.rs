//! The recorded reasons for entered values that override derived figures (`figure_override`):
//! read, set with its audit row, and cleared.

use crate::audit::{AuditEvent, append_in, timestamp};
use crate::{Db, StoreError};
use nimo_domain::FiscalYear;
use sqlx::Row;

/// The recorded overrides of a sheet's section 4: (key, reason).
pub async fn overrides(db: &Db, municipality: &str, sheet_fy: FiscalYear) -> Result<Vec<(String, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT key, reason FROM figure_override WHERE municipality_code = $1 AND fiscal_year = $2 ORDER BY key",
    )
    .bind(municipality)
    .bind(i64::from(sheet_fy.year()))
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(|r| Ok((r.try_get("key")?, r.try_get("reason")?))).collect()
}

/// Records (or replaces) the reason why an entered value overrides a derived one. The reason is
/// required: an override without one is refused.
pub async fn set_override(
    db: &Db,
    municipality: &str,
    sheet_fy: FiscalYear,
    key: &str,
    reason: &str,
    actor: Option<i64>,
    audit: AuditEvent,
) -> Result<(), StoreError> {
    let mut tx = db.pool.begin().await?;
    upsert_override_in(&mut tx, municipality, sheet_fy, key, reason, actor).await?;
    append_in(&mut tx, &override_audit(audit, municipality, sheet_fy, "override", key)).await?;
    tx.commit().await?;
    Ok(())
}

/// Keeps an entered value over the derived one: saves the sheet (which carries the entered value,
/// if its revision is still `revision`) and the reason, with one audit row, in one transaction.
/// A stale revision is `StaleRevision` and changes nothing.
pub async fn override_figure(
    db: &Db,
    sheet: &nimo_domain::Sheet,
    revision: i64,
    key: &str,
    reason: &str,
    actor: Option<i64>,
    audit: AuditEvent,
) -> Result<i64, StoreError> {
    let municipality = sheet.municipality.code.as_str();
    let mut tx = db.pool.begin().await?;
    upsert_override_in(&mut tx, municipality, sheet.fiscal_year, key, reason, actor).await?;
    let next = crate::sheets::write::save_in(&mut tx, sheet, crate::sheets::SaveMode::Update { revision }).await?;
    append_in(&mut tx, &override_audit(audit, municipality, sheet.fiscal_year, "override", key)).await?;
    tx.commit().await?;
    Ok(next)
}

/// Drops an override, so that the figure is derived from the records again. Dropping one that
/// does not exist is `NotFound`.
pub async fn clear_override(
    db: &Db,
    municipality: &str,
    sheet_fy: FiscalYear,
    key: &str,
    audit: AuditEvent,
) -> Result<(), StoreError> {
    let mut tx = db.pool.begin().await?;
    let done =
        sqlx::query("DELETE FROM figure_override WHERE municipality_code = $1 AND fiscal_year = $2 AND key = $3")
            .bind(municipality)
            .bind(i64::from(sheet_fy.year()))
            .bind(key)
            .execute(&mut *tx)
            .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound(format!("override {key}")));
    }
    append_in(&mut tx, &override_audit(audit, municipality, sheet_fy, "derive", key)).await?;
    tx.commit().await?;
    Ok(())
}

fn override_audit(audit: AuditEvent, municipality: &str, sheet_fy: FiscalYear, what: &str, key: &str) -> AuditEvent {
    audit.with_record("sheet", format!("{municipality}/{}", sheet_fy.year())).with_detail(format!("{what}:{key}"))
}

async fn upsert_override_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    municipality: &str,
    sheet_fy: FiscalYear,
    key: &str,
    reason: &str,
    actor: Option<i64>,
) -> Result<(), StoreError> {
    if reason.trim().is_empty() {
        return Err(StoreError::MissingReason);
    }
    if !nimo_domain::cases::DERIVED_KEYS.contains(&key) && !crate::directory::is_counted(key) {
        return Err(StoreError::NotFound(format!("figure {key}")));
    }
    sqlx::query(
        "INSERT INTO figure_override (municipality_code, fiscal_year, key, reason, actor, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (municipality_code, fiscal_year, key) DO UPDATE SET reason = $4, actor = $5, recorded_at = $6",
    )
    .persistent(false)
    .bind(municipality)
    .bind(i64::from(sheet_fy.year()))
    .bind(key)
    .bind(reason.trim())
    .bind(actor)
    .bind(timestamp(time::OffsetDateTime::now_utc()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}
