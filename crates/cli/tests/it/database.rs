//! `nimo migrate`: an empty database gets the schema, and running it again is harmless.

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
