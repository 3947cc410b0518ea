//! `nimo token`: a token is printed once on standard output, acts as its user, is stored only as
//! a hash, and stops working when revoked; every step is in the audit log.

use crate::harness::{TestDatabase, block_on, for_each_backend};
use nimo_store::Db;

fn resolve(db: &TestDatabase, token: &str) -> Option<i64> {
    block_on(async {
        let store = Db::connect(&db.url).await.expect("connect");
        let user = nimo_store::beds::resolve_token(&store, token).await.expect("lookup");
        store.close().await;
        user
    })
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
