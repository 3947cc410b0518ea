//! Signing in, sessions and the policy: what a stranger, a nurse of another ward and a council
//! member can and cannot do, through HTTP.

use crate::for_each_backend;
use crate::harness::{PASSWORD, TestApp, account, anonymous_client, csrf_of, staff_account};
use nimo_domain::access::Role;
use nimo_store::audit::AuditEvent;
use nimo_web::policy::POLICY;

const SHEET: &str = "/municipalities/131105/sheets/2022";

/// A concrete path for a policy pattern.
fn path_of(pattern: &str) -> String {
    pattern
        .replace("{code}", "131105")
        .replace("{fy}", "2022")
        .replace("{section}", "basic")
        .replace("{file}", "export.json")
}

#[tokio::test]
async fn a_stranger_is_sent_to_sign_in_and_sees_no_sheet_data() {
    for_each_backend(|app| async move {
        let stranger = anonymous_client();
        let mut checked = 0;
        for (method, pattern, permission) in POLICY {
            if *permission == nimo_domain::access::Permission::Public {
                continue;
            }
            let url = format!("{}{}", app.base, path_of(pattern));
            let response = match *method {
                "GET" => stranger.get(&url).send().await.unwrap(),
                // POST, PUT: the route's own method, with a forged token.
                other => {
                    let method = reqwest::Method::from_bytes(other.as_bytes()).unwrap();
                    stranger.request(method, &url).form(&[("csrf", "forged")]).send().await.unwrap()
                }
            };
            let status = response.status().as_u16();
            let location = response.headers().get("location").map(|l| l.to_str().unwrap().to_string());
            let content_type = response.headers().get("content-type").map(|c| c.to_str().unwrap().to_string());
            let body = response.text().await.unwrap();
            match *method {
                // The API answers machines: problem details with 401, never a redirect to a login page.
                "GET" if pattern.starts_with("/api/") => {
                    assert_eq!(status, 401, "{method} {pattern}");
                    assert_eq!(content_type.as_deref(), Some("application/problem+json"), "{method} {pattern}");
                    assert!(body.contains("\"status\":401"), "{method} {pattern}: {body}");
                }
                "GET" => {
                    assert_eq!(status, 303, "{method} {pattern}");
                    assert!(location.unwrap().starts_with("/login?next="), "{method} {pattern}");
                }
                _ => assert!(status == 401 || status == 403, "{method} {pattern}: {status}"),
            }
            assert!(!body.contains("278,748") && !body.contains("目黒区における"), "{method} {pattern} leaked data");
            checked += 1;
        }
        assert!(checked > 0);
    })
    .await;
}

#[tokio::test]
async fn a_wrong_password_is_refused_without_saying_which_part_was_wrong() {
    for_each_backend(|app| async move {
        let stranger = anonymous_client();
        let page = stranger.get(format!("{}/login", app.base)).send().await.unwrap().text().await.unwrap();
        let csrf = csrf_of(&page).unwrap();
        for login in ["hokenshi", "nobody-here"] {
            let form = [("login", login), ("password", "まちがったパスワードです"), ("csrf", csrf.as_str())];
            let response = stranger.post(format!("{}/login", app.base)).form(&form).send().await.unwrap();
            assert_eq!(response.status().as_u16(), 401, "{login}");
            let body = response.text().await.unwrap();
            assert!(body.contains("ログイン名またはパスワードが違います"), "{login}");
        }
    })
    .await;
}

#[tokio::test]
async fn the_session_cookie_is_http_only_strict_and_renewed_at_sign_in() {
    for_each_backend(|app| async move {
        // No session before a password is accepted (the sign-in form's token has its own
        // cookie, see `anonymous.rs`); the password step starts one.
        let stranger = anonymous_client();
        let page = stranger.get(format!("{}/login", app.base)).send().await.unwrap().text().await.unwrap();
        let form = [("login", "hokenshi"), ("password", PASSWORD), ("csrf", &csrf_of(&page).unwrap())];
        let response = stranger.post(format!("{}/login", app.base)).form(&form).send().await.unwrap();
        let cookie = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .find(|c| c.starts_with("nimo_session="))
            .expect("a session cookie");
        for flag in ["HttpOnly", "SameSite=Strict", "Path=/"] {
            assert!(cookie.contains(flag), "{flag}: {cookie}");
        }
        assert!(!cookie.contains("Secure"), "Secure only behind HTTPS: {cookie}");
    })
    .await;
}

