//! The audit log on every backend: appends form one verified chain, also when concurrent; the
//! database refuses UPDATE and DELETE; an edit or deletion made behind the triggers' back is
//! found at exactly the row it touched.

use nimo_store::audit::{self, AuditEvent, AuditFilter, BreakReason, GENESIS_HASH, Outcome};
use nimo_store::testing::{TestDb, backends};
use nimo_store::{Backend, Db, StoreError};

/// A mix of events: with and without record and detail, every outcome.
fn events() -> Vec<AuditEvent> {
    vec![
        AuditEvent::new(audit::ACTOR_ANONYMOUS, "192.0.2.7", "login_failed", Outcome::Failed)
            .with_detail("wrong_password"),
        AuditEvent::new(audit::user_actor(12), "192.0.2.7", "login", Outcome::Ok),
        AuditEvent::new(audit::user_actor(12), "2001:db8::1", "read", Outcome::Ok).with_record("sheet", "131105/2022"),
        AuditEvent::new(audit::user_actor(12), "2001:db8::1", "write", Outcome::Denied)
            .with_record("sheet", "131113/2022")
            .with_detail("other_municipality"),
        AuditEvent::cli("import").with_record("sheet", "131105/2022"),
    ]
}

async fn append_all(db: &Db, events: &[AuditEvent]) -> Vec<i64> {
    let mut ids = Vec::new();
    for event in events {
        ids.push(audit::append(db, event).await.unwrap());
    }
    ids
}

/// Runs SQL as the database owner with the append-only triggers out of the way, as an attacker
/// with the owner's password could.
async fn behind_the_triggers_back(t: &TestDb, sql: &str) {
    let (off, on): (&[&str], &[&str]) = match t.db.backend {
        Backend::Sqlite => (&["DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"], &[]),
        Backend::Postgres => (
            &["ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_or_delete"],
            &["ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_or_delete"],
        ),
    };
    for statement in off.iter().chain([&sql]).chain(on) {
        sqlx::query(statement).execute(&t.db.pool).await.unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
}

#[tokio::test]
async fn appended_events_form_a_chain_that_verifies() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let empty = audit::verify(&t.db).await.unwrap();
        assert_eq!((empty.rows, empty.first_broken, empty.last_hash.as_str()), (0, None, GENESIS_HASH));

        let ids = append_all(&t.db, &events()).await;
        assert_eq!(ids, vec![1, 2, 3, 4, 5], "{backend:?}");
        let report = audit::verify(&t.db).await.unwrap();
        assert_eq!(report.first_broken, None, "{backend:?}");
        assert_eq!(report.rows, 5);

        let rows = audit::search(&t.db, &AuditFilter { oldest_first: true, ..Default::default() }).await.unwrap();
        assert_eq!(rows.len(), 5);
        assert_eq!(rows[0].prev_hash, GENESIS_HASH);
        for pair in rows.windows(2) {
            assert_eq!(pair[1].prev_hash, pair[0].hash, "{backend:?}");
        }
        assert_eq!(report.last_hash, rows[4].hash);
        assert_eq!(rows[3].outcome, "denied");
        assert_eq!(rows[3].detail.as_deref(), Some("other_municipality"));
        assert_eq!(rows[1].record_type, None, "NULL stays NULL");
        assert_eq!((rows[4].actor.as_str(), rows[4].origin.as_str()), ("cli", "cli"));
    }
}

#[tokio::test]
async fn timestamps_are_utc_with_a_z() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let before = time::OffsetDateTime::now_utc();
        append_all(&t.db, &events()).await;
        let rows = audit::search(&t.db, &AuditFilter { oldest_first: true, ..Default::default() }).await.unwrap();
        let stored: Vec<String> =
            sqlx::query_scalar("SELECT at FROM audit_log ORDER BY id").fetch_all(&t.db.pool).await.unwrap();
        assert_eq!(stored.len(), rows.len());
        for (row, text) in rows.iter().zip(&stored) {
            assert!(text.ends_with('Z'), "{backend:?}: {text}");
            assert_eq!(text.len(), "2026-05-01T09:30:00.123456Z".len(), "{text}");
            assert_eq!(&audit::timestamp(row.at), text, "read as the time it was written");
            assert!(row.at >= before - time::Duration::seconds(1), "{text}");
        }
        assert!(rows.windows(2).all(|pair| pair[0].at <= pair[1].at), "time runs forward along the chain");
    }
}

