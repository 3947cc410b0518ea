//! Sealed personal data on every backend: TOTP secrets are stored sealed, never as base32;
//! secrets left plain by an older database are sealed at start-up; `rotate` re-seals every value
//! under a new key while sign-in keeps working, and reports values that no key opens.

use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Role, Scope};
use nimo_store::Db;
use nimo_store::accounts::{self, NewUser};
use nimo_store::audit::AuditEvent;
use nimo_store::sealed::{self, ColumnRotation};
use nimo_store::testing::{TestDb, backends};
use nimo_vault::Keyring;
use sqlx::Row;
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

const PASSWORD: &str = "kawa no nagare 2026";

async fn staff(db: &Db, login: &str) -> i64 {
    let scope = Scope { municipality: Some(MunicipalityCode::parse("131105").unwrap()), ..Scope::default() };
    let new = NewUser {
        login,
        display_name: "目黒 保健師",
        role: Role::Staff,
        scope,
        password: PASSWORD,
        must_change_password: false,
    };
    accounts::create_user(db, &new, AuditEvent::cli("user_admin").with_detail("create")).await.unwrap().id
}

/// Enrols a TOTP secret at `now` and returns it.
async fn enrol(db: &Db, user: i64, now: OffsetDateTime) -> String {
    let secret = crate::accounts::begin_enrolment(db, user).await.secret_base32;
    accounts::confirm_totp_enrolment_at(
        db,
        user,
        &accounts::code_at(&secret, now).unwrap(),
        now,
        AuditEvent::cli("totp_enrolled"),
    )
    .await
    .unwrap();
    secret
}

/// Every text value of every row of `app_user`, as stored.
async fn stored_text(db: &Db) -> String {
    let rows = sqlx::query(
        "SELECT COALESCE(totp_secret, '') AS a, COALESCE(totp_pending_secret, '') AS b,
                COALESCE(totp_secret_sealed, '') AS c, COALESCE(totp_pending_sealed, '') AS d FROM app_user",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    rows.iter().flat_map(|r| ["a", "b", "c", "d"].map(|c| r.get::<String, _>(c))).collect::<Vec<_>>().join("\n")
}

async fn sealed_values(db: &Db) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT totp_secret_sealed FROM app_user WHERE totp_secret_sealed IS NOT NULL
         UNION ALL SELECT totp_pending_sealed FROM app_user WHERE totp_pending_sealed IS NOT NULL",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap()
}

fn rotation(report: &[ColumnRotation]) -> Vec<(String, u64, u64, usize)> {
    report.iter().map(|c| (c.column.clone(), c.resealed, c.current, c.failed.len())).collect()
}

fn now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    now - Duration::seconds(now.unix_timestamp().rem_euclid(30)) + Duration::seconds(10)
}

#[tokio::test]
async fn totp_secrets_are_stored_sealed_and_bound_to_their_row() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let (a, b) = (staff(&t.db, "sato").await, staff(&t.db, "suzuki").await);
        let secret = enrol(&t.db, a, now()).await;
        let pending = crate::accounts::begin_enrolment(&t.db, b).await.secret_base32;
        let stored = stored_text(&t.db).await;
        assert!(!stored.contains(&secret) && !stored.contains(&pending), "{backend:?}: a secret is stored in plain");
        let active = t.db.keyring().unwrap().active_key_id().to_string();
        let values = sealed_values(&t.db).await;
        assert_eq!(values.len(), 2, "{backend:?}");
        assert!(values.iter().all(|v| v.starts_with(&format!("v1.{active}."))), "{backend:?}: {values:?}");

        // Copying one account's sealed secret into another row does not give it that secret.
        sqlx::query("UPDATE app_user SET totp_secret_sealed = (SELECT totp_secret_sealed FROM app_user WHERE id = $1), totp_enabled = 1 WHERE id = $2")
            .bind(a)
            .bind(b)
            .execute(&t.db.pool)
            .await
            .unwrap();
        let later = now() + Duration::minutes(3);
        let moved =
            accounts::check_second_factor_at(&t.db, b, &accounts::code_at(&secret, later).unwrap(), later).await;
        assert!(moved.is_err(), "{backend:?}: a sealed secret opened in another row");
        accounts::check_second_factor_at(&t.db, a, &accounts::code_at(&secret, later).unwrap(), later).await.unwrap();
    }
}

