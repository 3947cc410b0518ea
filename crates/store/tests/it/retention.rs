//! Retention on every backend: the rows past the retention go, oldest first, behind a signed
//! checkpoint from which verify starts; the rest stays and verifies. A tampered or forged
//! checkpoint, or a row deleted after it, fails verification; the database still refuses every
//! other DELETE. Expired sessions are purged, live ones stay. Times are explicit: rows are dated
//! years back instead of waiting.

use nimo_store::audit::{self, AuditEvent, BreakReason};
use nimo_store::testing::{TestDb, append_dated, backends};
use nimo_store::{Backend, Db, StoreError};
use std::collections::HashMap;
use time::{Duration, OffsetDateTime};
use tower_sessions::SessionStore;
use tower_sessions::session::{Id, Record};

/// `old` rows dated six years back, `recent` dated a year back, then `now` rows appended now.
async fn dated_log(db: &Db, old: i64, recent: i64, now: usize) {
    let start = OffsetDateTime::now_utc();
    let read = AuditEvent::new("user:1", "192.0.2.1", "read", audit::Outcome::Ok).with_record("case", "42");
    for i in 0..old {
        append_dated(db, &read, start - Duration::days(6 * 365) + Duration::minutes(i)).await.unwrap();
    }
    for i in 0..recent {
        append_dated(db, &read, start - Duration::days(365) + Duration::minutes(i)).await.unwrap();
    }
    for _ in 0..now {
        audit::append(db, &AuditEvent::cli("import")).await.unwrap();
    }
}

async fn count(db: &Db, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&db.pool).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// The default retention's cut-off now.
fn cutoff() -> OffsetDateTime {
    audit::cutoff(OffsetDateTime::now_utc(), audit::DEFAULT_RETENTION_DAYS)
}

/// Runs SQL as the owner with the checkpoint and log triggers out of the way, as an attacker with
/// the owner's password could.
async fn behind_the_triggers_back(t: &TestDb, sql: &str) {
    let (off, on): (&[&str], &[&str]) = match t.db.backend {
        Backend::Sqlite => (
            &[
                "DROP TRIGGER IF EXISTS audit_log_no_delete",
                "DROP TRIGGER IF EXISTS audit_checkpoint_no_update",
                "DROP TRIGGER IF EXISTS audit_checkpoint_no_delete",
            ],
            &[],
        ),
        Backend::Postgres => (
            &[
                "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_or_delete",
                "ALTER TABLE audit_checkpoint DISABLE TRIGGER audit_checkpoint_no_update_or_delete",
            ],
            &[
                "ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_or_delete",
                "ALTER TABLE audit_checkpoint ENABLE TRIGGER audit_checkpoint_no_update_or_delete",
            ],
        ),
    };
    for statement in off.iter().chain([&sql]).chain(on) {
        sqlx::query(statement).execute(&t.db.pool).await.unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
}

#[tokio::test]
async fn rows_past_retention_are_purged_behind_a_signed_checkpoint_and_the_rest_verifies() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        dated_log(&t.db, 5, 3, 2).await;

        let dry = audit::purgeable(&t.db, cutoff()).await.unwrap();
        assert_eq!((dry.rows, dry.through, dry.checkpoints), (5, Some(5), 0), "{backend:?}");
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM audit_log").await, 10, "{backend:?}: a dry run changes nothing");

        let report = audit::purge_older_than(&t.db, cutoff(), &AuditEvent::cli("audit_purge")).await.unwrap();
        assert_eq!((report.rows, report.through, report.checkpoints), (5, Some(5), 1), "{backend:?}");
        let past = format!("SELECT COUNT(*) FROM audit_log WHERE at < '{}'", audit::timestamp(report.cutoff));
        assert_eq!(count(&t.db, &past).await, 0, "{backend:?}: no record past retention");
        assert_eq!(count(&t.db, "SELECT MIN(id) FROM audit_log").await, 6, "{backend:?}: the younger rows stay");
        assert_eq!(count(&t.db, "SELECT MAX(id) FROM audit_log").await, 11, "{backend:?}: and the purge's own row");

        let checkpoint = audit::latest_checkpoint(&t.db).await.unwrap().expect("a checkpoint");
        assert_eq!((checkpoint.id, checkpoint.last_id, checkpoint.purged), (1, 5, 5), "{backend:?}");
        assert!(checkpoint.is_signed_by(t.db.keyring().unwrap()));
        assert_eq!(checkpoint.purged_before, report.cutoff, "{backend:?}: the typed cut-off, read back as written");
        assert_eq!(checkpoint.at.nanosecond() % 1000, 0, "stored to the microsecond");
        assert!(OffsetDateTime::now_utc() - checkpoint.at < time::Duration::minutes(1), "written now");
        let row = audit::search(&t.db, &audit::AuditFilter { limit: 1, ..Default::default() }).await.unwrap();
        assert_eq!(row[0].action, "audit_purge");
        assert_eq!((row[0].record_type.as_deref(), row[0].record_id.as_deref()), (Some("audit_checkpoint"), Some("1")));
        assert_eq!(
            row[0].detail.as_deref(),
            Some(format!("rows:5/through:5/before:{}", audit::timestamp(report.cutoff)).as_str())
        );
        let first: String =
            sqlx::query_scalar("SELECT prev_hash FROM audit_log WHERE id = 6").fetch_one(&t.db.pool).await.unwrap();
        assert_eq!(first, checkpoint.last_hash, "the first row left links to the checkpoint");

        let verified = audit::verify(&t.db).await.unwrap();
        assert_eq!((verified.rows, verified.first_broken), (6, None), "{backend:?}");
        assert_eq!(verified.checkpoint, Some(checkpoint));

        let again = audit::purge_older_than(&t.db, cutoff(), &AuditEvent::cli("audit_purge")).await.unwrap();
        assert_eq!((again.rows, again.checkpoints), (0, 0), "{backend:?}: nothing left to purge, nothing written");
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM audit_log").await, 6);
    }
}

