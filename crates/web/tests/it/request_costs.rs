//! What a polling client costs: a signed-in page within a minute of the session's last write
//! writes nothing (no session row, no cookie), and a client polling `/api/v1` with a token costs
//! no query for its token or account: the server
//! keeps what it resolved for `nimo_store::tokens::CACHE_TTL`. A revocation or an account change
//! made in the same process takes effect on the next request; one made by another process (the
//! CLI, a second server) within the cache time.

use crate::harness::{TestApp, anonymous_client, for_each_backend};
use nimo_store::audit::AuditEvent;
use nimo_store::tokens::{self, CACHE_TTL, NewToken};
use std::time::{Duration, Instant};

const SEARCH: &str = "/api/v1/beds/search";

async fn staff_token(app: &TestApp) -> (i64, String) {
    let user = nimo_store::accounts::find_by_login(&app.db, "hokenshi").await.unwrap().id;
    let new = NewToken { user_id: user, name: "検査", scopes: None, days: Some(30) };
    let made = tokens::create(&app.db, &new, app.clock.unix(), AuditEvent::cli("token_create")).await.unwrap();
    (made.id, made.secret)
}

async fn search(app: &TestApp, token: &str) -> u16 {
    anonymous_client().get(format!("{}{SEARCH}", app.base)).bearer_auth(token).send().await.unwrap().status().as_u16()
}

/// Renames the token and account tables away (`away`) or back: a request that needs either fails.
async fn hide_token_tables(app: &TestApp, away: bool) {
    let (from, to) = if away { ("", "_hidden") } else { ("_hidden", "") };
    for table in ["api_token", "app_user"] {
        sqlx::query(&format!("ALTER TABLE {table}{from} RENAME TO {table}{to}")).execute(&app.db.pool).await.unwrap();
    }
}

/// The stored session rows' data, in id order.
async fn session_data(app: &TestApp) -> Vec<Vec<u8>> {
    let table = if app.backend == nimo_store::Backend::Sqlite { "tower_sessions" } else { "tower_sessions.session" };
    sqlx::query_scalar(&format!("SELECT data FROM {table} ORDER BY id")).fetch_all(&app.db.pool).await.unwrap()
}

#[tokio::test]
async fn requests_within_a_minute_of_the_last_write_write_no_session() {
    for_each_backend(|app| async move {
        let page = format!("{}/municipalities", app.base);
        // The first request a minute after sign-in writes the time; then it settles.
        app.clock.advance(time::Duration::seconds(61));
        assert_eq!(app.client.get(&page).send().await.unwrap().status().as_u16(), 200);
        let settled = session_data(&app).await;
        for _ in 0..5 {
            app.clock.advance(time::Duration::seconds(10));
            let response = app.client.get(&page).send().await.unwrap();
            assert_eq!(response.status().as_u16(), 200, "{:?}", app.backend);
            assert!(response.headers().get("set-cookie").is_none(), "{:?}: no new session cookie", app.backend);
            assert_eq!(session_data(&app).await, settled, "{:?}: the session row is not written", app.backend);
        }
        // A minute after the last write the time is written again (and the cookie renewed).
        app.clock.advance(time::Duration::seconds(11));
        let response = app.client.get(&page).send().await.unwrap();
        assert!(response.headers().get("set-cookie").is_some(), "{:?}: the cookie is renewed", app.backend);
        assert_ne!(session_data(&app).await, settled, "{:?}: the last-seen time is written", app.backend);
    })
    .await;
}

#[tokio::test]
async fn a_polling_token_reads_neither_its_token_nor_its_account_again_within_the_cache_time() {
    for_each_backend(|app| async move {
        let (_, token) = staff_token(&app).await;
        assert_eq!(search(&app, &token).await, 200, "{:?}", app.backend);
        hide_token_tables(&app, true).await;
        let started = Instant::now();
        let mut answered = 0;
        while started.elapsed() < CACHE_TTL / 2 {
            assert_eq!(search(&app, &token).await, 200, "{:?}: served without the token tables", app.backend);
            answered += 1;
        }
        assert!(answered > 1, "{:?}", app.backend);
        // Past the cache time the token is read again: with its table gone, that fails (500).
        tokio::time::sleep(CACHE_TTL).await;
        assert_eq!(search(&app, &token).await, 500, "{:?}: read again after the cache time", app.backend);
        hide_token_tables(&app, false).await;
        assert_eq!(search(&app, &token).await, 200, "{:?}", app.backend);
    })
    .await;
}

#[tokio::test]
async fn a_revocation_or_a_disabled_account_in_this_process_refuses_the_next_request() {
    for_each_backend(|app| async move {
        let (id, token) = staff_token(&app).await;
        assert_eq!(search(&app, &token).await, 200);
        tokens::revoke_token(&app.db, id, AuditEvent::cli("token_revoke")).await.unwrap();
        assert_eq!(search(&app, &token).await, 401, "{:?}: revoked at once", app.backend);

        let (_, token) = staff_token(&app).await;
        assert_eq!(search(&app, &token).await, 200);
        let user = nimo_store::accounts::find_by_login(&app.db, "hokenshi").await.unwrap().id;
        nimo_store::accounts::set_disabled(&app.db, user, true, AuditEvent::cli("disable")).await.unwrap();
        assert_eq!(search(&app, &token).await, 401, "{:?}: the disabled account's token at once", app.backend);
    })
    .await;
}

#[tokio::test]
async fn a_revocation_by_another_process_takes_effect_within_the_cache_time() {
    for_each_backend(|app| async move {
        let (id, token) = staff_token(&app).await;
        assert_eq!(search(&app, &token).await, 200);
        // Another process: its own connection and its own cache, as `nimo token revoke` has.
        let other = nimo_store::Db::connect_existing(app.database_url()).await.unwrap();
        tokens::revoke_token(&other, id, AuditEvent::cli("token_revoke")).await.unwrap();
        let revoked = Instant::now();
        while search(&app, &token).await == 200 {
            assert!(revoked.elapsed() <= CACHE_TTL + Duration::from_secs(1), "{:?}: still accepted", app.backend);
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert_eq!(search(&app, &token).await, 401, "{:?}", app.backend);
        other.close().await;
    })
    .await;
}
