//! The administration pages through HTTP: accounts created, reset, disabled, enabled and unlocked
//! by an administrator, refused to everyone else; the audit log's page and CSV; and the audit rows
//! that sign-ins and refusals leave (with nothing typed by the user in them).

use crate::for_each_backend;
use crate::harness::{Client, PASSWORD, TestApp, account, anonymous_client, csrf_of, form, staff_account, totp_now};
use nimo_domain::access::Role;
use nimo_store::audit::{self, AuditFilter, AuditRow};
use nimo_web::policy::POLICY;

const SHEET: &str = "/municipalities/131105/sheets/2022";
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The administration's form creating a 目黒区 staff account with this login.
pub fn new_staff_form(login: &str) -> Vec<(String, String)> {
    form(&[
        ("login", login),
        ("display_name", "新任 保健師"),
        ("role", "staff"),
        ("municipality", "131105"),
        ("district", ""),
        ("hospital", ""),
    ])
}

/// A signed-in administrator (with a second factor, signed in with a recovery code).
pub async fn admin_client(app: &TestApp, login: &str) -> Client {
    let codes = account(&app.db, login, Role::SystemAdmin, None).await;
    TestApp::client_for(app, login, &codes[0]).await
}

/// An administrator's client.
async fn admin(app: &TestApp) -> Client {
    admin_client(app, "admin1").await
}

async fn user_id(app: &TestApp, login: &str) -> i64 {
    nimo_store::accounts::find_by_login(&app.db, login).await.expect("account").id
}

/// Posts the login form from a fresh browser; returns it with the status and `Location`.
async fn try_password(app: &TestApp, login: &str, password: &str) -> (Client, u16, Option<String>, String) {
    let client = Client { base: app.base.clone(), client: anonymous_client(), csrf: String::new() };
    let (_, page) = client.get("/login").await;
    let csrf = csrf_of(&page).expect("login form has a CSRF token");
    let client = Client { csrf, ..client };
    let (status, location, body) = client.post_form("/login", &form(&[("login", login), ("password", password)])).await;
    (client, status, location, body)
}

/// Signs in with a password and a recovery code; returns the client with its session's token.
async fn sign_in(app: &TestApp, login: &str, password: &str, code: &str) -> Client {
    let (client, status, location, _) = try_password(app, login, password).await;
    assert_eq!(status, 303, "password accepted for {login}");
    assert!(location.unwrap_or_default().starts_with("/login/totp"), "{login} has a second factor");
    let (_, page) = client.get("/login/totp").await;
    let client = Client { csrf: csrf_of(&page).expect("code form"), ..client };
    let (status, _, _) = client.post_form("/login/totp", &form(&[("code", code)])).await;
    assert_eq!(status, 303, "second factor accepted for {login}");
    let (_, page) = client.get("/account/password").await;
    Client { csrf: csrf_of(&page).expect("a page of the session"), ..client }
}

/// The temporary password on the page that shows it once.
fn temporary_password_in(page: &str) -> String {
    let start = page.find("<code class=\"temp-password\">").expect("the temporary password is shown")
        + "<code class=\"temp-password\">".len();
    page[start..start + page[start..].find("</code>").unwrap()].to_string()
}

async fn rows(app: &TestApp, filter: AuditFilter) -> Vec<AuditRow> {
    audit::search(&app.db, &AuditFilter { limit: audit::MAX_LIMIT, ..filter }).await.expect("audit search")
}

fn columns(row: &AuditRow) -> Vec<String> {
    [
        Some(row.id.to_string()),
        Some(audit::timestamp(row.at)),
        Some(row.actor.clone()),
        Some(row.origin.clone()),
        Some(row.action.clone()),
        row.record_type.clone(),
        row.record_id.clone(),
        Some(row.outcome.clone()),
        row.detail.clone(),
        Some(row.prev_hash.clone()),
        Some(row.hash.clone()),
    ]
    .into_iter()
    .flatten()
    .collect()
}

async fn assert_chain_sound(app: &TestApp) {
    let report = audit::verify(&app.db).await.expect("verify");
    assert_eq!(report.first_broken, None, "{:?}", app.backend);
    assert!(report.rows > 0, "the test's traffic was audited");
}