#[tokio::test]
async fn logging_out_ends_the_session() {
    for_each_backend(|app| async move {
        assert_eq!(app.get(SHEET).await.0, 200);
        let (status, location, _) = app.post_form("/logout", &[]).await;
        assert_eq!((status, location.as_deref()), (303, Some("/login")));
        let (status, _) = app.get(SHEET).await;
        assert_eq!(status, 303, "signed out");
    })
    .await;
}

#[tokio::test]
async fn logging_out_everywhere_ends_every_session_of_the_account() {
    for_each_backend(|app| async move {
        let codes = staff_account(&app.db, "hokenshi3", "131105").await;
        let phone = TestApp::client_for(&app, "hokenshi3", &codes[0]).await;
        let office = TestApp::client_for(&app, "hokenshi3", &codes[1]).await;
        assert_eq!(phone.get(SHEET).await.0, 200);
        let (status, location, _) = office.post_form("/account/logout-everywhere", &[]).await;
        assert_eq!((status, location.as_deref()), (303, Some("/login")));
        assert_eq!(office.get(SHEET).await.0, 303);
        assert_eq!(phone.get(SHEET).await.0, 303, "the other device is signed out too");
        assert_eq!(app.get(SHEET).await.0, 200, "another account's session goes on");
    })
    .await;
}

#[tokio::test]
async fn a_password_change_ends_the_accounts_other_sessions() {
    for_each_backend(|app| async move {
        let codes = staff_account(&app.db, "hokenshi2", "131105").await;
        let first = TestApp::client_for(&app, "hokenshi2", &codes[0]).await;
        let second = TestApp::client_for(&app, "hokenshi2", &codes[1]).await;
        assert_eq!(first.get(SHEET).await.0, 200);
        assert_eq!(second.get(SHEET).await.0, 200);
        let form = vec![
            ("current".to_string(), crate::harness::PASSWORD.to_string()),
            ("new".to_string(), "新しい長いパスフレーズに変えました".to_string()),
        ];
        let (status, _, body) = first.post_form("/account/password", &form).await;
        assert_eq!(status, 303, "{body}");
        assert_eq!(first.get(SHEET).await.0, 200, "the session that changed it goes on");
        assert_eq!(second.get(SHEET).await.0, 303, "the other session is over");
    })
    .await;
}

#[tokio::test]
async fn staff_of_another_municipality_cannot_see_or_change_meguro() {
    for_each_backend(|app| async move {
        let codes = staff_account(&app.db, "chiyoda", "131016").await;
        let other = TestApp::client_for(&app, "chiyoda", &codes[0]).await;
        for path in [SHEET.to_string(), format!("{SHEET}/export.pdf"), format!("{SHEET}/edit/basic")] {
            assert_eq!(other.get(&path).await.0, 403, "{path}");
        }
        let before = app.sheet_json(2022).await;
        let (status, _, _) = other.post_form(&format!("{SHEET}/copy"), &[]).await;
        assert_eq!(status, 403);
        let (_, list) = other.get("/municipalities").await;
        assert!(!list.contains("/municipalities/131105"), "the list shows only the account's own municipality");
        assert_eq!(app.sheet_json(2022).await, before);
    })
    .await;
}

#[tokio::test]
async fn a_council_member_reads_but_cannot_edit() {
    for_each_backend(|app| async move {
        account(&app.db, "kyogikai", Role::CouncilMember, Some("131105")).await;
        let member = TestApp::client_for_password_only(&app, "kyogikai").await;
        assert_eq!(member.get(SHEET).await.0, 200);
        assert_eq!(member.get(&format!("{SHEET}/edit/basic")).await.0, 403);
        let (status, _, _) = member.post_form(&format!("{SHEET}/copy"), &[]).await;
        assert_eq!(status, 403);
    })
    .await;
}

