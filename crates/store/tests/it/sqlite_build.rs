//! How the bundled SQLite is built: without its process-wide memory statistics (the workspace's
//! `.cargo/config.toml` passes `-DSQLITE_DEFAULT_MEMSTATUS=0`), so that the pool's threads do not
//! take one mutex on every allocation.

use nimo_store::Backend;
use nimo_store::testing::TestDb;

#[tokio::test]
async fn sqlite_is_built_without_memory_statistics() {
    let t = TestDb::new(Backend::Sqlite).await.unwrap();
    let options: Vec<String> = sqlx::query_scalar("PRAGMA compile_options").fetch_all(&t.db.pool).await.unwrap();
    assert!(
        options.iter().any(|option| option == "DEFAULT_MEMSTATUS=0"),
        "the bundled SQLite keeps memory statistics: is .cargo/config.toml's LIBSQLITE3_FLAGS applied? {options:?}"
    );
}
