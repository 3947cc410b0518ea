//! Upgrades from every earlier schema with data in it: each `tests/fixtures/upgrades/NNNN/` holds
//! a database that `nimo demo` made when NNNN was the last migration (fictional data, as SQL for
//! SQLite and PostgreSQL, with the demo's key file and the counts it held). Each is loaded into an
//! empty database, this build's migrations are applied, and what users rely on must still be
//! there: every counted row, the audit chain verifying, the sheet loading, a person's sealed name
//! opening with the old key. A new migration is tested against every fixture; a release that
//! changes the schema adds its own fixture.

use nimo_store::testing::{backends, create_database};
use nimo_store::{Backend, Db};
use std::path::PathBuf;

fn fixtures() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/upgrades");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// Loads a fixture's SQL into an empty database of the backend, through one connection.
async fn load(backend: Backend, url: &str, sql: &str) {
    use sqlx::Connection;
    match backend {
        Backend::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
            sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
            conn.close().await.unwrap();
        }
        Backend::Postgres => {
            let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
            sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
            conn.close().await.unwrap();
        }
    }
}

async fn count(db: &Db, table: &str) -> i64 {
    use sqlx::Row;
    let row = sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table}")).fetch_one(&db.pool).await.unwrap();
    row.try_get("n").unwrap()
}

#[tokio::test]
async fn every_earlier_schema_with_its_data_upgrades_to_this_build() {
    let fixtures = fixtures();
    assert!(!fixtures.is_empty(), "no upgrade fixture");
    for dir in fixtures {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let manifest: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
        // Read as text: git keeps no 0600 mode, which a key file on disk must have.
        let keys = std::fs::read_to_string(dir.join("demo.keys")).unwrap();
        let keys = nimo_vault::Keyring::from_toml(&keys, "demo.keys").unwrap();
        let keys = std::sync::Arc::new(keys);
        for backend in backends() {
            let (url, _guard) = create_database(backend).await.unwrap();
            let file = if backend == Backend::Sqlite { "sqlite.sql" } else { "postgres.sql" };
            load(backend, &url, &std::fs::read_to_string(dir.join(file)).unwrap()).await;
            let before = {
                let db = Db::connect_existing(&url).await;
                // Connecting migrates: the old schema must take every migration of this build.
                db.unwrap_or_else(|e| panic!("{name} {backend:?}: migrating failed: {e:?}"))
            };
            let db = before.with_keyring(keys.clone());
            assert!(db.readiness().await.ready(), "{name} {backend:?}: not ready after the upgrade");
            for (table, expected) in manifest["counts"].as_object().unwrap() {
                let found = count(&db, table).await;
                assert_eq!(Some(found), expected.as_i64(), "{name} {backend:?}: rows of {table}");
            }
            let report = nimo_store::audit::verify(&db).await.unwrap();
            assert_eq!(report.first_broken, None, "{name} {backend:?}: the audit chain verifies");
            assert_eq!(Some(report.rows as i64), manifest["counts"]["audit_log"].as_i64(), "{name} {backend:?}");
            let code = nimo_domain::MunicipalityCode::parse("131105").unwrap();
            let sheet = nimo_store::sheets::load(&db, &code, nimo_domain::FiscalYear::new(2022).unwrap()).await;
            assert!(sheet.is_ok(), "{name} {backend:?}: the sheet loads: {:?}", sheet.err());
            let person = nimo_store::people::get(&db, manifest["person"].as_i64().unwrap()).await.unwrap();
            assert!(!person.name_kana.is_empty(), "{name} {backend:?}: a sealed name opens with the old key");
            db.close().await;
        }
    }
}
