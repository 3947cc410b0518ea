//! Server-side sessions in the application's database: tower-sessions' sqlx stores over a small
//! native pool beside the `Any` pool (the session stores need a concrete `SqlitePool` or
//! `PgPool`). Their tables are created by our own migrations (`0004_sessions.sql`), with the
//! exact layout the stores expect, so that every schema change goes through one path.

use crate::{Backend, Db, StoreError};
use async_trait::async_trait;
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

/// The session store of either backend.
#[derive(Clone)]
pub enum Sessions {
    /// Sessions in the SQLite file, table `tower_sessions`.
    Sqlite(SqliteStore),
    /// Sessions in PostgreSQL, table `tower_sessions.session`.
    Postgres(PostgresStore),
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The pools' own Debug would print connection options, passwords included.
        f.write_str(match self {
            Sessions::Sqlite(_) => "Sessions(sqlite)",
            Sessions::Postgres(_) => "Sessions(postgres)",
        })
    }
}

impl Sessions {
    /// The session store of the database at `url` (migrated by `Db::connect`). Connections are
    /// made on first use, so commands that never touch sessions pay nothing.
    pub fn lazy(url: &str) -> Result<Self, StoreError> {
        Ok(match Backend::of_url(url)? {
            Backend::Sqlite => {
                let options = SqliteConnectOptions::from_str(url)?
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .busy_timeout(Duration::from_secs(10));
                Sessions::Sqlite(SqliteStore::new(
                    SqlitePoolOptions::new().max_connections(2).connect_lazy_with(options),
                ))
            }
            Backend::Postgres => {
                Sessions::Postgres(PostgresStore::new(PgPoolOptions::new().max_connections(4).connect_lazy(url)?))
            }
        })
    }
}

/// Deletes the sessions that expired before `before` (the app's clock minus the retention of
/// expired sessions) and says how many. tower-sessions never loads an expired session, but it
/// leaves the row behind; this is what removes it. The two stores keep the expiry differently
/// (SqliteStore writes the time as text into its INTEGER column and compares it with SQLite's
/// `datetime()`; PostgresStore uses `timestamptz`), hence one statement for each.
pub async fn purge_expired_at(db: &Db, before: time::OffsetDateTime) -> Result<u64, StoreError> {
    let sql = match db.backend {
        Backend::Sqlite => "DELETE FROM tower_sessions WHERE datetime(expiry_date) < datetime($1, 'unixepoch')",
        Backend::Postgres => "DELETE FROM tower_sessions.session WHERE expiry_date < to_timestamp($1)",
    };
    Ok(sqlx::query(sql).bind(before.unix_timestamp()).execute(&db.pool).await?.rows_affected())
}

#[async_trait]
impl SessionStore for Sessions {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(s) => s.create(record).await,
            Sessions::Postgres(s) => s.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(s) => s.save(record).await,
            Sessions::Postgres(s) => s.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            Sessions::Sqlite(s) => s.load(id).await,
            Sessions::Postgres(s) => s.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(s) => s.delete(id).await,
            Sessions::Postgres(s) => s.delete(id).await,
        }
    }
}

#[async_trait]
impl ExpiredDeletion for Sessions {
    async fn delete_expired(&self) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(s) => s.delete_expired().await,
            Sessions::Postgres(s) => s.delete_expired().await,
        }
    }
}
