//! The connection pool for either backend, SQLite's durability settings, and migrations.

use crate::StoreError;
use nimo_vault::Keyring;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};
use std::str::FromStr;
use std::sync::Arc;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database engine a pool talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The embedded default: one file in the data directory.
    Sqlite,
    /// The production backend.
    Postgres,
}

impl Backend {
    /// The backend a URL names.
    pub fn of_url(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::Url(redact(url)))
        }
    }

    /// A short name for logs and benches.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A database URL with any password hidden (in the user part or a `password=` parameter), for
/// messages and logs.
pub fn redact(url: &str) -> String {
    let (url, query) = match url.split_once('?') {
        Some((base, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                    _ => pair.to_string(),
                })
                .collect();
            (base, format!("?{}", query.join("&")))
        }
        None => (url, String::new()),
    };
    redact_userinfo(url) + &query
}

fn redact_userinfo(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}://{user}:***{}", &url[..scheme], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// The checks of [`Db::readiness`], each `true` when it passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Readiness {
    /// A query answered.
    pub database: bool,
    /// Every migration of this build is applied, with the same checksum.
    pub migrations: bool,
    /// The keys for personal data are loaded.
    pub keys: bool,
}

impl Readiness {
    /// Whether every check passed.
    pub fn ready(&self) -> bool {
        self.database && self.migrations && self.keys
    }
}

/// This build's migrations for a backend.
fn migrator_of(backend: Backend) -> &'static sqlx::migrate::Migrator {
    match backend {
        Backend::Sqlite => &SQLITE_MIGRATIONS,
        Backend::Postgres => &POSTGRES_MIGRATIONS,
    }
}

/// The migrations of `migrator` that the database of `pool` has not applied with the same
/// checksum and success (all of them when there is no history table yet); a history row that
/// cannot be read is an error. The one check behind `migrate`, `/readyz` and `--dry-run`.
async fn pending_in(pool: &AnyPool, migrator: &sqlx::migrate::Migrator) -> Result<Vec<(i64, String)>, sqlx::Error> {
    // `success` is a BOOLEAN, which the Any driver cannot read from SQLite: read it as a number.
    let query = "SELECT version, checksum, CAST(success AS INTEGER) AS success FROM _sqlx_migrations";
    let applied: Vec<(i64, Vec<u8>, i64)> = match sqlx::query(query).fetch_all(pool).await {
        Ok(rows) => rows
            .iter()
            .map(|row| {
                use sqlx::Row;
                Ok((row.try_get("version")?, row.try_get("checksum")?, row.try_get("success")?))
            })
            .collect::<Result<_, sqlx::Error>>()?,
        // No history table yet: nothing is applied.
        Err(_) => Vec::new(),
    };
    Ok(migrator
        .iter()
        .filter(|m| {
            !applied.iter().any(|(version, checksum, success)| {
                *version == m.version && *success != 0 && checksum.as_slice() == m.checksum.as_ref()
            })
        })
        .map(|m| (m.version, m.description.to_string()))
        .collect())
}

/// The application's database: a pool plus the backend it talks to.
#[derive(Clone, Debug)]
pub struct Db {
    /// The connection pool (sqlx `Any`).
    pub pool: AnyPool,
    /// Which engine the pool talks to.
    pub backend: Backend,
    /// The server-side session store in the same database.
    pub sessions: crate::sessions::Sessions,
    /// The keys that seal personal data; `None` for commands that never touch it. Set with
    /// [`Db::with_keyring`]; the keys come from a file or the environment, never from the database.
    keyring: Option<Arc<Keyring>>,
    /// The API tokens this process resolved lately (`tokens::TokenCache`), shared by clones.
    pub(crate) token_cache: Arc<crate::tokens::TokenCache>,
    /// The bed finder's snapshot the search reads (`beds/snapshot.rs`), shared by clones.
    pub(crate) bed_snapshot: Arc<crate::beds::BedSnapshot>,
}