#[tokio::test]
async fn an_admin_creates_an_account_whose_temporary_password_is_shown_once_and_must_be_changed() {
    for_each_backend(|app| async move {
        let admin = admin(&app).await;
        let (status, list) = admin.get("/admin/users").await;
        assert_eq!(status, 200);
        assert!(list.contains("hokenshi") && list.contains("保健所・市区町村職員"), "the list shows accounts");
        assert!(list.contains("href=\"/admin/audit\""), "administrators get the admin links");

        let create = new_staff_form("newnurse");
        let (status, _, page) = admin.post_form("/admin/users", &create).await;
        assert_eq!(status, 200, "{page}");
        let temporary = temporary_password_in(&page);
        assert!(temporary.len() >= 16, "{temporary}");
        let (_, list) = admin.get("/admin/users").await;
        assert!(list.contains("newnurse") && !list.contains(&temporary), "shown once, on the creation page only");
        let (status, _, page) = admin.post_form("/admin/users", &create).await;
        assert_eq!(status, 422, "the login is taken");
        assert!(page.contains("すでに使われています"));

        // The new nurse signs in with it, sets up a second factor, and must change the password first.
        let (nurse, status, location, _) = try_password(&app, "newnurse", &temporary).await;
        assert_eq!((status, location.as_deref()), (303, Some("/account/2fa")));
        let (_, page) = nurse.get("/account/2fa").await;
        let secret = page.split("<code class=\"secret\">").nth(1).and_then(|s| s.split('<').next()).unwrap();
        let nurse = Client { csrf: csrf_of(&page).unwrap(), ..nurse };
        let (status, _, _) = nurse.post_form("/account/2fa", &form(&[("code", &totp_now(secret))])).await;
        assert_eq!(status, 200, "recovery codes shown");
        let (_, page) = nurse.get("/account/password").await;
        assert!(page.contains("仮のパスワードでログインしています"));
        let nurse = Client { csrf: csrf_of(&page).unwrap(), ..nurse };
        let response = nurse.client.get(format!("{}{SHEET}", app.base)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 303);
        assert_eq!(response.headers()["location"], "/account/password", "nothing else before the change");
        let change = form(&[("current", &temporary), ("new", "新任の保健師が決めた長いパスフレーズ")]);
        let (status, _, _) = nurse.post_form("/account/password", &change).await;
        assert_eq!(status, 303);
        assert_eq!(nurse.get(SHEET).await.0, 200, "in after the change");
        assert!(!nurse.get("/municipalities").await.1.contains("href=\"/admin/audit\""), "no admin links for staff");

        let id = user_id(&app, "newnurse").await;
        let admin_rows = rows(&app, AuditFilter { action: Some("user_admin".into()), ..Default::default() }).await;
        assert!(
            admin_rows
                .iter()
                .any(|r| r.record_id.as_deref() == Some(id.to_string().as_str())
                    && r.detail.as_deref() == Some("create"))
        );
        let all = rows(&app, AuditFilter::default()).await;
        for action in ["login", "totp_enrolled", "password_changed"] {
            assert!(all.iter().any(|r| r.action == action && r.actor == format!("user:{id}")), "{action}");
        }
        assert!(all.iter().all(|r| !columns(r).iter().any(|c| c.contains(&temporary))), "no password in the log");
        assert_chain_sound(&app).await;
    })
    .await;
}

