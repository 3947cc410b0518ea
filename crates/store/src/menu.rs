//! The 構築推進事業 menu, versioned by fiscal year.

use crate::{Db, StoreError};
use nimo_domain::menu::{BUILTIN_ITEMS, BUILTIN_VALID_FROM};
use nimo_domain::{FiscalYear, MenuItem, ProgramMenu};

/// Inserts the built-in menu rows if they are missing (idempotent).
pub(crate) async fn seed_builtin(db: &Db) -> Result<(), StoreError> {
    let mut tx = db.pool.begin().await?;
    for (code, label) in BUILTIN_ITEMS {
        sqlx::query(
            "INSERT INTO program_menu_item (code, label, valid_from_fy, valid_to_fy) VALUES ($1, $2, $3, NULL)
             ON CONFLICT (code, valid_from_fy) DO NOTHING",
        )
        .bind(i64::from(code))
        .bind(label)
        .bind(i64::from(BUILTIN_VALID_FROM))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The menu in force in a fiscal year, ordered by code.
pub async fn for_fiscal_year(db: &Db, fiscal_year: FiscalYear) -> Result<ProgramMenu, StoreError> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT code, label FROM program_menu_item
         WHERE valid_from_fy <= $1 AND (valid_to_fy IS NULL OR valid_to_fy >= $1)
         ORDER BY code",
    )
    .bind(i64::from(fiscal_year.year()))
    .fetch_all(&db.pool)
    .await?;
    let items = rows
        .into_iter()
        .map(|(code, label)| {
            let code = u32::try_from(code).map_err(|_| StoreError::Corrupt(format!("menu code {code}")))?;
            Ok(MenuItem { code, label })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(ProgramMenu { fiscal_year, items })
}