impl Db {
    /// Connects (creating an SQLite file and its folder if needed) and applies migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url)?;
        let url = match backend {
            Backend::Sqlite => sqlite_url_with_create(url)?,
            Backend::Postgres => url.to_string(),
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                // One writer at a time is SQLite's nature; a few readers in WAL mode help pages.
                Backend::Sqlite => 4,
                Backend::Postgres => 10,
            })
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL for concurrent readers; synchronous=FULL so that an acknowledged
                        // write survives a power loss; foreign keys on; wait instead of failing
                        // when another connection holds the write lock.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = FULL").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let db = Db {
            pool,
            backend,
            sessions: crate::sessions::Sessions::lazy(&url)?,
            keyring: None,
            token_cache: Arc::default(),
            bed_snapshot: Arc::new(crate::beds::BedSnapshot::new(&url)),
        };
        db.migrate().await?;
        Ok(db)
    }

    /// Connects to a database that must already exist (for commands that only read): an SQLite
    /// file that is not there is `StoreError::Missing` instead of a new empty database.
    pub async fn connect_existing(url: &str) -> Result<Self, StoreError> {
        if Backend::of_url(url)? == Backend::Sqlite {
            let path = sqlite_path(url);
            if !std::path::Path::new(path).exists() {
                return Err(StoreError::Missing(path.to_string()));
            }
        }
        Self::connect(url).await
    }

    /// The migrations of this build that the database at `url` has not applied (version and
    /// description, in order), read without changing anything: an SQLite file that does not
    /// exist is [`StoreError::Missing`], one without a history table lacks every migration. A
    /// migration recorded as failed, or whose checksum differs, is listed too (it would stop the
    /// migrator).
    pub async fn pending_migrations(url: &str) -> Result<Vec<(i64, String)>, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url)?;
        if backend == Backend::Sqlite && !std::path::Path::new(sqlite_path(url)).exists() {
            return Err(StoreError::Missing(sqlite_path(url).to_string()));
        }
        let url = match backend {
            Backend::Sqlite => format!("sqlite://{}?mode=ro", sqlite_path(url)),
            Backend::Postgres => url.to_string(),
        };
        let pool = AnyPoolOptions::new().max_connections(1).connect_with(AnyConnectOptions::from_str(&url)?).await?;
        let migrator = migrator_of(backend);
        let pending = pending_in(&pool, migrator).await;
        pool.close().await;
        Ok(pending?)
    }

    /// Applies pending migrations for this backend, then seeds built-in code lists. When every
    /// migration is already applied with the same checksum, nothing is run, so that an
    /// application role without the right to create tables can connect (docs/postgres-app-role.sql).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let migrator = migrator_of(self.backend);
        if !self.migrations_up_to_date(migrator).await {
            migrator.run(&self.pool).await?;
        }
        crate::menu::seed_builtin(self).await
    }

    /// Whether the database records every migration of `migrator`, each with its checksum.
    /// Any doubt (no history table yet, a failed or changed migration) answers `false`, and the
    /// migrator then applies or reports it.
    async fn migrations_up_to_date(&self, migrator: &sqlx::migrate::Migrator) -> bool {
        matches!(pending_in(&self.pool, migrator).await, Ok(pending) if pending.is_empty())
    }

    /// What `/readyz` reports: whether a query answers, whether every migration this build
    /// carries is applied (with its checksum), and whether the keys for personal data are loaded.
    pub async fn readiness(&self) -> Readiness {
        let database = sqlx::query("SELECT 1").fetch_one(&self.pool).await.is_ok();
        let migrator = migrator_of(self.backend);
        let migrations = database && self.migrations_up_to_date(migrator).await;
        Readiness { database, migrations, keys: self.keyring.is_some() }
    }

    /// The API tokens this process resolved lately (cleared by every change that may alter one).
    pub fn token_cache(&self) -> &crate::tokens::TokenCache {
        &self.token_cache
    }

    /// The bed finder's snapshot (`beds/snapshot.rs`).
    pub fn bed_snapshot(&self) -> &crate::beds::BedSnapshot {
        &self.bed_snapshot
    }

    /// The same database with the keys that seal and open personal data.
    pub fn with_keyring(mut self, keyring: Arc<Keyring>) -> Self {
        self.keyring = Some(keyring);
        self
    }

    /// The keys for personal data, or [`StoreError::NoKeys`] when none were configured.
    pub fn keyring(&self) -> Result<&Keyring, StoreError> {
        self.keyring.as_deref().ok_or(StoreError::NoKeys)
    }

    /// Closes the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Adds `mode=rwc` to an SQLite URL and creates the file's folder, so that a fresh data
/// directory just works.
/// The file path of an SQLite URL.
fn sqlite_path(url: &str) -> &str {
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    path.split('?').next().unwrap_or(path)
}

fn sqlite_url_with_create(url: &str) -> Result<String, StoreError> {
    let path = sqlite_path(url);
    if path.is_empty() || path == ":memory:" {
        return Err(StoreError::Url("nimo needs an SQLite file, not an in-memory database".into()));
    }
    if let Some(parent) = std::path::Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)
            .map_err(|source| StoreError::Io { path: parent.display().to_string(), source })?;
    }
    Ok(if url.contains('?') { url.to_string() } else { format!("sqlite://{path}?mode=rwc") })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(redact("postgres://nimo:secret@db:5432/nimo"), "postgres://nimo:***@db:5432/nimo");
        assert_eq!(redact("postgres://postgres@127.0.0.1/test"), "postgres://postgres@127.0.0.1/test");
        assert_eq!(redact("postgres://db/nimo?user=a&password=secret"), "postgres://db/nimo?user=a&password=***");
    }

    #[test]
    fn backends_by_url() {
        assert_eq!(Backend::of_url("sqlite://data/nimo.db").unwrap(), Backend::Sqlite);
        assert_eq!(Backend::of_url("postgresql://x/y").unwrap(), Backend::Postgres);
        assert!(Backend::of_url("mysql://x/y").is_err());
    }
}

#[cfg(test)]
mod migration_parity {
    #[test]
    fn every_migration_exists_for_both_backends() {
        let names = |dir: &str| {
            let mut names: Vec<String> = std::fs::read_dir(format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR")))
                .expect("migrations folder")
                .map(|e| e.expect("entry").file_name().to_string_lossy().to_string())
                .collect();
            names.sort();
            names
        };
        assert_eq!(names("sqlite"), names("postgres"));
        assert!(!names("sqlite").is_empty());
    }
}