#[tokio::test]
async fn a_long_prefix_is_purged_in_batches_each_with_its_checkpoint() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        dated_log(&t.db, 7, 2, 0).await;
        let report = audit::purge_in_batches(&t.db, cutoff(), 3, &AuditEvent::cli("audit_purge")).await.unwrap();
        assert_eq!((report.rows, report.through, report.checkpoints), (7, Some(7), 3), "{backend:?}");
        let covered: Vec<(i64, i64)> =
            audit::checkpoints(&t.db).await.unwrap().iter().map(|c| (c.last_id, c.purged)).collect();
        assert_eq!(covered, [(3, 3), (6, 3), (7, 1)], "{backend:?}");
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM audit_log WHERE action = 'audit_purge'").await, 3);
        let verified = audit::verify(&t.db).await.unwrap();
        assert_eq!((verified.rows, verified.first_broken), (5, None), "{backend:?}: 2 young rows and 3 purge rows");
    }
}

#[tokio::test]
async fn a_purge_takes_only_the_rows_there_when_it_began_not_its_own() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        dated_log(&t.db, 0, 0, 4).await;
        // With a cut-off in the future every row is past retention, the purge's own rows too.
        let future = OffsetDateTime::now_utc() + Duration::days(1);
        let report = audit::purge_in_batches(&t.db, future, 2, &AuditEvent::cli("audit_purge")).await.unwrap();
        assert_eq!((report.rows, report.through, report.checkpoints), (4, Some(4), 2), "{backend:?}");
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM audit_log").await, 2, "{backend:?}: the two purge rows");
        assert_eq!(audit::verify(&t.db).await.unwrap().first_broken, None);
    }
}

#[tokio::test]
async fn a_tampered_checkpoint_or_a_row_deleted_after_it_fails_verification() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        dated_log(&t.db, 4, 3, 0).await;
        audit::purge_older_than(&t.db, cutoff(), &AuditEvent::cli("audit_purge")).await.unwrap();
        assert_eq!(audit::verify(&t.db).await.unwrap().first_broken, None);

        behind_the_triggers_back(&t, "UPDATE audit_checkpoint SET purged = 3").await;
        let report = audit::verify(&t.db).await.unwrap();
        assert_eq!(report.first_broken, Some((4, BreakReason::CheckpointSignature)), "{backend:?}");
        behind_the_triggers_back(&t, "UPDATE audit_checkpoint SET purged = 4").await;
        assert_eq!(audit::verify(&t.db).await.unwrap().first_broken, None, "{backend:?}: restored");

        // Another key does not vouch for the checkpoint either.
        let stranger =
            Db::connect(&t.url).await.unwrap().with_keyring(std::sync::Arc::new(nimo_vault::Keyring::generate()));
        let report = audit::verify(&stranger).await.unwrap();
        assert_eq!(report.first_broken, Some((4, BreakReason::CheckpointSignature)), "{backend:?}");
        // Without a key, checkpoints cannot be checked at all.
        let keyless = Db::connect(&t.url).await.unwrap();
        assert!(matches!(audit::verify(&keyless).await, Err(StoreError::NoKeys)), "{backend:?}");

        behind_the_triggers_back(&t, "DELETE FROM audit_log WHERE id = 5").await;
        let report = audit::verify(&t.db).await.unwrap();
        assert_eq!(report.first_broken, Some((5, BreakReason::Missing)), "{backend:?}: the row after the checkpoint");

        behind_the_triggers_back(&t, "DELETE FROM audit_checkpoint").await;
        let report = audit::verify(&t.db).await.unwrap();
        assert_eq!(report.first_broken, Some((1, BreakReason::Missing)), "{backend:?}: without the checkpoint");
    }
}

