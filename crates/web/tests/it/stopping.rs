//! A stopping server (`nimo_web::serve_until`, what SIGTERM triggers in `nimo serve`) ends the
//! bed finder's open event streams, so that a page left open does not hold the shutdown until the
//! grace period runs out; the stream's client sees its end. Requests in flight finishing and new
//! connections being refused are checked through the binary (`cli/tests/it/shutdown.rs`).

use crate::harness::TestApp;
use nimo_store::testing::backends;
use std::time::Duration;

#[tokio::test]
async fn stopping_ends_the_live_event_streams_and_the_server_returns_at_once() {
    for backend in backends() {
        // The harness's signed-in client; its session is in the database both servers share.
        let app = TestApp::spawn(backend).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let state = nimo_web::AppState::new(app.db.clone());
        let server = tokio::spawn(nimo_web::serve_until(listener, state, async {
            let _ = stopped.await;
        }));
        let response = app.client.get(format!("{base}/beds/events")).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200, "{backend:?}");
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));

        stop.send(()).unwrap();
        let returned = tokio::time::timeout(Duration::from_secs(5), server).await;
        assert!(
            matches!(returned, Ok(Ok(Ok(())))),
            "{backend:?}: the server returned while a page listened ({returned:?}); the grace period is {:?}",
            nimo_web::SHUTDOWN_GRACE
        );
        let rest = tokio::time::timeout(Duration::from_secs(5), response.text()).await;
        assert!(matches!(rest, Ok(Ok(_))), "{backend:?}: the stream ended cleanly: {rest:?}");
    }
}