#[tokio::test]
async fn a_role_that_needs_two_factor_must_enrol_before_anything_else() {
    for_each_backend(|app| async move {
        nimo_store::accounts::create_user(
            &app.db,
            &nimo_store::accounts::NewUser {
                login: "newnurse",
                display_name: "新任 保健師",
                role: Role::Staff,
                scope: nimo_domain::access::Scope {
                    municipality: Some(nimo_domain::MunicipalityCode::parse("131105").unwrap()),
                    ..Default::default()
                },
                password: crate::harness::PASSWORD,
                must_change_password: false,
            },
            AuditEvent::cli("user_admin").with_detail("create"),
        )
        .await
        .unwrap();
        let client = TestApp::client_for_password_only(&app, "newnurse").await;
        assert_eq!(client.get(SHEET).await.0, 403, "no sheet before the second factor is set up");
        let (status, page) = client.get("/account/2fa").await;
        assert_eq!(status, 200);
        assert!(page.contains("data:image/png;base64,") && page.contains("二要素認証の設定"));
    })
    .await;
}

#[tokio::test]
async fn a_one_time_code_works_once_and_a_wrong_one_not_at_all() {
    for_each_backend(|app| async move {
        use nimo_store::accounts;
        let scope = nimo_domain::access::Scope {
            municipality: Some(nimo_domain::MunicipalityCode::parse("131105").unwrap()),
            ..Default::default()
        };
        let new = accounts::NewUser {
            login: "totp-user",
            display_name: "ワンタイム 確認",
            role: Role::Staff,
            scope,
            password: crate::harness::PASSWORD,
            must_change_password: false,
        };
        let user =
            accounts::create_user(&app.db, &new, AuditEvent::cli("user_admin").with_detail("create")).await.unwrap();
        let enrolment = accounts::begin_totp_enrolment(
            &app.db,
            user.id,
            nimo_store::audit::AuditEvent::cli("totp_enrolment_started"),
        )
        .await
        .unwrap();
        // Enrol with the previous step's code (accepted within the ±1 step window), so that the
        // current step's code is still unused for the sign-in below.
        let code = |offset: i64| {
            let at = time::OffsetDateTime::now_utc() + time::Duration::seconds(offset);
            accounts::code_at(&enrolment.secret_base32, at).unwrap()
        };
        accounts::confirm_totp_enrolment(&app.db, user.id, &code(-30), AuditEvent::cli("totp_enrolled")).await.unwrap();
        let current = code(0);
        let wrong = ["123456", "654321"].into_iter().find(|c| *c != current && *c != code(30)).unwrap();

        let submit = |code: String| {
            let base = app.base.clone();
            async move {
                let client = anonymous_client();
                let page = client.get(format!("{base}/login")).send().await.unwrap().text().await.unwrap();
                let form = [
                    ("login", "totp-user"),
                    ("password", crate::harness::PASSWORD),
                    ("csrf", &csrf_of(&page).unwrap()),
                ];
                assert_eq!(
                    client.post(format!("{base}/login")).form(&form).send().await.unwrap().status().as_u16(),
                    303
                );
                let page = client.get(format!("{base}/login/totp")).send().await.unwrap().text().await.unwrap();
                let form = [("code", code.as_str()), ("csrf", &csrf_of(&page).unwrap())];
                let response = client.post(format!("{base}/login/totp")).form(&form).send().await.unwrap();
                let status = response.status().as_u16();
                (status, response.text().await.unwrap())
            }
        };
        let (status, body) = submit(wrong.to_string()).await;
        assert_eq!(status, 401);
        assert!(body.contains("コードが正しくないか、すでに使われています"));
        assert_eq!(submit(current.clone()).await.0, 303, "the current code signs in");
        let (status, _) = submit(current).await;
        assert_eq!(status, 401, "the same code cannot be replayed");
    })
    .await;
}

/// Where a GET of `path` lands for a client: `Ok(status)` for a page, `Err(location)` for a
/// redirect.
async fn landing(client: &reqwest::Client, base: &str, path: &str) -> Result<u16, String> {
    let response = client.get(format!("{base}{path}")).send().await.unwrap();
    match response.headers().get("location") {
        Some(location) => Err(location.to_str().unwrap().to_string()),
        None => Ok(response.status().as_u16()),
    }
}