#[tokio::test]
async fn a_password_reset_ends_the_accounts_sessions_and_the_replaced_password_cannot_come_back() {
    for_each_backend(|app| async move {
        let admin = admin(&app).await;
        let codes = staff_account(&app.db, "nurse2", "131105").await;
        let nurse = TestApp::client_for(&app, "nurse2", &codes[0]).await;
        assert_eq!(nurse.get(SHEET).await.0, 200);
        let id = user_id(&app, "nurse2").await;
        let (status, _, page) = admin.post_form(&format!("/admin/users/{id}/reset-password"), &[]).await;
        assert_eq!(status, 200);
        let temporary = temporary_password_in(&page);
        assert_eq!(nurse.get(SHEET).await.0, 303, "the old session is over");
        let (_, status, _, _) = try_password(&app, "nurse2", PASSWORD).await;
        assert_eq!(status, 401, "the old password no longer works");
        let nurse = sign_in(&app, "nurse2", &temporary, &codes[1]).await;
        let response = nurse.client.get(format!("{}{SHEET}", app.base)).send().await.unwrap();
        assert_eq!(response.headers()["location"], "/account/password", "the temporary password must be changed");
        // The password the reset replaced, and a repetitive one, are refused beside the new field.
        for (new, reason) in
            [(PASSWORD, "以前（直近5回まで）に使ったパスワードは使えません"), ("abababababababab", "繰り返し")]
        {
            let change = form(&[("current", temporary.as_str()), ("new", new)]);
            let (status, _, page) = nurse.post_form("/account/password", &change).await;
            assert_eq!(status, 422, "{new}: {page}");
            let beside_new = &page[page.find("id=\"new\"").expect("the new-password field")..];
            assert!(beside_new[..beside_new.find("</div>").unwrap()].contains(reason), "{new}: {page}");
        }
        let change = form(&[("current", temporary.as_str()), ("new", "保健所の窓口で新しく決めた言葉")]);
        assert_eq!(nurse.post_form("/account/password", &change).await.0, 303);
        assert_eq!(admin.post_form("/admin/users/999999/reset-password", &[]).await.0, 404);
        assert_chain_sound(&app).await;
    })
    .await;
}

#[tokio::test]
async fn disabling_stops_the_accounts_session_and_sign_in_until_enabled() {
    for_each_backend(|app| async move {
        let admin = admin(&app).await;
        let codes = staff_account(&app.db, "nurse3", "131105").await;
        let nurse = TestApp::client_for(&app, "nurse3", &codes[0]).await;
        assert_eq!(nurse.get(SHEET).await.0, 200);
        let id = user_id(&app, "nurse3").await;

        let (status, location, _) = admin.post_form(&format!("/admin/users/{id}/disable"), &[]).await;
        assert_eq!((status, location.as_deref()), (303, Some("/admin/users?notice=disabled")));
        let (status, _) = nurse.get(SHEET).await;
        assert!(status == 303 || status == 403, "the session stops working: {status}");
        let (_, status, _, body) = try_password(&app, "nurse3", PASSWORD).await;
        assert_eq!(status, 403);
        assert!(body.contains("利用停止中"));
        let (_, list) = admin.get("/admin/users").await;
        assert!(list.contains("利用停止"));

        let admin_id = user_id(&app, "admin1").await;
        assert_eq!(admin.post_form(&format!("/admin/users/{admin_id}/disable"), &[]).await.0, 422, "not oneself");

        let (status, location, _) = admin.post_form(&format!("/admin/users/{id}/enable"), &[]).await;
        assert_eq!((status, location.as_deref()), (303, Some("/admin/users?notice=enabled")));
        let nurse = sign_in(&app, "nurse3", PASSWORD, &codes[1]).await;
        assert_eq!(nurse.get(SHEET).await.0, 200, "signed in again");

        let failed = rows(&app, AuditFilter { action: Some("login_failed".into()), ..Default::default() }).await;
        let disabled = failed.iter().find(|r| r.detail.as_deref() == Some("disabled")).expect("disabled refusal");
        assert_eq!(disabled.actor, "anonymous");
        assert_eq!(
            (disabled.record_type.as_deref(), disabled.record_id.as_deref()),
            (Some("user"), Some(id.to_string().as_str())),
            "the password was right: the account is named by id"
        );
        assert_chain_sound(&app).await;
    })
    .await;
}

