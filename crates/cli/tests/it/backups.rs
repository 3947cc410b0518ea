//! `nimo backup` and `nimo restore`: a backup of a database with case records restores into an
//! empty database with every row of every table and an audit chain that verifies; the file
//! shows nothing in the clear; a wrong key, a changed byte or a database that is not empty is
//! refused before anything is written.

use crate::harness::{Run, TestDatabase, block_on, for_each_backend, nimo};
use nimo_store::Backend;

/// Every row of every table, as text, table by table (straight on the database).
fn rows_of_every_table(db: &TestDatabase) -> Vec<(String, Vec<String>)> {
    block_on(async {
        use sqlx::{Connection, Row};
        let mut out = Vec::new();
        match db.backend {
            Backend::Sqlite => {
                let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
                let tables: Vec<String> = sqlx::query_scalar(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
                )
                .fetch_all(&mut conn)
                .await
                .unwrap();
                for table in tables {
                    let columns: Vec<String> = sqlx::query(&format!("PRAGMA table_info({table})"))
                        .fetch_all(&mut conn)
                        .await
                        .unwrap()
                        .iter()
                        .map(|row| row.get::<String, _>("name"))
                        .collect();
                    let line = columns.iter().map(|c| format!("quote(\"{c}\")")).collect::<Vec<_>>().join("||'|'||");
                    let rows: Vec<String> = sqlx::query_scalar(&format!("SELECT {line} FROM {table} ORDER BY 1"))
                        .fetch_all(&mut conn)
                        .await
                        .unwrap();
                    out.push((table, rows));
                }
            }
            Backend::Postgres => {
                let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
                let tables: Vec<String> = sqlx::query_scalar(
                    "SELECT table_schema || '.' || table_name FROM information_schema.tables \
                     WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE' \
                     ORDER BY 1",
                )
                .fetch_all(&mut conn)
                .await
                .unwrap();
                for table in tables {
                    let rows: Vec<String> = sqlx::query_scalar(&format!("SELECT t::text FROM {table} t ORDER BY 1"))
                        .fetch_all(&mut conn)
                        .await
                        .unwrap();
                    out.push((table, rows));
                }
            }
        }
        out
    })
}

#[test]
fn a_backup_restores_every_row_into_an_empty_database_and_refuses_what_it_cannot_trust() {
    for_each_backend(|db| {
        db.import_demo();
        db.nimo(&["user", "add", "--login", "sato", "--name", "佐藤", "--role", "staff", "--municipality", "131105"])
            .succeeds();
        db.nimo(&["synth", "--municipality", "131105", "--fy", "2021"]).succeeds();
        let key = db.path("backup.keys");
        Run::of(nimo(db.dir.path()).args(["keys", "generate", "-o"]).arg(&key)).succeeds();
        let key = key.to_str().unwrap().to_string();
        let file = db.path("nimo.backup").to_str().unwrap().to_string();
        let run = db.nimo(&["backup", "--to", &file, "--backup-key", &key]).succeeds();
        assert!(run.stderr.contains("バックアップを書きました"), "{}", run.stderr);
        // Nothing in the clear: not the sheet's text, not the account's name.
        let bytes = std::fs::read(&file).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.starts_with("nimo-backup 1\n"));
        for plain in ["目黒区", "佐藤", "sato", "CREATE TABLE"] {
            assert!(!text.contains(plain), "{:?}: {plain} in the clear", db.backend);
        }
        // Overwriting a backup is refused.
        db.nimo(&["backup", "--to", &file, "--backup-key", &key]).fails();

        // Into an empty database: every row of every table, and the audit chain verifies.
        let target = TestDatabase::new(db.backend);
        let run = target.nimo(&["restore", "--from", &file, "--backup-key", &key]).succeeds();
        assert!(run.stderr.contains("戻しました") && run.stderr.contains("監査ログ"), "{}", run.stderr);
        let (before, after) = (rows_of_every_table(db), rows_of_every_table(&target));
        assert!(before.len() > 30, "{:?}: {} tables", db.backend, before.len());
        for ((table, rows), (same, copied)) in before.iter().zip(after.iter()) {
            assert_eq!(table, same);
            assert_eq!(rows, copied, "{:?}: rows of {table}", db.backend);
        }
        assert_eq!(before.len(), after.len());
        assert!(target.count("SELECT COUNT(*) FROM report23") >= 40);
        // Again into the same (now full) database: refused, and nothing changes.
        let run = target.nimo(&["restore", "--from", &file, "--backup-key", &key]).fails();
        assert!(run.stderr.contains("空"), "{}", run.stderr);
        assert_eq!(rows_of_every_table(&target), after);

        // Another key, or one changed byte of the sealed copy: refused before anything is written.
        let other = db.path("other.keys");
        Run::of(nimo(db.dir.path()).args(["keys", "generate", "-o"]).arg(&other)).succeeds();
        let fresh = TestDatabase::new(db.backend);
        let run = fresh.nimo(&["restore", "--from", &file, "--backup-key", other.to_str().unwrap()]).fails();
        assert!(run.stderr.contains("復号できません"), "{}", run.stderr);
        let mut changed = bytes.clone();
        let at = changed.len() - 100;
        changed[at] = if changed[at] == b'A' { b'B' } else { b'A' };
        let tampered = db.write("tampered.backup", &changed);
        let run = fresh.nimo(&["restore", "--from", &tampered, "--backup-key", &key]).fails();
        assert!(run.stderr.contains("復号できません"), "{}", run.stderr);
        // The manifest is sealed with the copy: an edited one (an older schema, say) is refused too.
        let edited = text.replacen("\"schema_version\":", "\"schema_version\":1", 1);
        assert_ne!(edited, text);
        let edited = db.write("edited.backup", edited.as_bytes());
        let run = fresh.nimo(&["restore", "--from", &edited, "--backup-key", &key]).fails();
        assert!(run.stderr.contains("復号できません"), "{}", run.stderr);
        match db.backend {
            Backend::Sqlite => assert!(!fresh.path("nimo.db").exists() && rows_of_every_table_is_absent(&fresh)),
            Backend::Postgres => assert!(rows_of_every_table(&fresh).is_empty(), "nothing was written"),
        }
    });
}

/// Whether an SQLite test database's file was never made.
fn rows_of_every_table_is_absent(db: &TestDatabase) -> bool {
    let path = db.url.trim_start_matches("sqlite://");
    !std::path::Path::new(path.split('?').next().unwrap_or(path)).exists()
}