#[tokio::test]
async fn concurrent_appends_form_one_unbroken_chain() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let tasks: Vec<_> = (0..50)
            .map(|i| {
                let db = t.db.clone();
                tokio::spawn(async move {
                    let event = AuditEvent::new(audit::user_actor(i), "192.0.2.1", "read", Outcome::Ok)
                        .with_record("sheet", format!("{i}"));
                    audit::append(&db, &event).await
                })
            })
            .collect();
        let mut ids = Vec::new();
        for task in tasks {
            ids.push(task.await.unwrap().unwrap_or_else(|e| panic!("{backend:?}: {e}")));
        }
        ids.sort();
        assert_eq!(ids, (1..=50).collect::<Vec<i64>>(), "{backend:?}: unique consecutive ids");
        let report = audit::verify(&t.db).await.unwrap();
        assert_eq!((report.rows, report.first_broken), (50, None), "{backend:?}");
    }
}

#[tokio::test]
async fn the_database_refuses_update_and_delete() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        append_all(&t.db, &events()).await;
        let mut refused = vec![
            "UPDATE audit_log SET actor = 'user:99' WHERE id = 3",
            "UPDATE audit_log SET hash = prev_hash",
            "DELETE FROM audit_log WHERE id = 5",
            "DELETE FROM audit_log",
            "DELETE FROM audit_head",
            "UPDATE audit_head SET seq = 0",
        ];
        if backend == Backend::Postgres {
            refused.extend(["TRUNCATE audit_log", "TRUNCATE audit_head"]);
        }
        for sql in refused {
            let err = sqlx::query(sql).execute(&t.db.pool).await.expect_err(sql);
            let message = err.to_string();
            assert!(message.contains("append-only") || message.contains("audit_head"), "{backend:?} {sql}: {message}");
        }
        let report = audit::verify(&t.db).await.unwrap();
        assert_eq!((report.rows, report.first_broken), (5, None), "{backend:?}");
    }
}

#[tokio::test]
async fn an_edited_row_is_the_first_broken_one() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        append_all(&t.db, &events()).await;
        behind_the_triggers_back(&t, "UPDATE audit_log SET actor = 'user:99' WHERE id = 3").await;
        let report = audit::verify(&t.db).await.unwrap();
        assert_eq!(report.first_broken, Some((3, BreakReason::HashMismatch)), "{backend:?}");
        assert_eq!(report.rows, 2);
    }
}

#[tokio::test]
async fn an_edited_row_with_a_recomputed_hash_breaks_the_next_link() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        append_all(&t.db, &events()).await;
        let mut rows = audit::search(&t.db, &AuditFilter { oldest_first: true, ..Default::default() }).await.unwrap();
        let mut forged = rows.remove(2);
        forged.actor = "user:99".into();
        let hash = forged.expected_hash();
        let sql = format!("UPDATE audit_log SET actor = 'user:99', hash = '{hash}' WHERE id = 3");
        behind_the_triggers_back(&t, &sql).await;
        let report = audit::verify(&t.db).await.unwrap();
        assert_eq!(report.first_broken, Some((4, BreakReason::PrevHashMismatch)), "{backend:?}");
    }
}

#[tokio::test]
async fn a_deleted_middle_row_is_reported_missing() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        append_all(&t.db, &events()).await;
        behind_the_triggers_back(&t, "DELETE FROM audit_log WHERE id = 3").await;
        let report = audit::verify(&t.db).await.unwrap();
        assert_eq!(report.first_broken, Some((3, BreakReason::Missing)), "{backend:?}");
        assert_eq!(report.rows, 2);
    }
}

#[tokio::test]
async fn deleted_last_rows_are_reported_missing() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        append_all(&t.db, &events()).await;
        behind_the_triggers_back(&t, "DELETE FROM audit_log WHERE id >= 4").await;
        let report = audit::verify(&t.db).await.unwrap();
        assert_eq!(report.first_broken, Some((4, BreakReason::Missing)), "{backend:?}");
        assert_eq!(report.rows, 3);
    }
}

