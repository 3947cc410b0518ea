//! What the operator relies on: `/readyz` says whether this server can serve (a query answers,
//! every migration of the build is applied, the keys are loaded) and `/healthz` that it is up;
//! every answer carries a request id, an error page shows it as the 問い合わせ番号, and the log
//! lines of the request carry the same id; behind a trusted proxy the audit log names the user.

use crate::harness::{TestApp, anonymous_client};
use nimo_store::testing::{TestDb, backends};
use std::io::Write;
use std::sync::{Arc, Mutex};

/// Serves a router on 127.0.0.1:0 and returns its base URL.
async fn serve(state: nimo_web::AppState) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let service = nimo_web::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, service).await });
    format!("http://{addr}")
}

async fn readyz(base: &str) -> (u16, serde_json::Value) {
    let response = anonymous_client().get(format!("{base}/readyz")).send().await.expect("readyz");
    let status = response.status().as_u16();
    (status, response.json().await.expect("readyz answers JSON"))
}

#[tokio::test]
async fn readyz_names_the_check_that_fails_and_healthz_stays_up() {
    for backend in backends() {
        let test_db = TestDb::new(backend).await.expect("database");
        let base = serve(nimo_web::AppState::new(test_db.db.clone())).await;
        let (status, body) = readyz(&base).await;
        assert_eq!(status, 200, "{backend:?}: {body}");
        assert_eq!(body["ready"], true);
        assert_eq!(body["checks"]["database"], true);
        assert_eq!(body["checks"]["migrations"], true);
        assert_eq!(body["checks"]["keys"], true);
        // No session is made for a probe.
        let response = anonymous_client().get(format!("{base}/readyz")).send().await.expect("readyz");
        assert!(response.headers().get("set-cookie").is_none(), "{backend:?}: /readyz sets no cookie");

        // A server started without the keys for personal data cannot serve case work.
        let without_keys = nimo_store::Db::connect(&test_db.url).await.expect("same database, no keys");
        let bare = serve(nimo_web::AppState::new(without_keys)).await;
        let (status, body) = readyz(&bare).await;
        assert_eq!(status, 503, "{backend:?}: {body}");
        assert_eq!(body["ready"], false);
        assert_eq!(body["checks"]["keys"], false);
        assert_eq!(body["checks"]["migrations"], true);

        // A database one migration behind this build (as after restoring an older backup).
        sqlx::query("DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)")
            .execute(&test_db.db.pool)
            .await
            .expect("forget the last migration");
        let (status, body) = readyz(&base).await;
        assert_eq!(status, 503, "{backend:?}: {body}");
        assert_eq!(body["checks"]["migrations"], false);
        assert_eq!(body["checks"]["database"], true);
        // Liveness does not depend on the database.
        let response = anonymous_client().get(format!("{base}/healthz")).send().await.expect("healthz");
        assert_eq!(response.status().as_u16(), 200);
    }
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn every_answer_has_a_request_id_that_the_error_page_and_the_log_lines_repeat() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber =
        tracing_subscriber::fmt().with_env_filter("info").with_ansi(false).with_writer(move || writer.clone()).finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        // A page of a signed-in user: an id of 16 hex digits, a new one per request.
        let first = app.client.get(format!("{}/municipalities", app.base)).send().await.expect("page");
        let second = app.client.get(format!("{}/municipalities", app.base)).send().await.expect("page");
        let id_of = |response: &reqwest::Response| {
            response.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
        };
        let (a, b) = (id_of(&first), id_of(&second));
        assert_eq!(a.len(), 16, "{backend:?}: {a}");
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()), "{a}");
        assert_ne!(a, b, "each request its own id");

        // An error page (a case that does not exist) shows its id as the 問い合わせ番号.
        let missing = app.client.get(format!("{}/municipalities/131105/cases/999999", app.base)).send().await.unwrap();
        assert_eq!(missing.status().as_u16(), 404);
        let id = id_of(&missing);
        let page = missing.text().await.unwrap();
        assert!(page.contains(&format!("問い合わせ番号: <code>{id}</code>")), "{backend:?}: {page}");
        // And so does a stranger's error page.
        let stranger = anonymous_client().get(format!("{}/no/such/page", app.base)).send().await.unwrap();
        let id = id_of(&stranger);
        assert!(stranger.text().await.unwrap().contains(&id));

        // A reverse proxy's id is kept; one that could forge a log line or header is replaced.
        let kept = anonymous_client()
            .get(format!("{}/healthz", app.base))
            .header("x-request-id", "proxy-7f3a.1")
            .send()
            .await
            .unwrap();
        assert_eq!(id_of(&kept), "proxy-7f3a.1");
        let replaced = anonymous_client()
            .get(format!("{}/healthz", app.base))
            .header("x-request-id", "x\" forged=1")
            .send()
            .await
            .unwrap();
        let fresh = id_of(&replaced);
        assert_eq!(fresh.len(), 16, "{fresh}");

        // The log lines of the request carry the same id.
        let log = String::from_utf8_lossy(&captured.0.lock().unwrap()).to_string();
        assert!(
            log.contains(&format!("request_id={a}")),
            "{backend:?}: the page's log lines name its id: {}",
            &log[..log.len().min(3000)]
        );
        assert!(!log.contains("forged=1"), "a refused proxy id is not logged");
    }
}

