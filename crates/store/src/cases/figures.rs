//! The section-4 counts derived from case records, and the recorded reasons for entered values
//! that override them.
//!
//! Definitions (for the records' fiscal year, 1 April – 31 March):
//! - `report23.in_area`: 23条通報 received by the municipality (by received date);
//! - `report23.residents`: of those, reports about 区民 (the resident flag at intake);
//! - `.sochi`, `.iryo_hogo`, `.no_admission`: of the residents, those whose current
//!   disposition is 措置入院 (a 緊急措置 followed by 措置 counts, a 緊急措置 alone does not),
//!   医療保護入院, or examined with 入院なし (a decision that no exam is needed is not counted);
//! - `discharge_support.plans`: plans whose support period started in the year;
//! - `outreach.visits.doctor` / `.psw`: visits in the year by 医師 / 精神保健福祉士.
//!
//! Each group is derived only when records of its kind exist for the year (`None` otherwise),
//! so a municipality that does not keep its cases in nimo keeps its entered values.

use crate::audit::{AuditEvent, append_in, timestamp};
use crate::{Db, StoreError};
use nimo_domain::FiscalYear;
use nimo_domain::cases::{Report23Counts, Section4Counts};
use sqlx::Row;

/// Counts the section-4 figures of one municipality's records of one fiscal year.
pub async fn section4_counts(db: &Db, municipality: &str, fy: FiscalYear) -> Result<Section4Counts, StoreError> {
    let year = i64::from(fy.year());
    let row = sqlx::query(
        "SELECT COUNT(*) AS in_area,
             COUNT(CASE WHEN resident = 1 THEN 1 END) AS residents,
             COUNT(CASE WHEN resident = 1 AND disposition = 'sochi' THEN 1 END) AS sochi,
             COUNT(CASE WHEN resident = 1 AND disposition = 'iryo_hogo' THEN 1 END) AS iryo_hogo,
             COUNT(CASE WHEN resident = 1 AND disposition = 'no_admission' THEN 1 END) AS no_admission
         FROM report23 WHERE municipality_code = $1 AND fiscal_year = $2",
    )
    .bind(municipality)
    .bind(year)
    .fetch_one(&db.pool)
    .await?;
    let in_area: i64 = row.try_get("in_area")?;
    let report23 = (in_area > 0)
        .then(|| -> Result<Report23Counts, StoreError> {
            Ok(Report23Counts {
                in_area,
                residents: row.try_get("residents")?,
                sochi: row.try_get("sochi")?,
                iryo_hogo: row.try_get("iryo_hogo")?,
                no_admission: row.try_get("no_admission")?,
            })
        })
        .transpose()?;
    let plans: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM discharge_plan WHERE municipality_code = $1 AND fiscal_year = $2")
            .bind(municipality)
            .bind(year)
            .fetch_one(&db.pool)
            .await?;
    let rows = sqlx::query(
        "SELECT profession, COUNT(*) AS n FROM outreach_visit WHERE municipality_code = $1 AND fiscal_year = $2
         GROUP BY profession ORDER BY profession",
    )
    .bind(municipality)
    .bind(year)
    .fetch_all(&db.pool)
    .await?;
    let visits = rows
        .iter()
        .map(|r| Ok((r.try_get::<String, _>("profession")?, r.try_get::<i64, _>("n")?)))
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(Section4Counts {
        records_fy: Some(fy),
        report23,
        plans_started: (plans > 0).then_some(plans),
        visits: (!visits.is_empty()).then_some(visits),
    })
}

/// The ids of the cases a 23条 figure counts, for the link from the sheet.
pub async fn counted_cases(db: &Db, municipality: &str, fy: FiscalYear, key: &str) -> Result<Vec<i64>, StoreError> {
    let condition = match key {
        "report23.in_area" => "",
        "report23.residents" => " AND resident = 1",
        "report23.residents.sochi" => " AND resident = 1 AND disposition = 'sochi'",
        "report23.residents.iryo_hogo" => " AND resident = 1 AND disposition = 'iryo_hogo'",
        "report23.residents.no_admission" => " AND resident = 1 AND disposition = 'no_admission'",
        _ => return Err(StoreError::NotFound(format!("figure {key}"))),
    };
    let rows = sqlx::query(&format!(
        "SELECT id FROM report23 WHERE municipality_code = $1 AND fiscal_year = $2{condition} ORDER BY received_at, id"
    ))
    .bind(municipality)
    .bind(i64::from(fy.year()))
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
}

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
    if reason.trim().is_empty() {
        return Err(StoreError::Invalid("reason".into()));
    }
    let mut tx = db.pool.begin().await?;
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
    .execute(&mut *tx)
    .await?;
    append_in(
        &mut tx,
        &audit.with_record("sheet", format!("{municipality}/{}", sheet_fy.year())).with_detail("override"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
