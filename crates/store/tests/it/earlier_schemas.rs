//! Upgrades from every schema version, not only those with a fixture of their own: for each
//! version N from 0001 to the one before this build's last, an empty database takes migrations
//! 0001..=N, then receives the newest fixture's rows (tests/fixtures/upgrades, the demo as the
//! last release wrote it) projected onto the tables and columns that schema N has, and then takes
//! the rest of this build's migrations. Every row that schema N could hold must still be there,
//! the audit chain must verify, the sheet must load and a sealed name must open.
//!
//! What this proves and what it does not: migrations run on tables that hold rows (a NOT NULL
//! column without a default, a table rebuilt on SQLite, a key or CHECK added later would fail
//! here), on both backends. The rows are the newest demo's, shaped by today's code, so a value
//! only an old version could write (a NULL that a later migration cleans up, say) is covered only
//! by the per-version fixtures themselves.

use nimo_store::testing::{backends, create_database};
use nimo_store::{Backend, Db};
use sqlx::{Connection, Row};
use std::path::{Path, PathBuf};

fn store_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The newest fixture folder.
fn newest_fixture() -> PathBuf {
    let root = store_dir().join("tests/fixtures/upgrades");
    let mut dirs: Vec<PathBuf> =
        std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    dirs.pop().expect("an upgrade fixture")
}

/// The migration files of a backend, in order, with their version.
fn migrations(backend: Backend) -> Vec<(i64, PathBuf)> {
    let folder = store_dir().join("migrations").join(if backend == Backend::Sqlite { "sqlite" } else { "postgres" });
    let mut files: Vec<(i64, PathBuf)> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            (name.split('_').next().unwrap().parse::<i64>().unwrap(), p)
        })
        .collect();
    files.sort();
    files
}

/// A migrator holding the backend's migrations up to and including `version`, read from a copy
/// of those files (sqlx's own loader, so checksums match what the full migrator later expects).
async fn migrator_up_to(backend: Backend, version: i64, scratch: &Path) -> sqlx::migrate::Migrator {
    let dir = scratch.join(format!("migrations-{version}"));
    std::fs::create_dir_all(&dir).unwrap();
    for (_, path) in migrations(backend).into_iter().filter(|(v, _)| *v <= version) {
        std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
    }
    sqlx::migrate::Migrator::new(dir.as_path()).await.unwrap()
}

/// The column names of a table, in the given schema (`main`/`src` on SQLite, `public`/`src` on
/// PostgreSQL).
async fn sqlite_columns(conn: &mut sqlx::SqliteConnection, schema: &str, table: &str) -> Vec<String> {
    sqlx::query(&format!("SELECT name FROM pragma_table_info('{table}', '{schema}')"))
        .fetch_all(&mut *conn)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String, _>("name"))
        .collect()
}

async fn pg_columns(conn: &mut sqlx::PgConnection, schema: &str, table: &str) -> Vec<String> {
    sqlx::query("SELECT column_name::text AS name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position")
        .bind(schema)
        .bind(table)
        .fetch_all(&mut *conn)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String, _>("name"))
        .collect()
}

fn quoted(columns: &[String]) -> String {
    columns.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ")
}