#[tokio::test]
async fn secrets_left_plain_by_an_older_database_are_sealed_at_start() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let user = staff(&t.db, "tanaka").await;
        // As a database before migration 0005 held it: base32 in the plain column.
        let secret = totp_rs::Secret::generate().to_base32();
        sqlx::query("UPDATE app_user SET totp_secret = $1, totp_enabled = 1 WHERE id = $2")
            .bind(&secret)
            .bind(user)
            .execute(&t.db.pool)
            .await
            .unwrap();
        assert_eq!(accounts::seal_plain_totp_secrets(&t.db).await.unwrap(), 1, "{backend:?}");
        assert!(!stored_text(&t.db).await.contains(&secret), "{backend:?}: the plain secret is gone");
        assert_eq!(accounts::seal_plain_totp_secrets(&t.db).await.unwrap(), 0, "{backend:?}: nothing left");
        let at = now();
        accounts::check_second_factor_at(&t.db, user, &accounts::code_at(&secret, at).unwrap(), at).await.unwrap();
    }
}

#[tokio::test]
async fn rotation_reseals_every_value_under_the_new_key_and_sign_in_keeps_working() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let old = t.db.keyring().unwrap();
        let mut text = old.to_toml().to_string();
        let (a, b) = (staff(&t.db, "ito").await, staff(&t.db, "watanabe").await);
        let start = now();
        let secret = enrol(&t.db, a, start).await;
        crate::accounts::begin_enrolment(&t.db, b).await;

        // `nimo keys add`: a new active key, the old one kept for opening.
        let mut keyring = Keyring::from_toml(&text, "test").unwrap();
        let new_id = keyring.add_key();
        text = keyring.to_toml().to_string();
        let db = t.db.clone().with_keyring(Arc::new(Keyring::from_toml(&text, "test").unwrap()));
        let report = sealed::rotate(&db, nimo_store::audit::AuditEvent::cli("keys_rotate")).await.unwrap();
        // The TOTP columns come first; the case-work columns hold nothing in this test.
        assert_eq!(
            rotation(&report)[..2],
            [("app_user.totp_secret_sealed".into(), 1, 0, 0), ("app_user.totp_pending_sealed".into(), 1, 0, 0)],
            "{backend:?}"
        );
        assert!(
            rotation(&report)[2..]
                .iter()
                .all(|(_, resealed, current, failed)| (*resealed, *current, *failed) == (0, 0, 0))
        );
        assert!(sealed_values(&db).await.iter().all(|v| v.starts_with(&format!("v1.{new_id}."))), "{backend:?}");
        // A second run finds nothing left under the old key.
        let again = sealed::rotate(&db, nimo_store::audit::AuditEvent::cli("keys_rotate")).await.unwrap();
        assert_eq!(
            rotation(&again)[..2],
            [("app_user.totp_secret_sealed".into(), 0, 1, 0), ("app_user.totp_pending_sealed".into(), 0, 1, 0)]
        );

        // With the old key deleted from the file, sign-in still works.
        let only_new = without_key(&text, old.active_key_id());
        let db = t.db.clone().with_keyring(Arc::new(Keyring::from_toml(&only_new, "test").unwrap()));
        let later = start + Duration::minutes(2);
        accounts::check_second_factor_at(&db, a, &accounts::code_at(&secret, later).unwrap(), later).await.unwrap();

        // A value under a key no longer in the file is reported by id, never silently skipped.
        let stranger = Keyring::generate_with_id("lost1").unwrap();
        sqlx::query("UPDATE app_user SET totp_pending_sealed = $1 WHERE id = $2")
            .bind(stranger.seal_str("AAAA", &sealed::TOTP_PENDING.place(b)))
            .bind(b)
            .execute(&db.pool)
            .await
            .unwrap();
        let report = sealed::rotate(&db, nimo_store::audit::AuditEvent::cli("keys_rotate")).await.unwrap();
        assert_eq!(report[1].failed, vec![b], "{backend:?}");
    }
}

/// The key file text without the key `id` (as an operator deletes a retired key).
fn without_key(text: &str, id: &str) -> String {
    text.lines().filter(|line| !line.trim_start().starts_with(&format!("{id} ="))).collect::<Vec<_>>().join("\n")
}
