//! What a request without a signed-in session costs the server: no session row, no audit row for
//! a refusal (counted and logged as a summary instead), no body read past 16 KiB; while the
//! refused forgeries of a signed-in session are audited, without their body.

use crate::TestApp;
use crate::harness::{PASSWORD, anonymous_client, csrf_of, for_each_backend_with};
use nimo_store::Backend;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

async fn sessions(app: &TestApp) -> i64 {
    let table = match app.backend {
        Backend::Sqlite => "tower_sessions",
        Backend::Postgres => "tower_sessions.session",
    };
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&app.db.pool).await.unwrap()
}

/// The `denied` rows with this detail, newest first: actor, origin, record type and id.
async fn denied_rows(app: &TestApp, detail: &str) -> Vec<(String, String, Option<String>, Option<String>)> {
    sqlx::query_as(
        "SELECT actor, origin, record_type, record_id FROM audit_log \
         WHERE action = 'denied' AND outcome = 'denied' AND detail = $1 ORDER BY id DESC",
    )
    .bind(detail)
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
}

async fn audit_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log").fetch_one(&app.db.pool).await.unwrap()
}

/// A stranger's login page and its form token (the client keeps the cookie the page set).
async fn login_page(client: &reqwest::Client, base: &str) -> String {
    let page = client.get(format!("{base}/login")).send().await.unwrap().text().await.unwrap();
    csrf_of(&page).expect("the login form has a token")
}

#[tokio::test]
async fn anonymous_visits_and_refused_posts_write_no_session_row() {
    for_each_backend_with(
        |state| state,
        |app| async move {
            let before = sessions(&app).await;
            let base = &app.base;
            let stranger = anonymous_client();
            for path in ["/login", "/login?next=%2Fbeds", "/municipalities", "/login/totp", "/account/2fa", "/"] {
                for _ in 0..3 {
                    stranger.get(format!("{base}{path}")).send().await.unwrap();
                    anonymous_client().get(format!("{base}{path}")).send().await.unwrap();
                }
            }
            let csrf = login_page(&stranger, base).await;
            let wrong = [("login", "hokenshi"), ("password", "まちがったパスワードです"), ("csrf", csrf.as_str())];
            let response = stranger.post(format!("{base}/login")).form(&wrong).send().await.unwrap();
            assert_eq!(response.status().as_u16(), 401, "a wrong password");
            let no_token = [("login", "hokenshi"), ("password", PASSWORD)];
            let response = stranger.post(format!("{base}/login")).form(&no_token).send().await.unwrap();
            assert_eq!(response.status().as_u16(), 403, "no token");
            let zeros = "0".repeat(64);
            let forged = [("login", "hokenshi"), ("password", PASSWORD), ("csrf", zeros.as_str())];
            let response = anonymous_client().post(format!("{base}/login")).form(&forged).send().await.unwrap();
            assert_eq!(response.status().as_u16(), 403, "a token of no cookie");
            for path in ["/login/totp", "/logout", "/account/2fa", "/municipalities"] {
                stranger.post(format!("{base}{path}")).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
            }
            assert_eq!(sessions(&app).await, before, "{:?}: no session row for a stranger", app.backend);

            // The password is what creates the session, and the token of the page still works.
            let right = [("login", "hokenshi"), ("password", PASSWORD), ("csrf", csrf.as_str())];
            let response = stranger.post(format!("{base}/login")).form(&right).send().await.unwrap();
            assert_eq!(response.status().as_u16(), 303);
            assert_eq!(sessions(&app).await, before + 1, "{:?}", app.backend);
        },
    )
    .await;
}

