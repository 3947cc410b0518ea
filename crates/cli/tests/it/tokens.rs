//! `nimo token`: a token is printed once on standard output, acts as its user with the scopes
//! chosen (by default all its role allows) until it expires (90 days by default), is stored only
//! as a hash, and stops working when revoked; every step is in the audit log.

use crate::harness::{TestDatabase, block_on, for_each_backend};
use nimo_store::Db;

fn grant(db: &TestDatabase, token: &str) -> Option<nimo_store::tokens::TokenGrant> {
    block_on(async {
        let store = Db::connect(&db.url).await.expect("connect");
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let resolved = nimo_store::tokens::resolve_at(&store, token, now).await.expect("lookup");
        store.close().await;
        match resolved {
            nimo_store::tokens::Resolved::Valid(grant) => Some(grant),
            _ => None,
        }
    })
}

fn resolve(db: &TestDatabase, token: &str) -> Option<i64> {
    grant(db, token).map(|g| g.user_id)
}

#[test]
fn token_create_prints_a_token_once_that_acts_as_the_user_until_revoked() {
    for_each_backend(|db| {
        let add = ["user", "add", "--login", "byoin", "--name", "病院 職員", "--role", "hospital", "--hospital"];
        let mut args = add.to_vec();
        args.push("h-meguro-1");
        db.command(&args).stdin(std::process::Stdio::null()).output().expect("user add");
        let run = db.nimo(&["token", "create", "--user", "byoin", "--name", "病床システム"]).succeeds();
        let token = run.stdout_text().trim_end().to_string();
        assert!(token.starts_with("nimo_") && token.len() == 69, "{token}");
        assert!(!run.stderr.contains(&token), "the token is printed once, on stdout only");
        let user_id = db.count("SELECT id FROM app_user WHERE login = 'byoin'");
        assert_eq!(resolve(db, &token), Some(user_id), "{:?}", db.backend);
        let stored = format!("SELECT COUNT(*) FROM api_token WHERE token_hash = '{token}' OR length(token_hash) <> 64");
        assert_eq!(db.count(&stored), 0, "only a SHA-256 (64 hex digits) is stored");
        let list = db.nimo(&["token", "list", "--user", "byoin"]).succeeds().stdout_text();
        assert!(list.contains("病床システム") && list.contains("有効") && !list.contains(&token), "{list}");
        let id = list.split('\t').next().unwrap().to_string();
        db.nimo(&["token", "revoke", "--id", &id]).succeeds();
        assert_eq!(resolve(db, &token), None);
        assert_eq!(db.count("SELECT COUNT(*) FROM audit_log WHERE action IN ('token_create', 'token_revoke')"), 2);
        db.nimo(&["token", "create", "--user", "nobody"]).fails();
    });
}

#[test]
fn token_create_takes_chosen_scopes_and_a_lifetime_and_refuses_what_the_role_cannot_use() {
    use nimo_domain::api_scope::ApiScope;
    for_each_backend(|db| {
        let add = ["user", "add", "--login", "byoin2", "--name", "病院 職員", "--role", "hospital", "--hospital"];
        let mut args = add.to_vec();
        args.push("h-meguro-1");
        db.command(&args).stdin(std::process::Stdio::null()).output().expect("user add");
        // The defaults: every scope of the role, 90 days.
        let token = db.nimo(&["token", "create", "--user", "byoin2"]).succeeds().stdout_text().trim_end().to_string();
        let defaults = grant(db, &token).expect("a valid token");
        assert_eq!(defaults.scopes, vec![ApiScope::BedsWrite, ApiScope::HoldsAnswer], "{:?}", db.backend);
        let days = db.count("SELECT (expires_at - created_at) / 86400 FROM api_token ORDER BY id LIMIT 1");
        assert_eq!(days, 90);
        // Chosen: one scope, 7 days.
        let args = ["token", "create", "--user", "byoin2", "--scope", "beds:write", "--expires-days", "7"];
        let token = db.nimo(&args).succeeds().stdout_text().trim_end().to_string();
        assert_eq!(grant(db, &token).expect("valid").scopes, vec![ApiScope::BedsWrite]);
        let list = db.nimo(&["token", "list", "--user", "byoin2"]).succeeds().stdout_text();
        assert!(
            list.contains("beds:write holds:answer") && list.lines().nth(1).unwrap().contains("\tbeds:write\t"),
            "{list}"
        );
        // A scope the hospital role cannot use, an unknown one, a lifetime over a year: refused.
        let refused = db.nimo(&["token", "create", "--user", "byoin2", "--scope", "holds:write"]).fails();
        assert!(refused.stderr.contains("holds:write"), "{}", refused.stderr);
        db.nimo(&["token", "create", "--user", "byoin2", "--scope", "admin"]).fails();
        let refused = db.nimo(&["token", "create", "--user", "byoin2", "--expires-days", "366"]).fails();
        assert!(refused.stderr.contains("有効期間"), "{}", refused.stderr);
        assert_eq!(db.count("SELECT COUNT(*) FROM api_token"), 2, "nothing made by a refusal");
    });
}