#[tokio::test]
async fn a_long_log_verifies_across_batches() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let n = audit::BATCH * 2 + 5;
        let mut tx = t.db.pool.begin().await.unwrap();
        for i in 0..n {
            let event = AuditEvent::system("purge").with_record("session", i.to_string());
            audit::append_in(&mut tx, &event).await.unwrap();
        }
        tx.commit().await.unwrap();
        let report = audit::verify(&t.db).await.unwrap();
        assert_eq!((report.rows, report.first_broken), (n as u64, None), "{backend:?}");
        behind_the_triggers_back(&t, &format!("DELETE FROM audit_log WHERE id = {}", audit::BATCH + 1)).await;
        let report = audit::verify(&t.db).await.unwrap();
        assert_eq!(report.first_broken, Some((audit::BATCH + 1, BreakReason::Missing)), "{backend:?}");
    }
}

#[tokio::test]
async fn free_text_is_refused_and_appends_nothing() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        for event in [
            AuditEvent::cli("read").with_record("case", "山田太郎"),
            AuditEvent::cli("read").with_detail("called yamada@example.jp"),
            AuditEvent::new("", "cli", "read", Outcome::Ok),
        ] {
            let err = audit::append(&t.db, &event).await.unwrap_err();
            assert!(matches!(err, StoreError::NotAShortCode(_)), "{backend:?}: {err}");
        }
        let report = audit::verify(&t.db).await.unwrap();
        assert_eq!((report.rows, report.first_broken), (0, None));
        assert_eq!(audit::append(&t.db, &AuditEvent::cli("import")).await.unwrap(), 1, "no id was used up");
    }
}

#[tokio::test]
async fn search_filters_and_pages() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        append_all(&t.db, &events()).await;
        let all = |filter: AuditFilter| {
            let db = t.db.clone();
            async move { audit::search(&db, &filter).await.unwrap().iter().map(|row| row.id).collect::<Vec<_>>() }
        };
        assert_eq!(all(AuditFilter::default()).await, vec![5, 4, 3, 2, 1], "newest first");
        assert_eq!(all(AuditFilter { actor: Some("user:12".into()), ..Default::default() }).await, vec![4, 3, 2]);
        let record = AuditFilter {
            record_type: Some("sheet".into()),
            record_id: Some("131105/2022".into()),
            oldest_first: true,
            ..Default::default()
        };
        assert_eq!(all(record).await, vec![3, 5]);
        assert_eq!(all(AuditFilter { outcome: Some(Outcome::Denied), ..Default::default() }).await, vec![4]);
        assert_eq!(all(AuditFilter { action: Some("login".into()), ..Default::default() }).await, vec![2]);
        assert_eq!(all(AuditFilter { limit: 2, offset: 1, ..Default::default() }).await, vec![4, 3]);
        let page = AuditFilter { after_id: Some(3), oldest_first: true, ..Default::default() };
        assert_eq!(all(page).await, vec![4, 5]);

        let now = time::OffsetDateTime::now_utc();
        let hour = time::Duration::hours(1);
        assert_eq!(
            all(AuditFilter { from: Some(now - hour), to: Some(now + hour), ..Default::default() }).await.len(),
            5
        );
        assert!(all(AuditFilter { from: Some(now + hour), ..Default::default() }).await.is_empty(), "{backend:?}");
        assert!(all(AuditFilter { to: Some(now - hour), ..Default::default() }).await.is_empty());
    }
}

#[tokio::test]
async fn csv_has_a_bom_a_header_and_every_row() {
    let t = TestDb::new(backends()[0]).await.unwrap();
    append_all(&t.db, &events()).await;
    let rows = audit::search(&t.db, &AuditFilter { oldest_first: true, ..Default::default() }).await.unwrap();
    let csv = audit::to_csv(&rows);
    assert!(csv.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], audit::CSV_COLUMNS.join(","));
    assert_eq!(lines.len(), 6);
    assert!(lines[4].starts_with("4,") && lines[4].contains(",denied,other_municipality,"), "{}", lines[4]);
    assert!(lines[5].ends_with(&rows[4].hash));
}