#[tokio::test]
async fn the_form_token_cookie_is_http_only_strict_and_named_for_https_behind_it() {
    for https in [false, true] {
        for_each_backend_with(
            move |state| state.with_behind_https(https),
            |app| async move {
                let response = anonymous_client().get(format!("{}/login", app.base)).send().await.unwrap();
                let cookies: Vec<String> =
                    response.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect();
                assert_eq!(cookies.len(), 1, "only the form cookie, no session: {cookies:?}");
                let cookie = &cookies[0];
                let name = if https { "__Host-nimo_csrf=" } else { "nimo_csrf=" };
                assert!(cookie.starts_with(name), "{cookie}");
                for flag in ["HttpOnly", "SameSite=Strict", "Path=/"] {
                    assert!(cookie.contains(flag), "{flag}: {cookie}");
                }
                assert_eq!(cookie.contains("Secure"), https, "{cookie}");
            },
        )
        .await;
    }
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The sum of a field over every summary line logged.
fn summed(log: &str, field: &str) -> u64 {
    log.lines()
        .filter(|line| line.contains("anonymous requests refused"))
        .filter_map(|line| line.split_whitespace().find_map(|w| w.strip_prefix(&format!("{field}="))))
        .map(|n| n.parse::<u64>().unwrap())
        .sum()
}

#[tokio::test]
async fn refused_anonymous_requests_are_counted_in_a_summary_line_not_audited() {
    let configure = |state: nimo_web::AppState| {
        let state = state
            .with_refusal_summary_every(Duration::from_millis(50))
            .with_allowed_hosts(Some(vec!["127.0.0.1".into()]));
        nimo_web::refusals::spawn_summary(&state);
        state
    };
    for backend in nimo_store::testing::backends() {
        // The same filter as `logs.rs`: a narrower one on this thread could leave the callsites
        // of that test's thread disabled (tracing caches their interest across dispatchers).
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber =
            tracing_subscriber::fmt().with_env_filter("debug").with_ansi(false).with_writer(move || writer.clone());
        let _guard = tracing::subscriber::set_default(subscriber.finish());
        let app = TestApp::spawn_with(backend, configure).await;
        tokio::time::sleep(Duration::from_millis(120)).await;
        let audited = audit_rows(&app).await;
        let base = &app.base;
        let stranger = anonymous_client();
        for path in ["/municipalities/131105/sheets/2022", "/admin/audit", "/cases"] {
            assert_eq!(stranger.get(format!("{base}{path}")).send().await.unwrap().status().as_u16(), 303, "{path}");
        }
        let post = |path: &str| stranger.post(format!("{base}{path}"));
        assert_eq!(post("/municipalities").form(&[("code", "131105")]).send().await.unwrap().status(), 401);
        let csrf = login_page(&stranger, base).await;
        assert_eq!(post("/login").form(&[("login", "x"), ("csrf", "0")]).send().await.unwrap().status(), 403);
        let cross = post("/login").header("origin", "https://evil.example").form(&[("csrf", csrf.as_str())]);
        assert_eq!(cross.send().await.unwrap().status(), 403);
        let big = format!("csrf={csrf}&login={}", "a".repeat(64 * 1024));
        let response = post("/login").header("content-type", "application/x-www-form-urlencoded").body(big);
        assert_eq!(response.send().await.unwrap().status(), 413);
        let foreign = stranger.get(format!("{base}/login")).header("host", "evil.example").send().await.unwrap();
        assert_eq!(foreign.status(), 400);
        assert_eq!(audit_rows(&app).await, audited, "{backend:?}: no audit row for a stranger's refusal");

        tokio::time::sleep(Duration::from_millis(200)).await;
        let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        let expected = [("route", 4), ("csrf", 1), ("cross_site", 1), ("too_large", 1), ("host", 1), ("total", 8)];
        for (field, count) in expected {
            assert_eq!(summed(&log, field), count, "{backend:?} {field}: {log}");
        }
    }
}

#[tokio::test]
async fn a_signed_in_sessions_forged_or_cross_site_post_is_audited_without_its_body() {
    for_each_backend_with(
        |state| state,
        |app| async move {
            let user = nimo_store::accounts::find_by_login(&app.db, "hokenshi").await.unwrap().id;

            let url = format!("{}/municipalities/131105/sheets/2022/copy", app.base);
            let secret = "本文の秘密の値";
            let attempts = [
                ("csrf", app.client.post(&url).form(&[("csrf", "wrong"), ("note", secret)])),
                ("csrf", app.client.post(&url).form(&[("note", secret)])),
                ("csrf", app.client.post(&url).header("x-csrf-token", "wrong").body(secret)),
                (
                    "cross_site",
                    app.client
                        .post(&url)
                        .header("origin", "https://evil.example")
                        .form(&[("csrf", app.csrf.as_str()), ("note", secret)]),
                ),
                (
                    "cross_site",
                    app.client
                        .post(&url)
                        .header("sec-fetch-site", "cross-site")
                        .form(&[("csrf", app.csrf.as_str()), ("note", secret)]),
                ),
            ];
            for (detail, attempt) in attempts {
                let before = denied_rows(&app, detail).await.len();
                assert_eq!(attempt.send().await.unwrap().status().as_u16(), 403, "{detail}");
                let rows = denied_rows(&app, detail).await;
                assert_eq!(rows.len(), before + 1, "{:?} {detail}: one row", app.backend);
                let (actor, origin, record_type, record_id) = rows[0].clone();
                assert_eq!(actor, format!("user:{user}"));
                assert_eq!(origin, "127.0.0.1");
                assert_eq!(record_type.as_deref(), Some("route"));
                assert_eq!(record_id.as_deref(), Some("/municipalities/:code/sheets/:fy/copy"));
            }
            let all: Vec<(String,)> = sqlx::query_as(
                "SELECT COALESCE(actor, '') || COALESCE(origin, '') || COALESCE(record_type, '') || \
                 COALESCE(record_id, '') || COALESCE(detail, '') FROM audit_log",
            )
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
            assert!(all.iter().all(|(text,)| !text.contains(secret) && !text.contains("wrong")), "no body in a row");
            assert_eq!(app.get("/municipalities/131105/sheets/2023").await.0, 404, "nothing was copied");
        },
    )
    .await;
}

#[tokio::test]
async fn an_anonymous_body_over_16_kib_is_refused_before_it_is_read() {
    for_each_backend_with(
        |state| state,
        |app| async move {
            let base = &app.base;
            let stranger = anonymous_client();
            let csrf = login_page(&stranger, base).await;
            let body = |size: usize| format!("csrf={csrf}&login=x&password=y&pad={}", "a".repeat(size));
            let post = |body: String| {
                stranger
                    .post(format!("{base}/login"))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(body)
            };
            assert_eq!(post(body(8 * 1024)).send().await.unwrap().status().as_u16(), 401, "a small form is read");
            assert_eq!(post(body(20 * 1024)).send().await.unwrap().status().as_u16(), 413);
            // A chunked body has no length to check first: the limit stops it while it streams.
            let status = chunked_post(base, &format!("csrf={csrf}&pad="), 2 * 1024 * 1024).await;
            assert_eq!(status, Some(413), "{:?}", app.backend);
            // A signed-in session keeps the form limit of its routes.
            let form = [("csrf", app.csrf.clone()), ("code", "1".repeat(100 * 1024))];
            assert_eq!(
                app.client.post(format!("{base}/municipalities")).form(&form).send().await.unwrap().status(),
                422
            );
        },
    )
    .await;
}

/// POSTs `prefix` and then `size` bytes to /login with chunked encoding over a raw connection
/// (without the form cookie, so only the size can be what is refused first); the status code of
/// the answer.
async fn chunked_post(base: &str, prefix: &str, size: usize) -> Option<u16> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://");
    let (mut reader, mut writer) = tokio::net::TcpStream::connect(addr).await.unwrap().into_split();
    let reading = tokio::spawn(async move {
        let mut answer = Vec::new();
        let _ = reader.read_to_end(&mut answer).await;
        answer
    });
    let head = format!(
        "POST /login HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{prefix}\r\n",
        prefix.len()
    );
    let mut result = writer.write_all(head.as_bytes()).await;
    let piece = vec![b'a'; 16 * 1024];
    let mut sent = 0;
    while result.is_ok() && sent < size {
        let mut framed = format!("{:x}\r\n", piece.len()).into_bytes();
        framed.extend_from_slice(&piece);
        framed.extend_from_slice(b"\r\n");
        result = writer.write_all(&framed).await;
        sent += piece.len();
    }
    if result.is_ok() {
        let _ = writer.write_all(b"0\r\n\r\n").await;
    }
    let answer = reading.await.unwrap();
    String::from_utf8_lossy(&answer).lines().next()?.split_whitespace().nth(1)?.parse().ok()
}
