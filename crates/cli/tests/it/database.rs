//! `nimo migrate`: an empty database gets the schema, running it again is harmless, the
//! configuration file decides where the data goes, and `--dry-run` lists what would be applied.

use crate::harness::{Run, demo_json, for_each_backend, nimo};

#[test]
fn migrate_creates_an_empty_database() {
    for_each_backend(|db| {
        let run = db.nimo(&["migrate"]).succeeds();
        assert!(run.stderr.contains("マイグレーションを適用しました"), "{}", run.stderr);
        let migrations = db.count("SELECT COUNT(*) FROM _sqlx_migrations");
        assert!(migrations > 0, "{:?}", db.backend);
        assert_eq!(db.count("SELECT COUNT(*) FROM sheet"), 0);

        // A second run, this time with the URL from the environment, keeps the data.
        db.import_demo();
        Run::of(nimo(db.dir.path()).args(["migrate"]).env("NIMO_DATABASE_URL", &db.url)).succeeds();
        assert_eq!(db.count("SELECT COUNT(*) FROM _sqlx_migrations"), migrations);
        assert_eq!(db.export("json"), demo_json(), "{:?}", db.backend);
        assert!(!db.path("data").exists(), "NIMO_DATABASE_URL was used, not the default data directory");
    });
}

#[test]
fn a_config_file_sets_the_data_dir_and_a_typo_in_it_is_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("nimo.toml"), "data_dir = \"from-config\"\n").unwrap();
    Run::of(nimo(dir.path()).arg("migrate")).succeeds();
    assert!(dir.path().join("from-config/nimo.db").exists(), "nimo.toml in the working directory is read");
    // The environment wins over the file.
    Run::of(nimo(dir.path()).arg("migrate").env("NIMO_DATA_DIR", "from-env")).succeeds();
    assert!(dir.path().join("from-env/nimo.db").exists());

    std::fs::write(dir.path().join("other.toml"), "data_dr = \"x\"\n").unwrap();
    let run = Run::of(nimo(dir.path()).args(["migrate", "--config", "other.toml"])).fails();
    assert!(
        run.stderr.contains("設定ファイル other.toml に誤りがあります") && run.stderr.contains("data_dr"),
        "{}",
        run.stderr
    );
    let run = Run::of(nimo(dir.path()).args(["migrate", "--config", "missing.toml"])).fails();
    assert!(run.stderr.contains("missing.toml を読めません"), "{}", run.stderr);
}

#[test]
fn migrate_dry_run_lists_what_would_be_applied_and_changes_nothing() {
    let files =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../store/migrations/postgres")).unwrap().count();
    for_each_backend(|db| {
        let run = db.nimo(&["migrate", "--dry-run"]);
        match db.backend {
            // No file yet: said so, and none is made.
            nimo_store::Backend::Sqlite => {
                let run = run.fails();
                assert!(run.stderr.contains("がありません"), "{}", run.stderr);
            }
            // An empty database: every migration, in order, and still no table.
            nimo_store::Backend::Postgres => {
                let out = run.succeeds().stdout_text();
                assert_eq!(out.lines().count(), files, "{out}");
                assert!(out.lines().next().unwrap_or_default().starts_with("0001 "), "{out}");
                assert_eq!(db.count("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'"), 0);
            }
        }
        db.nimo(&["migrate"]).succeeds();
        let out = db.nimo(&["migrate", "--dry-run"]).succeeds().stdout_text();
        assert!(out.contains("最新です"), "{:?}: {out}", db.backend);
        // One migration behind (as a database restored from an older backup): exactly that one.
        let last = db.count("SELECT MAX(version) FROM _sqlx_migrations");
        db.execute(&format!("DELETE FROM _sqlx_migrations WHERE version = {last}"));
        let out = db.nimo(&["migrate", "--dry-run"]).succeeds().stdout_text();
        assert_eq!(out.lines().collect::<Vec<_>>().len(), 1, "{:?}: {out}", db.backend);
        assert!(out.starts_with(&format!("{last:04} ")), "{:?}: {out}", db.backend);
        assert_eq!(db.count(&format!("SELECT COUNT(*) FROM _sqlx_migrations WHERE version = {last}")), 0, "dry run");
    });
}