/// Copies the fixture's rows into schema N on SQLite; returns the tables copied with their rows.
async fn project_sqlite(url: &str, fixture_db: &Path) -> Vec<(String, i64)> {
    let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
    sqlx::raw_sql("PRAGMA foreign_keys = OFF").execute(&mut conn).await.unwrap();
    sqlx::query(&format!("ATTACH DATABASE '{}' AS src", fixture_db.display())).execute(&mut conn).await.unwrap();
    let tables: Vec<String> = sqlx::query(
        "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' \
         AND name IN (SELECT name FROM src.sqlite_master WHERE type = 'table') ORDER BY name",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap()
    .iter()
    .map(|r| r.get::<String, _>("name"))
    .collect();
    let mut copied = Vec::new();
    for table in tables {
        let theirs = sqlite_columns(&mut conn, "src", &table).await;
        let ours: Vec<String> =
            sqlite_columns(&mut conn, "main", &table).await.into_iter().filter(|c| theirs.contains(c)).collect();
        let cols = quoted(&ours);
        // Rows the migrations themselves wrote (the audit head, code lists) give way to the fixture's.
        // A singleton that refuses deletion (the audit head) is replaced in place instead.
        let verb = match sqlx::query(&format!("DELETE FROM main.\"{table}\"")).execute(&mut conn).await {
            Ok(_) => "INSERT",
            Err(_) => "INSERT OR REPLACE",
        };
        let done = sqlx::query(&format!("{verb} INTO main.\"{table}\" ({cols}) SELECT {cols} FROM src.\"{table}\""))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("copying {table} into the older schema: {e}"));
        copied.push((table, done.rows_affected() as i64));
    }
    sqlx::query("DETACH DATABASE src").execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();
    copied
}

