//! Retention as `nimo serve` runs it: the task's session sweep removes a session once it has
//! expired on the app's clock, and the audit log page shows the retention and the last purge.

use crate::harness::{TestApp, account, for_each_backend};
use nimo_domain::access::Role;
use nimo_store::Backend;
use time::Duration;

/// The app's state as the retention task sees it: the same database and clock.
fn state_of(app: &TestApp) -> nimo_web::AppState {
    nimo_web::AppState::with_fonts(app.db.clone(), Err("not needed".into())).with_clock(app.clock.clone())
}

async fn session_rows(app: &TestApp) -> i64 {
    let table = if app.backend == Backend::Sqlite { "tower_sessions" } else { "tower_sessions.session" };
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&app.db.pool).await.unwrap()
}

#[tokio::test]
async fn the_sweep_removes_sessions_that_expired_on_the_apps_clock_and_keeps_live_ones() {
    for_each_backend(|app| async move {
        let state = state_of(&app);
        assert!(session_rows(&app).await >= 1, "the signed-in session is stored");
        assert_eq!(app.get("/municipalities").await.0, 200);
        assert_eq!(nimo_web::retention::purge_sessions(&state).await.unwrap(), 0, "a live session stays");
        app.clock.advance(Duration::minutes(31));
        assert!(nimo_web::retention::purge_sessions(&state).await.unwrap() >= 1, "{:?}", app.backend);
        assert_eq!(session_rows(&app).await, 0, "{:?}: no expired session left", app.backend);
        let status = app.get("/municipalities").await.0;
        assert!(status == 303 || status == 302, "signed out: {status}");
    })
    .await;
}

#[tokio::test]
async fn the_audit_page_shows_the_retention_and_the_last_purge() {
    for_each_backend(|app| async move {
        let codes = account(&app.db, "admin1", Role::SystemAdmin, None).await;
        let admin = TestApp::client_for(&app, "admin1", &codes[0]).await;
        let (status, page) = admin.get("/admin/audit").await;
        assert_eq!(status, 200);
        assert!(page.contains("1830 日（約5年）"), "{page}");
        assert!(page.contains("まだ削除した記録はありません"), "{page}");

        // Five years and a day later on the app's clock, every row so far is past retention.
        let through: i64 = sqlx::query_scalar("SELECT MAX(id) FROM audit_log").fetch_one(&app.db.pool).await.unwrap();
        app.clock.advance(Duration::days(1831));
        let report = nimo_web::retention::purge_audit(&state_of(&app)).await.unwrap().expect("a purge");
        assert_eq!((report.rows, report.through), (through as u64, Some(through)), "{:?}", app.backend);
        app.clock.advance(Duration::days(-1831));

        let (_, page) = admin.get("/admin/audit").await;
        let line = format!("{through} 行を削除（ID {through} まで");
        assert!(page.contains(&line), "{line}: {page}");
        assert!(
            page.contains("<td>監査ログの削除（保存期間の経過） <code>audit_purge</code></td>")
                && page.contains("<td>system</td>"),
            "the purge's row"
        );
        let verified = nimo_store::audit::verify(&app.db).await.unwrap();
        assert_eq!(verified.first_broken, None, "{:?}", app.backend);
    })
    .await;
}
