//! What backups need from the database: an online, consistent copy of an SQLite database
//! (`VACUUM INTO`, which reads one snapshot while the server keeps writing), whether a restore's
//! target is empty, and the migration a database is at. PostgreSQL's copy is `pg_dump`'s
//! (the CLI runs it); nothing here knows the backup file's format or keys.

use crate::{Backend, Db, StoreError};
use sqlx::any::AnyPoolOptions;

/// Writes a consistent copy of the SQLite database to `path` (which must not exist).
pub async fn snapshot_sqlite(db: &Db, path: &std::path::Path) -> Result<(), StoreError> {
    if db.backend != Backend::Sqlite {
        return Err(StoreError::Url("VACUUM INTO is SQLite's".into()));
    }
    let target = path.to_str().ok_or_else(|| StoreError::Url(format!("{} is not UTF-8", path.display())))?;
    sqlx::query("VACUUM INTO $1").bind(target).execute(&db.pool).await?;
    Ok(())
}

/// The last migration applied (0 when none).
pub async fn schema_version(db: &Db) -> Result<i64, StoreError> {
    let version: Option<i64> =
        sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations").fetch_one(&db.pool).await?;
    Ok(version.unwrap_or(0))
}

/// Whether the PostgreSQL database at `url` has no table of its own (a restore writes only
/// into an empty database).
pub async fn postgres_is_empty(url: &str) -> Result<bool, StoreError> {
    sqlx::any::install_default_drivers();
    let pool = AnyPoolOptions::new().max_connections(1).connect(url).await?;
    let tables: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM information_schema.tables \
         WHERE table_schema NOT IN ('pg_catalog', 'information_schema')",
    )
    .fetch_one(&pool)
    .await?;
    pool.close().await;
    Ok(tables == 0)
}