#[tokio::test]
async fn an_admin_ends_the_wait_of_a_login_after_failed_sign_ins() {
    for_each_backend(|app| async move {
        let admin = admin(&app).await;
        let codes = staff_account(&app.db, "nurse4", "131105").await;
        for _ in 0..nimo_store::accounts::DELAY_AFTER_FAILURES {
            assert_eq!(try_password(&app, "nurse4", "まちがったパスワードです").await.1, 401);
        }
        let (_, status, _, body) = try_password(&app, "nurse4", PASSWORD).await;
        assert_eq!(status, 429);
        assert!(body.contains("受け付けません"), "{body}");
        let id = user_id(&app, "nurse4").await;
        assert!(admin.get("/admin/users").await.1.contains("ログイン待ち"));
        let (status, location, _) = admin.post_form(&format!("/admin/users/{id}/unlock"), &[]).await;
        assert_eq!((status, location.as_deref()), (303, Some("/admin/users?notice=unlocked")));
        let nurse = sign_in(&app, "nurse4", PASSWORD, &codes[0]).await;
        assert_eq!(nurse.get(SHEET).await.0, 200);
        let failed = rows(&app, AuditFilter { action: Some("login_failed".into()), ..Default::default() }).await;
        let waited = failed.iter().find(|r| r.detail.as_deref() == Some("throttled_login")).expect("throttled row");
        assert_eq!(waited.record_id, None, "a throttled attempt proves nothing: no account is named");
        assert_chain_sound(&app).await;
    })
    .await;
}

#[tokio::test]
async fn staff_get_403_on_every_admin_page_and_change_nothing() {
    for_each_backend(|app| async move {
        account(&app.db, "admin1", Role::SystemAdmin, None).await;
        let admin_id = user_id(&app, "admin1").await;
        let before = nimo_store::accounts::get(&app.db, admin_id).await.unwrap();
        let mut checked = 0;
        for (method, pattern, _) in POLICY.iter().filter(|(_, p, _)| p.starts_with("/admin")) {
            let path = pattern.replace("{id}", &admin_id.to_string());
            let status = match *method {
                "GET" => app.get(&path).await.0,
                _ => app.post_form(&path, &form(&[("login", "intruder"), ("role", "admin")])).await.0,
            };
            assert_eq!(status, 403, "{method} {pattern}");
            checked += 1;
        }
        assert_eq!(checked, 10, "the account pages, the audit pages and the token pages");
        assert_eq!(nimo_store::accounts::get(&app.db, admin_id).await.unwrap(), before, "the admin is untouched");
        assert!(nimo_store::accounts::find_by_login(&app.db, "intruder").await.is_err());
        let staff = user_id(&app, "hokenshi").await;
        let denied = rows(&app, AuditFilter { action: Some("denied".into()), ..Default::default() }).await;
        assert_eq!(
            denied.iter().filter(|r| r.actor == format!("user:{staff}")).count(),
            checked,
            "each refusal audited"
        );
        assert_chain_sound(&app).await;
    })
    .await;
}