#[tokio::test]
async fn a_session_ends_after_thirty_idle_minutes() {
    for_each_backend(|app| async move {
        let page = "/municipalities";
        // Activity within the limit keeps the session going: 29 minutes, then 29 more.
        for _ in 0..2 {
            app.clock.advance(time::Duration::minutes(29));
            assert_eq!(landing(&app.client, &app.base, page).await, Ok(200), "{:?}", app.backend);
        }
        // 31 minutes without a request end it: the page asks for sign-in again, and stays so.
        app.clock.advance(time::Duration::minutes(31));
        let ended = landing(&app.client, &app.base, page).await;
        assert_eq!(ended, Err("/login?next=%2Fmunicipalities".into()), "{:?}", app.backend);
        app.clock.advance(time::Duration::minutes(1));
        assert!(landing(&app.client, &app.base, page).await.is_err(), "{:?}: the session is gone", app.backend);
    })
    .await;
}

#[tokio::test]
async fn a_session_ends_twelve_hours_after_sign_in_however_active() {
    for_each_backend(|app| async move {
        let codes = staff_account(&app.db, "yamada", "131105").await;
        let other = TestApp::client_for(&app, "yamada", &codes[0]).await;
        let page = "/municipalities/131105";
        // A request every 25 minutes for 11 h 40 min: still signed in.
        for step in 1..=28 {
            app.clock.advance(time::Duration::minutes(25));
            assert_eq!(landing(&other.client, &other.base, page).await, Ok(200), "{:?} step {step}", app.backend);
        }
        // 25 minutes more is 12 h 5 min after sign-in: the session ends although it is not idle.
        app.clock.advance(time::Duration::minutes(25));
        let ended = landing(&other.client, &other.base, page).await;
        assert_eq!(ended, Err("/login?next=%2Fmunicipalities%2F131105".into()), "{:?}", app.backend);
    })
    .await;
}

#[tokio::test]
async fn a_database_failure_is_a_500_and_never_signs_the_user_out() {
    for_each_backend(|app| async move {
        let page = "/municipalities";
        assert_eq!(landing(&app.client, &app.base, page).await, Ok(200), "{:?}", app.backend);
        // The accounts table cannot be read: the signed-in request fails as a server error, not
        // as an ended session (which would redirect to the login page and flush the session).
        sqlx::query("ALTER TABLE app_user RENAME TO app_user_unreadable").execute(&app.db.pool).await.unwrap();
        assert_eq!(landing(&app.client, &app.base, page).await, Ok(500), "{:?}", app.backend);
        sqlx::query("ALTER TABLE app_user_unreadable RENAME TO app_user").execute(&app.db.pool).await.unwrap();
        // Once the database answers again, the same session is still signed in.
        assert_eq!(landing(&app.client, &app.base, page).await, Ok(200), "{:?}: still signed in", app.backend);
    })
    .await;
}

#[tokio::test]
async fn a_database_failure_behind_a_token_is_a_500_not_a_refused_token() {
    for_each_backend(|app| async move {
        let users = nimo_store::accounts::list(&app.db).await.unwrap();
        let user = users.into_iter().find(|u| u.role == Role::Staff).expect("the harness's staff account");
        let now = app.clock.unix();
        let token = nimo_store::tokens::create_token(&app.db, user.id, "test", now, AuditEvent::cli("token_create"))
            .await
            .unwrap();
        let search = |token: String| {
            let base = app.base.clone();
            async move {
                let response = anonymous_client()
                    .get(format!("{base}/api/v1/beds/search"))
                    .bearer_auth(token)
                    .send()
                    .await
                    .unwrap();
                response.status().as_u16()
            }
        };
        assert_eq!(search(token.clone()).await, 200, "{:?}", app.backend);
        sqlx::query("ALTER TABLE app_user RENAME TO app_user_unreadable").execute(&app.db.pool).await.unwrap();
        // The token was resolved just now: forget it, as the cache does after 5 s, so that the
        // next request reads the account.
        app.db.token_cache().clear();
        assert_eq!(search(token.clone()).await, 500, "{:?}: not a 401 for a token that is fine", app.backend);
        sqlx::query("ALTER TABLE app_user_unreadable RENAME TO app_user").execute(&app.db.pool).await.unwrap();
        assert_eq!(search(token).await, 200, "{:?}", app.backend);
    })
    .await;
}