/// The `origin` of the newest audit row.
async fn last_origin(db: &nimo_store::Db) -> String {
    use sqlx::Row;
    let row = sqlx::query("SELECT origin FROM audit_log ORDER BY id DESC LIMIT 1").fetch_one(&db.pool).await.unwrap();
    row.try_get("origin").unwrap()
}

/// A failed sign-in sent with an `X-Forwarded-For` header.
async fn fail_sign_in(base: &str, forwarded_for: &str) {
    let client = anonymous_client();
    let page = client.get(format!("{base}/login")).send().await.unwrap().text().await.unwrap();
    let csrf = crate::harness::csrf_of(&page).unwrap();
    let form = [("login", "someone"), ("password", "wrong password here"), ("csrf", csrf.as_str())];
    let response =
        client.post(format!("{base}/login")).header("x-forwarded-for", forwarded_for).form(&form).send().await.unwrap();
    assert!(response.status().is_client_error(), "{}", response.status());
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_audit_log_names_the_user_address_and_no_one_else_can_choose_it() {
    for backend in backends() {
        // No proxy configured: the header is ignored, the peer is the origin.
        let test_db = TestDb::new(backend).await.expect("database");
        let base = serve(nimo_web::AppState::new(test_db.db.clone())).await;
        fail_sign_in(&base, "203.0.113.7").await;
        assert_eq!(last_origin(&test_db.db).await, "127.0.0.1", "{backend:?}");
        // The loopback proxy trusted: the user's address from the header, nearest first.
        let trusting =
            nimo_web::AppState::new(test_db.db.clone()).with_trusted_proxies(vec!["127.0.0.1".parse().unwrap()]);
        let base = serve(trusting).await;
        fail_sign_in(&base, "198.51.100.9, 203.0.113.7").await;
        assert_eq!(last_origin(&test_db.db).await, "203.0.113.7", "{backend:?}");
        // A header that is not an address falls back to the proxy, never to the text.
        fail_sign_in(&base, "forged\"value").await;
        assert_eq!(last_origin(&test_db.db).await, "127.0.0.1", "{backend:?}");
    }
}

#[tokio::test]
async fn behind_a_load_balancer_a_sign_in_form_from_one_server_is_accepted_by_another() {
    for backend in backends() {
        let app = TestApp::spawn(backend).await;
        // A second server on the same database with the same keys (as a prefecture runs them).
        let other = serve(nimo_web::AppState::new(app.db.clone())).await;
        let client = anonymous_client();
        let page = client.get(format!("{}/login", app.base)).send().await.unwrap().text().await.unwrap();
        let csrf = crate::harness::csrf_of(&page).unwrap();
        let form = [("login", "hokenshi"), ("password", crate::harness::PASSWORD), ("csrf", csrf.as_str())];
        // A server with a key of its own (as every server had before) refuses that form.
        let stranger = nimo_web::AppState::new(app.db.clone()).with_form_key(nimo_web::form_token::FormKey::random());
        let stranger = serve(stranger).await;
        let refused = client.post(format!("{stranger}/login")).form(&form).send().await.unwrap();
        assert_eq!(refused.status().as_u16(), 403, "{backend:?}: another key refuses the form");
        // The cookie is the first server's (cookies do not tell ports apart); the form goes to the second.
        let response = client.post(format!("{other}/login")).form(&form).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 303, "{backend:?}: the password step is accepted by the other server");
    }
}
