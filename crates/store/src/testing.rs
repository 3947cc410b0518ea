//! Throw-away databases for tests: a temporary SQLite file or a randomly named PostgreSQL
//! database, dropped afterwards. Every storage test runs on each backend [`backends`] lists.

use crate::{Backend, Db, StoreError};
use sqlx::{Connection, Executor};

/// The PostgreSQL server tests use: `NIMO_TEST_POSTGRES_URL`, else the local one.
pub fn postgres_admin_url() -> String {
    std::env::var("NIMO_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// The backends to test on: `NIMO_TEST_BACKENDS` (comma-separated `sqlite`, `postgres`), else both.
pub fn backends() -> Vec<Backend> {
    let list = std::env::var("NIMO_TEST_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    list.split(',')
        .filter_map(|name| match name.trim() {
            "sqlite" => Some(Backend::Sqlite),
            "postgres" => Some(Backend::Postgres),
            _ => None,
        })
        .collect()
}

/// A fresh, migrated, empty database that is removed when dropped.
pub struct TestDb {
    /// The migrated database.
    pub db: Db,
    /// Its URL (to hand to the `nimo` binary).
    pub url: String,
    /// Declared last, so that the database is removed after the pool is dropped.
    _guard: TestDbGuard,
}

enum Cleanup {
    Sqlite(std::path::PathBuf),
    Postgres { admin_url: String, name: String },
}

fn unique_name() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("nimo_test_{}_{}_{}", std::process::id(), nanos % 1_000_000_000, COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// Creates an empty database on a backend and returns its URL (not yet migrated).
pub async fn create_database(backend: Backend) -> Result<(String, TestDbGuard), StoreError> {
    let name = unique_name();
    match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join(&name);
            std::fs::create_dir_all(&dir).map_err(|e| StoreError::Url(e.to_string()))?;
            let path = dir.join("nimo.db");
            Ok((format!("sqlite://{}?mode=rwc", path.display()), TestDbGuard(Some(Cleanup::Sqlite(dir)))))
        }
        Backend::Postgres => {
            let admin_url = postgres_admin_url();
            let mut conn = sqlx::PgConnection::connect(&admin_url).await?;
            conn.execute(format!("CREATE DATABASE {name}").as_str()).await?;
            conn.close().await?;
            let base = admin_url.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or(admin_url.clone());
            Ok((format!("{base}/{name}"), TestDbGuard(Some(Cleanup::Postgres { admin_url, name }))))
        }
    }
}

/// Makes every later audit append on this database fail, as a full disk or a broken connection
/// would at the worst moment: a trigger refuses each insert into `audit_log` with the message
/// `audit refused`. A write whose audit row is appended in its own transaction is then rolled
/// back; tests check that nothing changed. Only for throw-away test databases (the owner's
/// connection may create triggers; the app role of production may not).
pub async fn refuse_audit_appends(db: &Db) -> Result<(), StoreError> {
    let statements: &[&str] = match db.backend {
        Backend::Sqlite => &["CREATE TRIGGER audit_log_refused_in_test BEFORE INSERT ON audit_log
             BEGIN SELECT RAISE(ABORT, 'audit refused'); END"],
        Backend::Postgres => &[
            "CREATE FUNCTION audit_log_refused_in_test() RETURNS trigger LANGUAGE plpgsql AS
             $$ BEGIN RAISE EXCEPTION 'audit refused'; END $$",
            "CREATE TRIGGER audit_log_refused_in_test BEFORE INSERT ON audit_log
             FOR EACH ROW EXECUTE FUNCTION audit_log_refused_in_test()",
        ],
    };
    for statement in statements {
        db.pool.execute(*statement).await?;
    }
    Ok(())
}

/// Appends an audit row dated `at` instead of now, so that tests have rows older than a
/// retention period without waiting years. The chain stays sound (the row is hashed with its
/// date); only tests call this.
pub async fn append_dated(
    db: &Db,
    event: &crate::audit::AuditEvent,
    at: time::OffsetDateTime,
) -> Result<i64, StoreError> {
    let mut tx = db.pool.begin().await?;
    let id = crate::audit::append_dated_in(&mut tx, event, Some(at)).await?;
    tx.commit().await?;
    Ok(id)
}

/// Lets audit appends through again after [`refuse_audit_appends`].
pub async fn allow_audit_appends(db: &Db) -> Result<(), StoreError> {
    let statement = match db.backend {
        Backend::Sqlite => "DROP TRIGGER audit_log_refused_in_test",
        Backend::Postgres => "DROP TRIGGER audit_log_refused_in_test ON audit_log",
    };
    db.pool.execute(statement).await?;
    Ok(())
}

/// Removes a database made by [`create_database`] when dropped.
pub struct TestDbGuard(Option<Cleanup>);

impl TestDb {
    /// A fresh migrated database on a backend.
    pub async fn new(backend: Backend) -> Result<Self, StoreError> {
        let (url, guard) = create_database(backend).await?;
        // A throw-away keyring per database, as `nimo serve` loads one from its key file.
        let db = Db::connect(&url).await?.with_keyring(std::sync::Arc::new(nimo_vault::Keyring::generate()));
        Ok(Self { db, url, _guard: guard })
    }
}

impl Drop for TestDbGuard {
    fn drop(&mut self) {
        if let Some(cleanup) = self.0.take() {
            run_cleanup(cleanup);
        }
    }
}

fn run_cleanup(cleanup: Cleanup) {
    match cleanup {
        Cleanup::Sqlite(dir) => {
            let _ = std::fs::remove_dir_all(dir);
        }
        Cleanup::Postgres { admin_url, name } => {
            // Drop runs inside a Tokio runtime, where blocking on another is not allowed: use a
            // thread with its own small runtime and wait for it.
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
                rt.block_on(async {
                    if let Ok(mut conn) = sqlx::PgConnection::connect(&admin_url).await {
                        let _ = conn.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str()).await;
                    }
                });
            })
            .join();
        }
    }
}
