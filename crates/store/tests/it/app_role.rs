//! PostgreSQL in production: `nimo serve` connects as the application role of
//! docs/postgres-app-role.sql, which works with rows but cannot rewrite or remove the audit log,
//! disable its triggers or change the schema, even if the app were subverted.

use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Role, Scope};
use nimo_store::accounts::{self, NewUser};
use nimo_store::audit::{self, AuditEvent, Outcome};
use nimo_store::testing::{TestDb, backends};
use nimo_store::{Backend, Db};

const GRANTS: &str = include_str!("../../../../docs/postgres-app-role.sql");

#[tokio::test]
async fn the_application_role_appends_to_the_audit_log_but_cannot_change_it_or_the_schema() {
    if !backends().contains(&Backend::Postgres) {
        return;
    }
    let t = TestDb::new(Backend::Postgres).await.unwrap();
    let role = format!("nimo_app_{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    sqlx::query(&format!("CREATE ROLE {role} LOGIN")).execute(&t.db.pool).await.unwrap();
    let result = check_role(&t, &role).await;
    // Clean up whatever happened: the role is cluster-wide, the database is dropped with `t`.
    sqlx::query(&format!("DROP OWNED BY {role}")).execute(&t.db.pool).await.unwrap();
    sqlx::query(&format!("DROP ROLE {role}")).execute(&t.db.pool).await.unwrap();
    result.unwrap();
}

async fn check_role(t: &TestDb, role: &str) -> Result<(), String> {
    let grants = GRANTS.replace("nimo_app", role);
    sqlx::raw_sql(&grants).execute(&t.db.pool).await.map_err(|e| format!("grants: {e}"))?;
    let url = t.url.replacen("postgres@", &format!("{role}@"), 1);
    assert_ne!(url, t.url, "the test database URL names the postgres user");
    let app = Db::connect(&url).await.map_err(|e| format!("the app role connects: {e:?}"))?;

    // What the app does works: accounts, audit rows.
    let scope = Scope { municipality: Some(MunicipalityCode::parse("131105").unwrap()), ..Scope::default() };
    let new = NewUser {
        login: "hayashi",
        display_name: "林",
        role: Role::Staff,
        scope,
        password: "kawa no nagare 2026",
        must_change_password: false,
    };
    accounts::create_user(&app, &new, AuditEvent::cli("user_admin").with_detail("create"))
        .await
        .map_err(|e| format!("create user: {e:?}"))?;
    let event = AuditEvent {
        actor: "user:1".into(),
        origin: "192.0.2.1".into(),
        action: "sheet.read".into(),
        record_type: Some("sheet".into()),
        record_id: Some("131105/2022".into()),
        outcome: Outcome::Ok,
        detail: None,
    };
    for _ in 0..3 {
        audit::append(&app, &event).await.map_err(|e| format!("append: {e:?}"))?;
    }

    // Sessions (their own schema): a sign-in creates, loads, saves and ends one; the hourly
    // retention purges expired ones.
    {
        use tower_sessions::session::{Id, Record};
        use tower_sessions::session_store::SessionStore;
        let mut record = Record {
            id: Id::default(),
            data: Default::default(),
            expiry_date: time::OffsetDateTime::now_utc() + time::Duration::minutes(30),
        };
        app.sessions.create(&mut record).await.map_err(|e| format!("session create: {e}"))?;
        app.sessions.save(&record).await.map_err(|e| format!("session save: {e}"))?;
        let loaded = app.sessions.load(&record.id).await.map_err(|e| format!("session load: {e}"))?;
        if loaded.is_none() {
            return Err("the session just created is not found".into());
        }
        app.sessions.delete(&record.id).await.map_err(|e| format!("session delete: {e}"))?;
        nimo_store::sessions::purge_expired_at(&app, time::OffsetDateTime::now_utc())
            .await
            .map_err(|e| format!("session purge: {e:?}"))?;
    }

    // What it must not do is refused by the database's permissions, before any trigger.
    let refused = [
        "UPDATE audit_log SET actor = 'user:99' WHERE id = 2",
        "DELETE FROM audit_log WHERE id = 3",
        "TRUNCATE audit_log",
        "DELETE FROM audit_head",
        "ALTER TABLE audit_log DISABLE TRIGGER ALL",
        "DROP TRIGGER audit_log_no_update_or_delete ON audit_log",
        "DROP TABLE audit_log",
        "CREATE TABLE shadow (id BIGINT)",
        "DELETE FROM _sqlx_migrations",
    ];
    for sql in refused {
        let error = sqlx::query(sql).execute(&app.pool).await.err().ok_or(format!("not refused: {sql}"))?;
        let message = error.to_string();
        if !(message.contains("permission denied") || message.contains("must be owner")) {
            return Err(format!("{sql}: refused for another reason: {message}"));
        }
    }
    let report = audit::verify(&app).await.map_err(|e| format!("verify: {e:?}"))?;
    // The account's own row, appended with it, and the three appended alone.
    assert_eq!((report.rows, report.first_broken), (4, None));

    // Retention goes through the purge path: a checkpoint, then the owner's function deletes
    // what it covers. A cut-off in the future makes every row past retention.
    let app = app.with_keyring(std::sync::Arc::new(nimo_vault::Keyring::generate()));
    let cutoff = time::OffsetDateTime::now_utc() + time::Duration::days(1);
    let purged = audit::purge_older_than(&app, cutoff, &AuditEvent::cli("audit_purge"))
        .await
        .map_err(|e| format!("purge: {e:?}"))?;
    assert_eq!((purged.rows, purged.through, purged.checkpoints), (4, Some(4), 1));
    let report = audit::verify(&app).await.map_err(|e| format!("verify after purge: {e:?}"))?;
    assert_eq!((report.rows, report.first_broken), (1, None), "the purge's own row is left");
    let refused = [
        "DELETE FROM audit_log WHERE id = 5",
        "DELETE FROM audit_log",
        "UPDATE audit_checkpoint SET purged = 1",
        "DELETE FROM audit_checkpoint",
        "TRUNCATE audit_checkpoint",
        "ALTER TABLE audit_checkpoint DISABLE TRIGGER ALL",
        "CREATE OR REPLACE FUNCTION audit_log_purge_checkpointed() RETURNS BIGINT LANGUAGE sql AS 'SELECT 0::bigint'",
    ];
    for sql in refused {
        let error = sqlx::query(sql).execute(&app.pool).await.err().ok_or(format!("not refused: {sql}"))?;
        let message = error.to_string();
        if !(message.contains("permission denied") || message.contains("must be owner")) {
            return Err(format!("{sql}: refused for another reason: {message}"));
        }
    }
    app.close().await;
    Ok(())
}
