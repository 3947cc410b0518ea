//! API tokens in the store: only a hash is kept; a token resolves to its user and scopes until it
//! expires or is revoked; its last use is written at most once a minute; scopes and lifetime are
//! checked against the role and the limits; disabling the account or an administrator's
//! password reset revokes every token, with an audit row.

use nimo_domain::access::{Role, Scope};
use nimo_domain::api_scope::ApiScope;
use nimo_store::audit::AuditEvent;
use nimo_store::testing::{TestDb, backends};
use nimo_store::tokens::{self, NewToken, Resolved};
use nimo_store::{Db, StoreError, accounts};

const NOW: i64 = 1_795_000_000;
const DAY: i64 = 86_400;

async fn hospital_user(db: &Db, login: &str) -> i64 {
    let new = accounts::NewUser {
        login,
        display_name: "病院 職員",
        role: Role::HospitalStaff,
        scope: Scope { hospital: Some("h-a".into()), ..Default::default() },
        password: "ながいながいパスフレーズです",
        must_change_password: false,
    };
    accounts::create_user(db, &new, AuditEvent::cli("user_admin").with_detail("create")).await.unwrap().id
}

fn user_of(resolved: Resolved) -> Option<i64> {
    match resolved {
        Resolved::Valid(grant) => Some(grant.user_id),
        _ => None,
    }
}

#[tokio::test]
async fn tokens_resolve_to_their_user_until_revoked_and_only_their_hash_is_stored() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let user = hospital_user(&t.db, "byoin").await;
        let token =
            tokens::create_token(&t.db, user, "病床システム", NOW, AuditEvent::cli("token_create")).await.unwrap();
        assert_eq!(user_of(tokens::resolve_at(&t.db, &token, NOW).await.unwrap()), Some(user), "{backend:?}");
        let stored: String =
            sqlx::query_scalar("SELECT token_hash FROM api_token").fetch_one(&t.db.pool).await.unwrap();
        assert!(!stored.contains(&token[5..]), "the token itself is not stored");
        let mut wrong = token.clone();
        wrong.replace_range(10..11, if &token[10..11] == "0" { "1" } else { "0" });
        assert_eq!(tokens::resolve_at(&t.db, &wrong, NOW).await.unwrap(), Resolved::Unknown);
        let listed = tokens::list_tokens(&t.db, user).await.unwrap();
        assert_eq!(listed[0].scopes, vec![ApiScope::BedsWrite, ApiScope::HoldsAnswer], "the role's scopes by default");
        assert_eq!(listed[0].expires_at, NOW + 90 * DAY, "90 days by default");
        tokens::revoke_token(&t.db, listed[0].id, AuditEvent::cli("token_revoke")).await.unwrap();
        assert_eq!(tokens::resolve_at(&t.db, &token, NOW).await.unwrap(), Resolved::Revoked, "{backend:?}");
    }
}

#[tokio::test]
async fn a_token_expires_at_its_lifetime_and_its_last_use_is_written_once_a_minute() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let user = hospital_user(&t.db, "byoin").await;
        let new = NewToken { user_id: user, name: "週次", scopes: Some(vec![ApiScope::BedsWrite]), days: Some(7) };
        let made = tokens::create(&t.db, &new, NOW, AuditEvent::cli("token_create")).await.unwrap();
        assert_eq!(made.expires_at, NOW + 7 * DAY);
        let last_used = || async { tokens::list_tokens(&t.db, user).await.unwrap()[0].last_used_at };
        assert_eq!(last_used().await, None);
        let Resolved::Valid(grant) = tokens::resolve_at(&t.db, &made.secret, NOW + 10).await.unwrap() else {
            panic!("valid")
        };
        assert_eq!(grant.scopes, vec![ApiScope::BedsWrite]);
        assert_eq!(last_used().await, Some(NOW + 10), "{backend:?}");
        tokens::resolve_at(&t.db, &made.secret, NOW + 40).await.unwrap();
        assert_eq!(last_used().await, Some(NOW + 10), "not written again within a minute");
        tokens::resolve_at(&t.db, &made.secret, NOW + 70).await.unwrap();
        assert_eq!(last_used().await, Some(NOW + 70));
        let end = NOW + 7 * DAY;
        assert!(matches!(tokens::resolve_at(&t.db, &made.secret, end - 1).await.unwrap(), Resolved::Valid(_)));
        assert_eq!(tokens::resolve_at(&t.db, &made.secret, end).await.unwrap(), Resolved::Expired, "{backend:?}");
    }
}

#[tokio::test]
async fn scopes_the_role_cannot_use_no_scope_and_lifetimes_out_of_range_are_refused_and_nothing_is_made() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let user = hospital_user(&t.db, "byoin").await;
        let make = |scopes: Option<Vec<ApiScope>>, days: Option<i64>| {
            let db = t.db.clone();
            async move {
                let new = NewToken { user_id: user, name: "x", scopes, days };
                tokens::create(&db, &new, NOW, AuditEvent::cli("token_create")).await
            }
        };
        let refused = make(Some(vec![ApiScope::HoldsWrite]), None).await.unwrap_err();
        assert!(matches!(refused, StoreError::TokenScopeNotAllowed(ApiScope::HoldsWrite)), "{refused:?}");
        assert!(matches!(make(Some(vec![]), None).await.unwrap_err(), StoreError::NoTokenScope));
        assert!(matches!(make(None, Some(0)).await.unwrap_err(), StoreError::InvalidTokenExpiry));
        assert!(matches!(make(None, Some(366)).await.unwrap_err(), StoreError::InvalidTokenExpiry));
        make(None, Some(365)).await.unwrap();
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_token").fetch_one(&t.db.pool).await.unwrap();
        assert_eq!(count, 1, "{backend:?}");
    }
}

#[tokio::test]
async fn disabling_an_account_or_resetting_its_password_revokes_its_tokens_with_an_audit_row() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let user = hospital_user(&t.db, "byoin").await;
        let other = hospital_user(&t.db, "byoin2").await;
        let made = || tokens::create_token(&t.db, user, "x", NOW, AuditEvent::cli("token_create"));
        let (first, second) = (made().await.unwrap(), made().await.unwrap());
        let kept = tokens::create_token(&t.db, other, "x", NOW, AuditEvent::cli("token_create")).await.unwrap();
        accounts::set_disabled(&t.db, user, true, AuditEvent::cli("user_admin").with_detail("disable")).await.unwrap();
        for token in [&first, &second] {
            assert_eq!(tokens::resolve_at(&t.db, token, NOW).await.unwrap(), Resolved::Revoked, "{backend:?}");
        }
        assert!(matches!(tokens::resolve_at(&t.db, &kept, NOW).await.unwrap(), Resolved::Valid(_)), "others' stay");
        accounts::set_disabled(&t.db, user, false, AuditEvent::cli("user_admin").with_detail("enable")).await.unwrap();
        assert_eq!(
            tokens::resolve_at(&t.db, &first, NOW).await.unwrap(),
            Resolved::Revoked,
            "enabling brings none back"
        );
        let third = made().await.unwrap();
        accounts::admin_reset_password(&t.db, user, AuditEvent::cli("user_admin").with_detail("reset_password"))
            .await
            .unwrap();
        assert_eq!(tokens::resolve_at(&t.db, &third, NOW).await.unwrap(), Resolved::Revoked, "{backend:?}");
        let rows: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'token_revoke' AND record_type = 'user' AND detail = 'all'",
        )
        .fetch_one(&t.db.pool)
        .await
        .unwrap();
        assert_eq!(rows, 2, "one row for the disable, one for the reset");
    }
}
