//! `nimo migrate`: an empty database gets the schema, running it again is harmless, and the
//! configuration file decides where the data goes.

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
