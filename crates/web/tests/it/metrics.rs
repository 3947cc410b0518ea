//! `GET /metrics` as a Prometheus scraper meets it: 404 while no token is configured, 401 to a
//! missing or wrong bearer token (no audit row, no session), and with the token the request
//! histogram by route template (never a raw path or id), the legal clocks due soon and overdue,
//! the bed holds by state and the background tasks' runs.

use crate::admissions::{a_kinkyu_case, admitted};
use crate::beds::{OWN_WARD, now, seed_beds};
use crate::harness::{TestApp, anonymous_client, for_each_backend, for_each_backend_with};
use nimo_web::metrics::MetricsToken;

const TOKEN: &str = "scrape-token-0123456789abcdef";

fn with_token(state: nimo_web::AppState) -> nimo_web::AppState {
    state.with_metrics_token(MetricsToken::new(TOKEN))
}

async fn scrape(base: &str, bearer: Option<&str>) -> reqwest::Response {
    let mut request = anonymous_client().get(format!("{base}/metrics"));
    if let Some(bearer) = bearer {
        request = request.header("authorization", format!("Bearer {bearer}"));
    }
    request.send().await.expect("scrape")
}

async fn metrics_text(base: &str) -> String {
    let response = scrape(base, Some(TOKEN)).await;
    assert_eq!(response.status().as_u16(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_string();
    assert!(content_type.starts_with("application/openmetrics-text"), "{content_type}");
    response.text().await.unwrap()
}

/// The value of the sample named exactly `series` (name and labels).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.split(' ').next()?.parse().ok())
}

async fn audit_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log").fetch_one(&app.db.pool).await.unwrap()
}

#[tokio::test]
async fn without_a_configured_token_the_metrics_route_is_not_found() {
    for_each_backend(|app| async move {
        assert_eq!(scrape(&app.base, None).await.status().as_u16(), 404, "{:?}", app.backend);
        assert_eq!(scrape(&app.base, Some(TOKEN)).await.status().as_u16(), 404, "{:?}", app.backend);
    })
    .await;
}

#[tokio::test]
async fn a_missing_or_wrong_bearer_token_is_refused_without_an_audit_row_or_a_session() {
    for_each_backend_with(with_token, |app| async move {
        let before = audit_rows(&app).await;
        for bearer in [None, Some("scrape-token-0123456789abcdeX"), Some(""), Some(&TOKEN[..TOKEN.len() - 1])] {
            let response = scrape(&app.base, bearer).await;
            assert_eq!(response.status().as_u16(), 401, "{:?} {bearer:?}", app.backend);
            assert_eq!(response.headers()["www-authenticate"], "Bearer");
            assert!(response.headers().get("set-cookie").is_none(), "no session for a scraper");
        }
        let basic = anonymous_client()
            .get(format!("{}/metrics", app.base))
            .header("authorization", format!("Basic {TOKEN}"))
            .send()
            .await
            .unwrap();
        assert_eq!(basic.status().as_u16(), 401);
        let response = scrape(&app.base, Some(TOKEN)).await;
        assert_eq!(response.status().as_u16(), 200);
        assert!(response.headers().get("set-cookie").is_none());
        assert_eq!(audit_rows(&app).await, before, "{:?}: a scrape is not audited, nor is a refused one", app.backend);
    })
    .await;
}

