//! `nimo audit purge`: a dry run prints the count and changes nothing; the purge removes the rows
//! past the retention behind a signed checkpoint, `nimo audit verify` starts from it, and a
//! tampered checkpoint fails verification with a message that says so.

use crate::harness::{Run, TestDatabase, block_on, for_each_backend};
use nimo_store::audit::{AuditEvent, Outcome};
use time::{Duration, OffsetDateTime};

/// Migrates the database and appends `old` rows dated six years back and `young` dated now.
fn dated_log(db: &TestDatabase, old: i64, young: i64) {
    db.nimo(&["migrate"]).succeeds();
    block_on(async {
        let store = nimo_store::Db::connect(&db.url).await.expect("database");
        let event = AuditEvent::new("user:1", "192.0.2.1", "read", Outcome::Ok).with_record("case", "7");
        let start = OffsetDateTime::now_utc() - Duration::days(6 * 365);
        for i in 0..old {
            nimo_store::testing::append_dated(&store, &event, start + Duration::minutes(i)).await.expect("old row");
        }
        for _ in 0..young {
            nimo_store::audit::append(&store, &event).await.expect("young row");
        }
        store.pool.close().await;
    });
}

#[test]
fn a_dry_run_prints_the_count_and_changes_nothing() {
    for_each_backend(|db| {
        dated_log(db, 3, 2);
        let run = db.nimo(&["audit", "purge", "--dry-run"]).succeeds();
        let out = run.stdout_text();
        assert!(out.contains("3 行") && out.contains("ID 3 まで") && out.contains("--dry-run"), "{out}");
        assert!(out.contains("保存期間 1830 日"), "{out}");
        assert_eq!(db.count("SELECT COUNT(*) FROM audit_log"), 5, "{:?}: nothing deleted", db.backend);
        assert_eq!(db.count("SELECT COUNT(*) FROM audit_checkpoint"), 0, "no checkpoint written");
        // The retention comes from the flag, the environment or the file, like every setting.
        let run = db.nimo(&["audit", "purge", "--dry-run", "--audit-retention-days", "36500"]).succeeds();
        assert!(run.stdout_text().contains(": 0 行"), "{}", run.stdout_text());
        let run = db.nimo(&["audit", "purge", "--audit-retention-days", "30"]).fails();
        assert!(run.stderr.contains("365 から 36500"), "{}", run.stderr);
    });
}

#[test]
fn a_purge_removes_the_rows_past_retention_and_verify_starts_from_its_checkpoint() {
    for_each_backend(|db| {
        dated_log(db, 4, 2);
        let run = db.nimo(&["audit", "purge"]).succeeds();
        let out = run.stdout_text();
        assert!(out.contains("4 行を削除しました") && out.contains("ID 4 まで、チェックポイント 1 件"), "{out}");
        let cutoff = nimo_store::audit::timestamp(OffsetDateTime::now_utc() - Duration::days(1830));
        assert_eq!(db.count(&format!("SELECT COUNT(*) FROM audit_log WHERE at < '{cutoff}'")), 0, "{:?}", db.backend);
        assert_eq!(db.count("SELECT COUNT(*) FROM audit_log"), 3, "two young rows and the purge's own");
        let purge_rows = "SELECT COUNT(*) FROM audit_log WHERE actor = 'cli' AND action = 'audit_purge'
                          AND record_type = 'audit_checkpoint' AND detail LIKE 'rows:4/through:4/before:%'";
        assert_eq!(db.count(purge_rows), 1, "the purge is audited");

        let run = db.nimo(&["audit", "verify"]).succeeds();
        assert!(run.stderr.contains("チェックポイント 1（行 4 までの 4 行"), "{}", run.stderr);
        assert!(run.stderr.contains("監査ログ 3 行を検証しました"), "{}", run.stderr);

        let run = Run::of(db.command(&["audit", "verify"]).env_remove("NIMO_KEY_FILE")).fails();
        assert!(run.stderr.contains("鍵ファイルが必要です"), "{}", run.stderr);

        db.behind_the_triggers_back("audit_checkpoint", "UPDATE audit_checkpoint SET purged = 3");
        let run = db.nimo(&["audit", "verify"]).fails();
        assert!(run.stderr.contains("行 4 で改ざんを検出しました") && run.stderr.contains("署名"), "{}", run.stderr);
    });
}
