//! API tokens through HTTP on every backend: a token works on `/api/v1` only (never on a page,
//! a download or a form, where it used to act as a signed-in session without CSRF), with its
//! scopes (403 naming a missing one), until it expires (the app's clock) or is revoked; the
//! account page makes one (only after the second factor) and shows it once; administrators
//! list and revoke anyone's.

use crate::harness::{PASSWORD, TestApp, account, account_in_scope, anonymous_client, csrf_of, for_each_backend, form};
use nimo_domain::access::Role;
use nimo_domain::api_scope::ApiScope;
use nimo_store::audit::AuditEvent;
use nimo_store::tokens::{self, NewToken};

/// The harness's signed-in 保健師.
async fn harness_staff(app: &TestApp) -> i64 {
    nimo_store::accounts::find_by_login(&app.db, "hokenshi").await.expect("harness account").id
}

/// A token of a user with chosen scopes (`None`: the role's) and lifetime.
async fn token(app: &TestApp, user_id: i64, scopes: Option<Vec<ApiScope>>, days: i64) -> String {
    let new = NewToken { user_id, name: "検査", scopes, days: Some(days) };
    tokens::create(&app.db, &new, app.clock.unix(), AuditEvent::cli("token_create")).await.expect("token").secret
}

/// A person of 目黒区 taken in through the intake form; returns the person's page.
async fn person_page(app: &TestApp) -> String {
    let fields: Vec<(String, String)> = [
        ("received_at", "2021-06-01T10:30"),
        ("police_station", "目黒警察署"),
        ("district", "西部"),
        ("resident", "1"),
        ("sex", "f"),
        ("name_kana", "ミホン ハナコ"),
        ("name_kanji", "見本 花子"),
        ("birth_date", "1980-01-02"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let (status, _, body) = app.post_form("/municipalities/131105/cases", &fields).await;
    assert_eq!(status, 303, "{body}");
    let person: i64 = sqlx::query_scalar("SELECT MAX(id) FROM person").fetch_one(&app.db.pool).await.unwrap();
    let path = format!("/municipalities/131105/people/{person}");
    let (status, page) = app.get(&path).await;
    assert!(status == 200 && page.contains("見本"), "the session sees the person");
    path
}

async fn with_token(app: &TestApp, method: reqwest::Method, path: &str, token: &str) -> (u16, String) {
    let response =
        anonymous_client().request(method, format!("{}{path}", app.base)).bearer_auth(token).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn a_staff_token_does_not_open_a_persons_page() {
    for_each_backend(|app| async move {
        let path = person_page(&app).await;
        let staff = token(&app, harness_staff(&app).await, None, 90).await;
        let (status, body) = with_token(&app, reqwest::Method::GET, &path, &staff).await;
        assert_eq!(status, 401, "{:?}: {body}", app.backend);
        assert!(!body.contains("見本") && !body.contains("ミホン"), "nothing of the person");
        // The same token still works on the API.
        let (status, _) = with_token(&app, reqwest::Method::GET, "/api/v1/beds/search", &staff).await;
        assert_eq!(status, 200);
    })
    .await;
}

#[tokio::test]
async fn an_admin_token_neither_downloads_the_audit_csv_nor_unlocks_an_account() {
    for_each_backend(|app| async move {
        account(&app.db, "kanri", Role::SystemAdmin, None).await;
        let admin = nimo_store::accounts::find_by_login(&app.db, "kanri").await.unwrap();
        let admin_token = token(&app, admin.id, None, 90).await;
        let (status, body) = with_token(&app, reqwest::Method::GET, "/admin/audit.csv", &admin_token).await;
        assert_eq!(status, 401, "{:?}: {body}", app.backend);
        assert!(!body.contains("token_create"), "no audit row leaves");
        // A waiting account keeps its wait: the POST without a CSRF token is refused before anything.
        let staff = harness_staff(&app).await;
        sqlx::query(
            "INSERT INTO login_attempt (login_key, user_id, failures, last_failure_at, retry_at)
             VALUES ('k', $1, 9, '2026-01-01T00:00:00Z', '2999-01-01T00:00:00Z')",
        )
        .bind(staff)
        .execute(&app.db.pool)
        .await
        .unwrap();
        let unlock = format!("/admin/users/{staff}/unlock");
        let (status, _) = with_token(&app, reqwest::Method::POST, &unlock, &admin_token).await;
        assert_eq!(status, 401, "{:?}", app.backend);
        let waiting: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM login_attempt WHERE user_id = $1")
            .bind(staff)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        assert_eq!(waiting, 1, "the failures are not forgotten");
        let refused: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'token_failed' AND detail = 'token_off_api'",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        assert_eq!(refused, 2, "each refusal is audited");
    })
    .await;
}

#[tokio::test]
async fn a_token_without_the_operations_scope_is_refused_with_403_naming_it() {
    for_each_backend(|app| async move {
        crate::beds::seed_beds(&app.db, &[]).await;
        let reader = token(&app, harness_staff(&app).await, Some(vec![ApiScope::BedsRead]), 90).await;
        let (status, _) = with_token(&app, reqwest::Method::GET, "/api/v1/beds/search", &reader).await;
        assert_eq!(status, 200);
        let (status, body) = crate::beds::post_hold(&app.base, &reader, crate::beds::OWN_WARD).await;
        assert_eq!(status, 403, "{:?}: {body}", app.backend);
        assert_eq!(body["type"], "/problems/missing-scope", "{body}");
        assert!(body["detail"].as_str().is_some_and(|d| d.contains("holds:write")), "{body}");
        assert_eq!(crate::beds::held(&app.db, crate::beds::OWN_WARD).await, 0, "nothing held");
        let sheet = "/api/v1/municipalities/131105/sheets/2022";
        let (status, body) = with_token(&app, reqwest::Method::GET, sheet, &reader).await;
        assert!(status == 403 && body.contains("sheets:read"), "{status} {body}");
        let denied: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'denied' AND detail = 'scope:holds:write'",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        assert_eq!(denied, 1);
    })
    .await;
}

#[tokio::test]
async fn an_expired_or_revoked_token_is_refused_with_401() {
    for_each_backend(|app| async move {
        let staff = harness_staff(&app).await;
        let week = token(&app, staff, None, 7).await;
        let revoked = token(&app, staff, None, 90).await;
        let search = "/api/v1/beds/search";
        assert_eq!(with_token(&app, reqwest::Method::GET, search, &week).await.0, 200);
        let listed = tokens::list_tokens(&app.db, staff).await.unwrap();
        assert!(listed[0].last_used_at.is_some(), "its use is recorded");
        tokens::revoke_token(&app.db, listed[1].id, AuditEvent::cli("token_revoke")).await.unwrap();
        let (status, body) = with_token(&app, reqwest::Method::GET, search, &revoked).await;
        assert_eq!(status, 401, "{:?}: {body}", app.backend);
        app.clock.advance(time::Duration::days(7));
        let (status, body) = with_token(&app, reqwest::Method::GET, search, &week).await;
        assert_eq!(status, 401, "{:?}: {body}", app.backend);
        let details: Vec<String> =
            sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'token_failed' ORDER BY id")
                .fetch_all(&app.db.pool)
                .await
                .unwrap();
        assert_eq!(details, ["token_revoked", "token_expired"]);
    })
    .await;
}

#[tokio::test]
async fn the_account_page_makes_a_token_shown_once_that_works_and_is_revoked_there() {
    for_each_backend(|app| async move {
        let (status, page) = app.get("/account/tokens").await;
        assert_eq!(status, 200);
        assert!(page.contains("value=\"beds:read\"") && !page.contains("value=\"beds:write\""), "the role's scopes");
        // A lifetime over a year is refused beside its field, keeping what was typed.
        let too_long = form(&[("name", "夜間の検索"), ("scope", "beds:read"), ("expires_days", "400")]);
        let (status, _, page) = app.post_form("/account/tokens", &too_long).await;
        assert_eq!(status, 422, "{:?}", app.backend);
        assert!(page.contains("有効期間") && page.contains("value=\"夜間の検索\""), "{page}");
        let fields = form(&[("name", "夜間の検索"), ("scope", "beds:read"), ("expires_days", "30")]);
        let (status, _, page) = app.post_form("/account/tokens", &fields).await;
        assert_eq!(status, 200, "{page}");
        let at = page.find("nimo_").expect("the new token is shown");
        let secret = page[at..at + 69].to_string();
        assert_eq!(with_token(&app, reqwest::Method::GET, "/api/v1/beds/search", &secret).await.0, 200);
        let (status, _) = with_token(&app, reqwest::Method::POST, "/api/v1/holds", &secret).await;
        assert_eq!(status, 403, "only the scope chosen");
        let (_, list) = app.get("/account/tokens").await;
        assert!(list.contains("夜間の検索") && list.contains("beds:read"), "{list}");
        assert!(!list.contains(&secret) && !list.contains(&secret[5..]), "the list never shows the token");
        let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE detail LIKE '%' || $1 || '%'")
            .bind(&secret[5..])
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        assert_eq!(stored, 0, "never audited");
        let id = tokens::list_tokens(&app.db, harness_staff(&app).await).await.unwrap()[0].id;
        let (status, location, _) = app.post_form(&format!("/account/tokens/{id}/revoke"), &[]).await;
        assert_eq!((status, location.as_deref()), (303, Some("/account/tokens?notice=revoked")));
        assert_eq!(with_token(&app, reqwest::Method::GET, "/api/v1/beds/search", &secret).await.0, 401);
        let rows: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action IN ('token_create', 'token_revoke') AND record_type = 'api_token'",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        assert_eq!(rows, 2, "{:?}", app.backend);
    })
    .await;
}

#[tokio::test]
async fn a_session_without_the_second_factor_cannot_make_a_token() {
    for_each_backend(|app| async move {
        let fields = vec![("name".to_string(), "x".to_string()), ("expires_days".to_string(), "30".to_string())];
        // A council member signs in with a password only.
        account(&app.db, "kyogikai", Role::CouncilMember, Some("131105")).await;
        let member = TestApp::client_for_password_only(&app, "kyogikai").await;
        let (status, page) = member.get("/account/tokens").await;
        assert!(status == 200 && page.contains("二要素認証でログインしたアカウントだけ"), "{status}");
        let mut with_scope = fields.clone();
        with_scope.push(("scope".into(), "sheets:read".into()));
        let (status, _, _) = member.post_form("/account/tokens", &with_scope).await;
        assert_eq!(status, 403, "{:?}", app.backend);
        // Staff between the password and the one-time code.
        let (user, _) = account_in_scope(&app.db, "halfway", Role::Staff, crate::beds::staff_scope(), true).await;
        let client = crate::harness::anonymous_client();
        let login = client.get(format!("{}/login", app.base)).send().await.unwrap().text().await.unwrap();
        let csrf = csrf_of(&login).unwrap();
        let form = [("login", "halfway"), ("password", PASSWORD), ("csrf", csrf.as_str())];
        let answer = client.post(format!("{}/login", app.base)).form(&form).send().await.unwrap();
        assert!(answer.headers()["location"].to_str().unwrap().starts_with("/login/totp"), "the code is next");
        let page = client.get(format!("{}/login/totp", app.base)).send().await.unwrap().text().await.unwrap();
        let mut pending = fields.clone();
        pending.push(("csrf".into(), csrf_of(&page).unwrap()));
        let answer = client.post(format!("{}/account/tokens", app.base)).form(&pending).send().await.unwrap();
        assert_eq!(answer.status().as_u16(), 403, "{:?}", app.backend);
        assert!(tokens::list_tokens(&app.db, user.id).await.unwrap().is_empty());
        let made: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_token").fetch_one(&app.db.pool).await.unwrap();
        assert_eq!(made, 0);
    })
    .await;
}

#[tokio::test]
async fn an_administrator_lists_and_revokes_any_accounts_tokens_and_disabling_revokes_them_all() {
    for_each_backend(|app| async move {
        let codes = account(&app.db, "kanri", Role::SystemAdmin, None).await;
        let admin = TestApp::client_for(&app, "kanri", &codes[0]).await;
        let staff = harness_staff(&app).await;
        let first = token(&app, staff, None, 90).await;
        let second = token(&app, staff, None, 90).await;
        let (status, page) = admin.get(&format!("/admin/users/{staff}/tokens")).await;
        assert!(status == 200 && page.contains("hokenshi") && page.contains("sheets:read"), "{status} {page}");
        assert!(!page.contains(&first) && !page.contains(&second));
        let id = tokens::list_tokens(&app.db, staff).await.unwrap()[0].id;
        let (status, _, _) = admin.post_form(&format!("/admin/users/{staff}/tokens/{id}/revoke"), &[]).await;
        assert_eq!(status, 303, "{:?}", app.backend);
        assert_eq!(with_token(&app, reqwest::Method::GET, "/api/v1/beds/search", &first).await.0, 401);
        assert_eq!(with_token(&app, reqwest::Method::GET, "/api/v1/beds/search", &second).await.0, 200);
        // Another account's id in the path names no token of this one: 404, nothing revoked.
        let admin_id = nimo_store::accounts::find_by_login(&app.db, "kanri").await.unwrap().id;
        let other = tokens::list_tokens(&app.db, staff).await.unwrap()[1].id;
        let (status, _, _) = admin.post_form(&format!("/admin/users/{admin_id}/tokens/{other}/revoke"), &[]).await;
        assert_eq!(status, 404);
        // Disabling the account revokes the rest: enabling it again brings none back.
        let (status, _, _) = admin.post_form(&format!("/admin/users/{staff}/disable"), &[]).await;
        assert_eq!(status, 303);
        admin.post_form(&format!("/admin/users/{staff}/enable"), &[]).await;
        assert_eq!(with_token(&app, reqwest::Method::GET, "/api/v1/beds/search", &second).await.0, 401);
    })
    .await;
}

async fn tokens_made(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM api_token").fetch_one(&app.db.pool).await.unwrap()
}

#[tokio::test]
async fn a_token_form_with_doubled_unknown_or_hostile_fields_is_refused_and_makes_nothing() {
    for_each_backend(|app| async move {
        // Not the form: a field twice, or one the form does not have, is refused whole.
        for pairs in [
            form(&[("name", "a"), ("name", "b"), ("scope", "beds:read"), ("expires_days", "30")]),
            form(&[("name", "a"), ("scope", "beds:read"), ("expires_days", "30"), ("expires_days", "365")]),
            form(&[("name", "a"), ("scope", "beds:read"), ("expires_days", "30"), ("user_id", "1")]),
        ] {
            let (status, _, page) = app.post_form("/account/tokens", &pairs).await;
            assert_eq!(status, 422, "{pairs:?}");
            assert!(page.contains("送信された内容を読み取れません"), "{page}");
        }
        // Scopes the checkboxes never send: refused beside the scope field, what was typed kept.
        for scopes in [&["beds:read", "beds:read"][..], &["admin"], &["beds:read", "beds:*"], &["beds:write"]] {
            let mut pairs = form(&[("name", "<script>夜間</script>"), ("expires_days", "30")]);
            pairs.extend(scopes.iter().map(|s| ("scope".to_string(), s.to_string())));
            let (status, _, page) = app.post_form("/account/tokens", &pairs).await;
            assert_eq!(status, 422, "{scopes:?} {:?}", app.backend);
            assert!(page.contains("スコープ") && page.contains("&#60;script&#62;夜間"), "{scopes:?}: {page}");
            assert!(!page.contains("<script>夜間"), "the typed name is escaped");
        }
        assert_eq!(tokens_made(&app).await, 0, "{:?}", app.backend);
        let refused: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'token_create'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        assert_eq!(refused, 0, "nothing made, nothing recorded as made");
    })
    .await;
}

#[tokio::test]
async fn the_token_page_serves_each_role_its_own_scopes_and_each_account_its_own_tokens() {
    for_each_backend(|app| async move {
        let meguro = token(&app, harness_staff(&app).await, None, 90).await;
        // Hospital staff: their role's scopes only; a staff scope is refused beside its field.
        let hospital = crate::beds::hospital_scope(crate::beds::OWN_HOSPITAL);
        let (_, codes) = account_in_scope(&app.db, "byoin", Role::HospitalStaff, hospital, true).await;
        let nurse = TestApp::client_for(&app, "byoin", &codes[0]).await;
        let (status, page) = nurse.get("/account/tokens").await;
        assert!(status == 200 && page.contains("value=\"beds:write\"") && !page.contains("value=\"beds:read\""));
        let refused = form(&[("name", "病棟"), ("scope", "sheets:read"), ("expires_days", "30")]);
        let (status, _, page) = nurse.post_form("/account/tokens", &refused).await;
        assert!(status == 422 && page.contains("この利用者の役割では使えません"), "{status} {page}");
        assert_eq!(tokens_made(&app).await, 1, "only the 目黒区 token");
        let made = form(&[("name", "病棟"), ("scope", "beds:write"), ("expires_days", "30")]);
        let (status, _, page) = nurse.post_form("/account/tokens", &made).await;
        assert_eq!(status, 200, "{page}");
        // Staff of another municipality see none of 目黒区's tokens and cannot revoke one.
        let codes = crate::harness::staff_account(&app.db, "chiyoda", "131016").await;
        let other = TestApp::client_for(&app, "chiyoda", &codes[0]).await;
        let (status, page) = other.get("/account/tokens").await;
        assert!(status == 200 && !page.contains("検査") && !page.contains("病棟"), "{page}");
        let id = tokens::list_tokens(&app.db, harness_staff(&app).await).await.unwrap()[0].id;
        let (status, _, _) = other.post_form(&format!("/account/tokens/{id}/revoke"), &[]).await;
        assert_eq!(status, 404, "{:?}", app.backend);
        assert_eq!(with_token(&app, reqwest::Method::GET, "/api/v1/beds/search", &meguro).await.0, 200);
    })
    .await;
}