#[tokio::test]
async fn requests_are_counted_by_route_template_with_no_raw_id_and_clocks_and_holds_are_counted() {
    for_each_backend_with(with_token, |app| async move {
        let case = a_kinkyu_case(&app).await;
        let admission = admitted(&app, &case).await;
        assert_eq!(app.get(&admission).await.0, 200);
        assert_eq!(app.get("/no/such/page/987654").await.0, 404);
        seed_beds(&app.db, &[]).await;
        let nurse = nimo_store::accounts::find_by_login(&app.db, "hokenshi").await.unwrap();
        let hold = nimo_store::beds::NewHold {
            ward_id: OWN_WARD.into(),
            case_ref: nimo_domain::beds::CaseRef::parse("R6-001").unwrap(),
            admission: nimo_domain::beds::AdmissionType::Sochi,
            placed_by: nurse.id,
            searched_at: now(),
            case_id: None,
            admission_reason: None,
        };
        nimo_store::beds::place_hold_at(&app.db, &hold, 1800, "test", now()).await.unwrap();

        let text = metrics_text(&app.base).await;
        let series = "nimo_http_request_duration_seconds_count{route=\"/municipalities/{code}/admissions/{admission_id}\",method=\"GET\",status=\"2xx\"}";
        assert_eq!(sample(&text, series), Some(1.0), "{:?}: {text}", app.backend);
        let unmatched = "nimo_http_request_duration_seconds_count{route=\"unmatched\",method=\"GET\",status=\"4xx\"}";
        assert_eq!(sample(&text, unmatched), Some(1.0), "{text}");
        // Every route label is a template of the route table (or `unmatched`): no path, no id.
        let admission_id = admission.rsplit('/').next().unwrap();
        for route in text.split("route=\"").skip(1).map(|rest| &rest[..rest.find('"').unwrap()]) {
            assert!(
                route == "unmatched" || nimo_web::policy::POLICY.iter().any(|(_, pattern, _)| *pattern == route),
                "{route} is not a route template"
            );
        }
        assert!(!text.contains("987654") && !text.contains(&format!("/{admission_id}\"")) && !text.contains("R6-"));
        assert!(!text.contains("131105"), "no municipality or path in any label");

        assert_eq!(sample(&text, "nimo_legal_clocks{state=\"due_soon\"}"), Some(1.0), "{text}");
        assert_eq!(sample(&text, "nimo_legal_clocks{state=\"overdue\"}"), Some(0.0), "{text}");
        assert_eq!(sample(&text, "nimo_bed_holds{state=\"held\"}"), Some(1.0), "{text}");
        assert_eq!(sample(&text, "nimo_bed_holds{state=\"accepted\"}"), Some(0.0), "{text}");
        assert!(sample(&text, "nimo_db_pool_connections").is_some_and(|n| n >= 1.0), "{text}");
        assert!(sample(&text, "nimo_db_pool_idle_connections").is_some(), "{text}");

        // The 72 hours run out on the app's clock: the clock is overdue; after its expiry the
        // hold counts as expired even before the background task marks it.
        app.clock.advance(time::Duration::minutes(40));
        let text = metrics_text(&app.base).await;
        assert_eq!(sample(&text, "nimo_legal_clocks{state=\"overdue\"}"), Some(1.0), "{text}");
        assert_eq!(sample(&text, "nimo_legal_clocks{state=\"due_soon\"}"), Some(0.0), "{text}");
        assert_eq!(sample(&text, "nimo_bed_holds{state=\"expired\"}"), Some(1.0), "{text}");
        assert_eq!(sample(&text, "nimo_bed_holds{state=\"held\"}"), Some(0.0), "{text}");
    })
    .await;
}

#[tokio::test]
async fn the_background_tasks_runs_and_last_success_are_counted() {
    for backend in nimo_store::testing::backends() {
        let test_db = nimo_store::testing::TestDb::new(backend).await.unwrap();
        let state = with_token(nimo_web::AppState::new(test_db.db.clone()));
        // The retention task runs both sweeps once at start, as `nimo serve` does.
        let _retention = nimo_web::spawn_retention(&state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let service = nimo_web::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, service).await });
        let mut text = String::new();
        for _ in 0..50 {
            text = metrics_text(&base).await;
            // The task runs both sweeps at start, one after the other in either order (its
            // `select!` picks at random among ready ticks): wait for both.
            if ["session_cleanup", "audit_purge"]
                .iter()
                .all(|task| text.contains(&format!("nimo_background_task_runs_total{{task=\"{task}\"}}")))
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        for task in ["session_cleanup", "audit_purge"] {
            let runs = format!("nimo_background_task_runs_total{{task=\"{task}\"}}");
            assert_eq!(sample(&text, &runs), Some(1.0), "{backend:?}: {text}");
            let last = format!("nimo_background_task_last_success_timestamp_seconds{{task=\"{task}\"}}");
            let at = sample(&text, &last).unwrap_or_default();
            assert!((at - now() as f64).abs() < 60.0, "{backend:?} {task}: {at}");
            assert_eq!(sample(&text, &format!("nimo_background_task_failures_total{{task=\"{task}\"}}")), Some(0.0));
        }
    }
}
