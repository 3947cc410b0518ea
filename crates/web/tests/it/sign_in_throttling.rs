//! Failed sign-ins through HTTP: they delay the next attempt for that login name (429 with
//! `Retry-After` and the time to try again, the same page for a right and a wrong password) and
//! count against the client's address, and they never end a session the account already has.

use crate::for_each_backend;
use crate::harness::{PASSWORD, TestApp, anonymous_client, csrf_of, staff_account};
use nimo_store::accounts::{ADDRESS_FAILURES_PER_WINDOW, DELAY_AFTER_FAILURES};

const SHEET: &str = "/municipalities/131105/sheets/2022";
const WRONG: &str = "まちがったパスワードです";

/// What a sign-in attempt was answered.
struct Answer {
    status: u16,
    retry_after: Option<String>,
    body: String,
}

/// A stranger's browser with the login form open, posting password attempts.
struct Stranger {
    base: String,
    client: reqwest::Client,
    csrf: String,
}

impl Stranger {
    async fn new(app: &TestApp) -> Self {
        let client = anonymous_client();
        let page = client.get(format!("{}/login", app.base)).send().await.unwrap().text().await.unwrap();
        Stranger { base: app.base.clone(), client, csrf: csrf_of(&page).expect("login form") }
    }

    async fn try_password(&self, login: &str, password: &str) -> Answer {
        let form = [("login", login), ("password", password), ("csrf", self.csrf.as_str())];
        let response = self.client.post(format!("{}/login", self.base)).form(&form).send().await.unwrap();
        let status = response.status().as_u16();
        let retry_after = response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
        Answer { status, retry_after, body: response.text().await.unwrap() }
    }
}

#[tokio::test]
async fn failed_sign_ins_by_a_stranger_never_end_the_accounts_session() {
    for_each_backend(|app| async move {
        let codes = staff_account(&app.db, "nurse5", "131105").await;
        let nurse = TestApp::client_for(&app, "nurse5", &codes[0]).await;
        assert_eq!(nurse.get(SHEET).await.0, 200);
        let stranger = Stranger::new(&app).await;
        for _ in 0..3 * DELAY_AFTER_FAILURES {
            let answer = stranger.try_password("nurse5", WRONG).await;
            assert!(matches!(answer.status, 401 | 429), "{}", answer.status);
        }
        assert_eq!(stranger.try_password("nurse5", PASSWORD).await.status, 429, "the login name waits");
        assert_eq!(nurse.get(SHEET).await.0, 200, "the nurse's session goes on");
        let (status, page) = nurse.get("/account/password").await;
        assert_eq!(status, 200, "{page}");
    })
    .await;
}

#[tokio::test]
async fn a_delayed_sign_in_is_429_with_retry_after_and_the_same_page_for_right_and_wrong_passwords() {
    for_each_backend(|app| async move {
        let codes = staff_account(&app.db, "nurse6", "131105").await;
        let stranger = Stranger::new(&app).await;
        for _ in 0..DELAY_AFTER_FAILURES {
            assert_eq!(stranger.try_password("nurse6", WRONG).await.status, 401);
        }
        let right = stranger.try_password("nurse6", PASSWORD).await;
        let wrong = stranger.try_password("nurse6", WRONG).await;
        assert_eq!(right.status, 429, "{}", right.body);
        assert_eq!(right.retry_after.as_deref(), Some("2"));
        assert!(right.body.contains("（日本時間）まで受け付けません"), "{}", right.body);
        assert_eq!((wrong.status, &wrong.retry_after, &wrong.body), (right.status, &right.retry_after, &right.body));
        // An unknown login name is answered the same way after as many failures.
        for _ in 0..DELAY_AFTER_FAILURES {
            assert_eq!(stranger.try_password("nobody-here", WRONG).await.status, 401);
        }
        let unknown = stranger.try_password("nobody-here", PASSWORD).await;
        assert_eq!((unknown.status, unknown.retry_after.as_deref()), (429, Some("2")));
        // Once the wait is over, the right password signs in (its second factor follows).
        app.clock.advance(time::Duration::seconds(2));
        let signed_in = stranger.try_password("nurse6", PASSWORD).await;
        assert_eq!(signed_in.status, 303, "{}", signed_in.body);
        drop(codes);
    })
    .await;
}

#[tokio::test]
async fn an_address_with_too_many_failures_is_told_when_to_retry() {
    for_each_backend(|app| async move {
        let stranger = Stranger::new(&app).await;
        // Other failures of this address in the harness: none yet (its sign-in succeeded).
        for i in 0..ADDRESS_FAILURES_PER_WINDOW {
            assert_eq!(stranger.try_password(&format!("guess{i}"), WRONG).await.status, 401);
        }
        let answer = stranger.try_password("hokenshi", PASSWORD).await;
        assert_eq!(answer.status, 429);
        let seconds: i64 = answer.retry_after.as_deref().expect("Retry-After").parse().unwrap();
        assert!((1..=15 * 60).contains(&seconds), "{seconds}");
        assert!(answer.body.contains("この端末からのログインの失敗が多すぎるため"), "{}", answer.body);
        assert_eq!(app.get(SHEET).await.0, 200, "the signed-in session from the same address goes on");
    })
    .await;
}