/// Copies the fixture's rows, loaded into schema `src` of the same database, into schema N in
/// `public` on PostgreSQL, then moves every sequence past the copied keys and drops `src`.
async fn project_postgres(url: &str) -> Vec<(String, i64)> {
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    // Foreign keys and triggers are not checked while the rows come in, as in a restore.
    sqlx::raw_sql("SET session_replication_role = replica").execute(&mut conn).await.unwrap();
    let tables: Vec<String> = sqlx::query(
        "SELECT table_name::text AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' \
         AND table_name <> '_sqlx_migrations' AND table_name IN \
         (SELECT table_name FROM information_schema.tables WHERE table_schema = 'src') ORDER BY table_name",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap()
    .iter()
    .map(|r| r.get::<String, _>("name"))
    .collect();
    let mut copied = Vec::new();
    for table in tables {
        let theirs = pg_columns(&mut conn, "src", &table).await;
        let ours: Vec<String> =
            pg_columns(&mut conn, "public", &table).await.into_iter().filter(|c| theirs.contains(c)).collect();
        let cols = quoted(&ours);
        sqlx::query(&format!("DELETE FROM public.\"{table}\"")).execute(&mut conn).await.unwrap();
        let done = sqlx::query(&format!("INSERT INTO public.\"{table}\" ({cols}) SELECT {cols} FROM src.\"{table}\""))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("copying {table} into the older schema: {e}"));
        copied.push((table, done.rows_affected() as i64));
    }
    let sequences = sqlx::query(
        "SELECT c.table_name::text AS t, c.column_name::text AS c FROM information_schema.columns c \
         WHERE c.table_schema = 'public' AND pg_get_serial_sequence('public.' || quote_ident(c.table_name), c.column_name) IS NOT NULL",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    for row in sequences {
        let (t, c): (String, String) = (row.get("t"), row.get("c"));
        sqlx::query(&format!(
            "SELECT setval(pg_get_serial_sequence('public.\"{t}\"', '{c}'), COALESCE((SELECT MAX(\"{c}\") FROM public.\"{t}\"), 0) + 1, false)"
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    }
    sqlx::raw_sql(
        "SET session_replication_role = origin; DROP SCHEMA src CASCADE; DROP SCHEMA IF EXISTS src_sessions CASCADE",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    copied
}

/// The fixture's PostgreSQL dump rewritten to load into schemas `src` and `src_sessions`, so that
/// it sits beside the older schema in one database.
fn pg_dump_into_src(sql: &str) -> String {
    let sql = sql.replace("public.", "src.").replace("tower_sessions", "src_sessions");
    format!("CREATE SCHEMA src;\n{sql}")
}

#[tokio::test]
async fn every_schema_version_holding_the_newest_rows_upgrades_to_this_build() {
    let fixture = newest_fixture();
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture.join("manifest.json")).unwrap()).unwrap();
    let keys =
        nimo_vault::Keyring::from_toml(&std::fs::read_to_string(fixture.join("demo.keys")).unwrap(), "demo.keys")
            .unwrap();
    let keys = std::sync::Arc::new(keys);
    let scratch = std::env::temp_dir().join(format!("nimo-earlier-schemas-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    for backend in backends() {
        let all = migrations(backend);
        let last = all.last().unwrap().0;
        let mut tried = 0;
        for (version, _) in all.iter().filter(|(v, _)| *v < last) {
            let version = *version;
            let (url, _guard) = create_database(backend).await.unwrap();
            let copied = match backend {
                Backend::Sqlite => {
                    let src = scratch.join(format!("fixture-{version}.db"));
                    let _ = std::fs::remove_file(&src);
                    let mut conn =
                        sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", src.display())).await.unwrap();
                    sqlx::raw_sql(&std::fs::read_to_string(fixture.join("sqlite.sql")).unwrap())
                        .execute(&mut conn)
                        .await
                        .unwrap();
                    conn.close().await.unwrap();
                    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
                    migrator_up_to(backend, version, &scratch).await.run_direct(&mut conn).await.unwrap();
                    conn.close().await.unwrap();
                    project_sqlite(&url, &src).await
                }
                Backend::Postgres => {
                    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
                    let dump = pg_dump_into_src(&std::fs::read_to_string(fixture.join("postgres.sql")).unwrap());
                    sqlx::raw_sql(&dump).execute(&mut conn).await.unwrap();
                    sqlx::raw_sql("SELECT pg_catalog.set_config('search_path', 'public', false)")
                        .execute(&mut conn)
                        .await
                        .unwrap();
                    migrator_up_to(backend, version, &scratch).await.run_direct(&mut conn).await.unwrap();
                    conn.close().await.unwrap();
                    project_postgres(&url).await
                }
            };
            let at = format!("schema {version:04} {backend:?}");
            let db = Db::connect_existing(&url).await.unwrap_or_else(|e| panic!("{at}: migrating failed: {e:?}"));
            let db = db.with_keyring(keys.clone());
            assert!(db.readiness().await.ready(), "{at}: not ready after the upgrade");
            let mut counted = 0;
            for (table, rows) in &copied {
                let found: i64 = sqlx::query(&format!("SELECT COUNT(*) AS n FROM \"{table}\""))
                    .fetch_one(&db.pool)
                    .await
                    .unwrap()
                    .get("n");
                assert_eq!(found, *rows, "{at}: rows of {table}");
                if let Some(expected) = manifest["counts"][table.as_str()].as_i64() {
                    assert_eq!(*rows, expected, "{at}: every fixture row of {table} went into the older schema");
                    counted += 1;
                }
            }
            let has = |table: &str| copied.iter().any(|(t, _)| t == table);
            if has("audit_log") {
                let report = nimo_store::audit::verify(&db).await.unwrap();
                assert_eq!(report.first_broken, None, "{at}: the audit chain verifies");
            }
            if has("sheet_figure") || has("sheet") {
                let code = nimo_domain::MunicipalityCode::parse("131105").unwrap();
                let sheet = nimo_store::sheets::load(&db, &code, nimo_domain::FiscalYear::new(2022).unwrap()).await;
                assert!(sheet.is_ok(), "{at}: the sheet loads: {:?}", sheet.err());
            }
            if has("person") {
                let person = nimo_store::people::get(&db, manifest["person"].as_i64().unwrap()).await.unwrap();
                assert!(!person.name_kana.is_empty(), "{at}: a sealed name opens with the old key");
            }
            eprintln!("{at}: {} tables copied ({counted} counted in the manifest), upgraded", copied.len());
            db.close().await;
            tried += 1;
        }
        assert_eq!(tried, all.len() - 1, "{backend:?}: every earlier version was tried");
    }
    let _ = std::fs::remove_dir_all(&scratch);
}