#[tokio::test]
async fn a_checkpoint_written_without_the_key_lets_rows_go_but_verify_names_it() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        dated_log(&t.db, 0, 0, 6).await;
        // What the database alone allows anyone who may insert: a checkpoint that follows the
        // chain, then deleting the rows it covers.
        let hash: String =
            sqlx::query_scalar("SELECT hash FROM audit_log WHERE id = 4").fetch_one(&t.db.pool).await.unwrap();
        let forged = format!(
            "INSERT INTO audit_checkpoint (id, last_id, last_hash, purged, purged_before, at, signature)
             VALUES (1, 4, '{hash}', 4, '2099-01-01T00:00:00.000000Z', '2026-12-06T00:00:00.000000Z', '{}')",
            "ab".repeat(32)
        );
        sqlx::query(&forged).execute(&t.db.pool).await.unwrap();
        sqlx::query("DELETE FROM audit_log WHERE id <= 4").execute(&t.db.pool).await.unwrap();
        let report = audit::verify(&t.db).await.unwrap();
        assert_eq!(report.first_broken, Some((4, BreakReason::CheckpointSignature)), "{backend:?}");
    }
}

#[tokio::test]
async fn the_database_refuses_every_delete_no_checkpoint_covers_and_any_change_to_checkpoints() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        dated_log(&t.db, 3, 3, 0).await;
        audit::purge_older_than(&t.db, cutoff(), &AuditEvent::cli("audit_purge")).await.unwrap();
        let hash_of_2 = "0".repeat(64);
        let hash_of_5: String =
            sqlx::query_scalar("SELECT hash FROM audit_log WHERE id = 5").fetch_one(&t.db.pool).await.unwrap();
        let insert = |last_id: i64, hash: &str| {
            format!(
                "INSERT INTO audit_checkpoint (id, last_id, last_hash, purged, purged_before, at, signature)
                 VALUES (9, {last_id}, '{hash}', 1, 'x', 'x', 'x')"
            )
        };
        let mut refused = vec![
            "DELETE FROM audit_log WHERE id = 4".to_string(),
            "DELETE FROM audit_log".to_string(),
            "UPDATE audit_log SET actor = 'user:99' WHERE id = 5".to_string(),
            "UPDATE audit_checkpoint SET last_id = 4".to_string(),
            "DELETE FROM audit_checkpoint".to_string(),
            insert(2, &hash_of_2),
            insert(5, &hash_of_2),
            insert(3, &hash_of_5),
        ];
        if backend == Backend::Postgres {
            refused.push("TRUNCATE audit_checkpoint".into());
            refused.push("TRUNCATE audit_log".into());
        }
        for sql in &refused {
            let err = sqlx::query(sql).execute(&t.db.pool).await.expect_err(sql);
            let message = err.to_string();
            assert!(
                message.contains("append-only") || message.contains("must cover more"),
                "{backend:?} {sql}: {message}"
            );
        }
        let report = audit::verify(&t.db).await.unwrap();
        assert_eq!((report.rows, report.first_broken), (4, None), "{backend:?}");
    }
}

#[tokio::test]
async fn a_purge_without_the_key_is_refused_and_changes_nothing() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        dated_log(&t.db, 3, 0, 1).await;
        let keyless = Db::connect(&t.url).await.unwrap();
        let err = audit::purge_older_than(&keyless, cutoff(), &AuditEvent::cli("audit_purge")).await.unwrap_err();
        assert!(matches!(err, StoreError::NoKeys), "{backend:?}: {err}");
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM audit_log").await, 4);
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM audit_checkpoint").await, 0);
    }
}

#[tokio::test]
async fn expired_sessions_are_purged_and_live_ones_stay() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let now = OffsetDateTime::now_utc();
        let mut ids = Vec::new();
        for minutes in [-90, -5, 25] {
            let mut record =
                Record { id: Id::default(), data: HashMap::new(), expiry_date: now + Duration::minutes(minutes) };
            t.db.sessions.create(&mut record).await.unwrap();
            ids.push(record.id);
        }
        let table = if backend == Backend::Sqlite { "tower_sessions" } else { "tower_sessions.session" };
        let rows = format!("SELECT COUNT(*) FROM {table}");
        assert_eq!(count(&t.db, &rows).await, 3);
        // Keeping expired rows for an hour: only the one that expired 90 minutes ago goes.
        assert_eq!(nimo_store::sessions::purge_expired_at(&t.db, now - Duration::hours(1)).await.unwrap(), 1);
        assert_eq!(nimo_store::sessions::purge_expired_at(&t.db, now).await.unwrap(), 1, "{backend:?}");
        assert_eq!(count(&t.db, &rows).await, 1, "{backend:?}");
        assert!(t.db.sessions.load(&ids[2]).await.unwrap().is_some(), "{backend:?}: the live session stays");
    }
}
