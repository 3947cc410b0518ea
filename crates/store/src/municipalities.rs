//! Municipalities and the fiscal years for which they keep sheets.

use crate::{Db, StoreError};
use nimo_domain::{FiscalYear, Municipality, MunicipalityCode};

/// A municipality with the fiscal years of its sheets (newest first).
#[derive(Debug, Clone)]
pub struct MunicipalitySummary {
    /// The municipality.
    pub municipality: Municipality,
    /// The fiscal years for which it has a sheet, newest first.
    pub fiscal_years: Vec<FiscalYear>,
}

fn to_municipality(code: String, name: String, prefecture: String) -> Result<Municipality, StoreError> {
    let code = MunicipalityCode::parse(&code).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(Municipality { code, name, prefecture })
}

fn fiscal_year(year: i64) -> Result<FiscalYear, StoreError> {
    i32::try_from(year).ok().and_then(FiscalYear::new).ok_or_else(|| StoreError::Corrupt(format!("fiscal year {year}")))
}

/// Every municipality, by code, with its sheets' fiscal years.
pub async fn list(db: &Db) -> Result<Vec<MunicipalitySummary>, StoreError> {
    let rows: Vec<(String, String, String)> =
        sqlx::query_as("SELECT code, name, prefecture FROM municipality ORDER BY code").fetch_all(&db.pool).await?;
    let years: Vec<(String, i64)> =
        sqlx::query_as("SELECT municipality_code, fiscal_year FROM sheet ORDER BY fiscal_year DESC")
            .fetch_all(&db.pool)
            .await?;
    rows.into_iter()
        .map(|(code, name, prefecture)| {
            let fiscal_years = years
                .iter()
                .filter(|(c, _)| *c == code)
                .map(|(_, y)| fiscal_year(*y))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(MunicipalitySummary { municipality: to_municipality(code, name, prefecture)?, fiscal_years })
        })
        .collect()
}

/// One municipality with its sheets' fiscal years.
pub async fn get(db: &Db, code: &MunicipalityCode) -> Result<MunicipalitySummary, StoreError> {
    let row: Option<(String, String, String)> =
        sqlx::query_as("SELECT code, name, prefecture FROM municipality WHERE code = $1")
            .bind(code.as_str())
            .fetch_optional(&db.pool)
            .await?;
    let (code_text, name, prefecture) = row.ok_or_else(|| StoreError::NotFound(format!("municipality {code}")))?;
    let years: Vec<(i64,)> =
        sqlx::query_as("SELECT fiscal_year FROM sheet WHERE municipality_code = $1 ORDER BY fiscal_year DESC")
            .bind(code.as_str())
            .fetch_all(&db.pool)
            .await?;
    Ok(MunicipalitySummary {
        municipality: to_municipality(code_text, name, prefecture)?,
        fiscal_years: years.into_iter().map(|(y,)| fiscal_year(y)).collect::<Result<Vec<_>, _>>()?,
    })
}

/// Creates or renames a municipality.
pub async fn upsert<'c>(
    executor: impl sqlx::Executor<'c, Database = sqlx::Any>,
    municipality: &Municipality,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO municipality (code, name, prefecture) VALUES ($1, $2, $3)
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, prefecture = excluded.prefecture",
    )
    .bind(municipality.code.as_str())
    .bind(&municipality.name)
    .bind(&municipality.prefecture)
    .execute(executor)
    .await?;
    Ok(())
}

/// The 保健所 a municipality's bed holds name and its call-back number, as set (empty when not).
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct HealthCentre {
    /// The 保健所's name (the holds show the municipality's name while it is empty).
    pub health_centre: String,
    /// The number a hospital calls back (an office's).
    pub callback_phone: String,
}

/// The 保健所 of a municipality as set; `NotFound` for an unknown municipality.
pub async fn health_centre(db: &Db, code: &MunicipalityCode) -> Result<HealthCentre, StoreError> {
    sqlx::query_as(
        "SELECT COALESCE(health_centre, '') AS health_centre, COALESCE(callback_phone, '') AS callback_phone
         FROM municipality WHERE code = $1",
    )
    .bind(code.as_str())
    .fetch_optional(&db.pool)
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("municipality {code}")))
}

/// Sets the 保健所 a municipality's bed holds name and its number to call back (an office's,
/// never a person's), with the caller's audit row in the same transaction. An unknown
/// municipality is `NotFound`.
pub async fn set_health_centre(
    db: &Db,
    code: &MunicipalityCode,
    health_centre: &str,
    callback_phone: &str,
    event: crate::audit::AuditEvent,
) -> Result<(), StoreError> {
    let mut tx = crate::beds::begin_write(db).await?;
    let changed = sqlx::query("UPDATE municipality SET health_centre = $1, callback_phone = $2 WHERE code = $3")
        .bind(health_centre.trim())
        .bind(callback_phone.trim())
        .bind(code.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if changed == 0 {
        return Err(StoreError::NotFound(format!("municipality {code}")));
    }
    crate::audit::append_in(&mut tx, &event.with_record("municipality", code.as_str())).await?;
    tx.commit().await?;
    Ok(())
}