#[tokio::test]
async fn the_audit_page_and_csv_show_sign_ins_and_refusals() {
    for_each_backend(|app| async move {
        let staff = user_id(&app, "hokenshi").await;
        assert_eq!(app.get("/admin/users").await.0, 403, "staff try the admin page");
        let admin = admin(&app).await;

        let (status, page) = admin.get("/admin/audit").await;
        assert_eq!(status, 200);
        let actor = format!("<td>user:{staff}</td>");
        assert!(page.contains(&actor) && page.contains("<td>ログイン <code>login</code></td>"), "a login row: {page}");
        let denied = "<td>アクセス拒否 <code>denied</code></td>";
        assert!(page.contains(denied) && page.contains("<td>/admin/users</td>"), "a denied row");
        let first = page.split("<td class=\"num\">").nth(1).unwrap();
        let id: i64 = first[..first.find('<').unwrap()].parse().unwrap();
        let row_time = first.split("<td>").nth(1).unwrap();
        let shown = &row_time[..row_time.find('<').unwrap()];
        let row = rows(&app, AuditFilter::default()).await.into_iter().find(|r| r.id == id).unwrap();
        assert_eq!(shown, nimo_web::display::jst_second(row.at), "Japan time, through display.rs");
        let (_, page) = admin.get(&format!("/admin/audit?action=denied&actor=user%3A{staff}")).await;
        assert!(page.contains(&actor) && page.contains("<td>route</td>") && page.contains("<td>user.admin</td>"));
        assert!(!page.contains("<code>login</code>"), "the filter applies");
        assert!(page.contains(&format!("/admin/audit.csv?actor=user%3A{staff}&#38;action=denied")), "CSV link: {page}");
        let (_, by_label) = admin
            .get(&format!(
                "/admin/audit?action=%E3%82%A2%E3%82%AF%E3%82%BB%E3%82%B9%E6%8B%92%E5%90%A6&actor=user%3A{staff}"
            ))
            .await;
        assert!(by_label.contains(denied) && !by_label.contains("<code>login</code>"), "a label searches as its code");
        let (status, page) = admin.get("/admin/audit?from=yesterday").await;
        assert_eq!(status, 422);
        assert!(page.contains("開始日"));

        let response = admin
            .client
            .get(format!("{}/admin/audit.csv?action=denied&actor=user:{staff}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        assert!(response.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
        let bytes = response.bytes().await.unwrap();
        assert!(bytes.starts_with(BOM), "a BOM for spreadsheets");
        let text = std::str::from_utf8(&bytes[BOM.len()..]).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some(audit::LABELLED_CSV_COLUMNS.join(",").as_str()));
        let row: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
        assert_eq!(row.len(), 1, "{text}");
        let expected = format!("user:{staff}");
        assert_eq!(
            row[0][2..10],
            [expected.as_str(), "127.0.0.1", "denied", "アクセス拒否", "route", "/admin/users", "denied", "user.admin"]
        );

        let exports = rows(&app, AuditFilter { action: Some("export".into()), ..Default::default() }).await;
        let admin_id = user_id(&app, "admin1").await;
        assert!(
            exports.iter().any(|r| r.actor == format!("user:{admin_id}")
                && r.record_type.as_deref() == Some("audit")
                && r.detail.as_deref() == Some("csv")),
            "the download is audited"
        );
        assert_chain_sound(&app).await;
    })
    .await;
}

#[tokio::test]
async fn a_failed_sign_in_is_audited_without_what_was_typed() {
    for_each_backend(|app| async move {
        let typed = ["suzuki.ichiro@example.jp", "hokenshi"];
        let password = "まちがったパスワードです";
        for login in typed {
            assert_eq!(try_password(&app, login, password).await.1, 401, "{login}");
        }
        let failed = rows(&app, AuditFilter { action: Some("login_failed".into()), ..Default::default() }).await;
        assert_eq!(failed.len(), 2);
        for row in &failed {
            assert_eq!(row.actor, "anonymous");
            assert_eq!(row.origin, "127.0.0.1");
            assert_eq!(row.outcome, "failed");
            assert_eq!(row.detail.as_deref(), Some("bad_credentials"));
            assert_eq!((row.record_type.as_deref(), row.record_id.as_deref()), (None, None), "no account named");
            for column in columns(row) {
                for needle in ["suzuki", "example.jp", "hokenshi", password] {
                    assert!(!column.contains(needle), "{needle} in {column}");
                }
            }
        }
        // Sheet traffic is audited too: an export, and a refusal by scope found in the handler.
        let other =
            form(&[("code", "131016"), ("name", "千代田区"), ("prefecture", "東京都"), ("fiscal_year", "2022")]);
        assert_eq!(app.post_form("/municipalities", &other).await.0, 403);
        let denied = rows(&app, AuditFilter { action: Some("denied".into()), ..Default::default() }).await;
        assert_eq!(
            (denied[0].record_type.as_deref(), denied[0].record_id.as_deref(), denied[0].detail.as_deref()),
            (Some("municipality"), Some("131016"), Some("sheet.write"))
        );
        assert_eq!(app.get(&format!("{SHEET}/export.json")).await.0, 200);
        let exports = rows(&app, AuditFilter { action: Some("export".into()), ..Default::default() }).await;
        assert_eq!(exports.len(), 1);
        assert_eq!(
            (exports[0].record_type.as_deref(), exports[0].record_id.as_deref(), exports[0].detail.as_deref()),
            (Some("sheet"), Some("131105/2022"), Some("json"))
        );
        assert_chain_sound(&app).await;
    })
    .await;
}
