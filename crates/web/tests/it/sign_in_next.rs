//! Where a sign-in sends the user afterwards: a hostile `next` (another site, a header split, a
//! path a browser would read as `//host`) goes to the start page at both steps of a real sign-in
//! (password, then second factor), and never turns into a 500 after the session was granted.

use crate::for_each_backend;
use crate::harness::{PASSWORD, anonymous_client, csrf_of, staff_account};

/// Values of `next` an attacker could put in a link to the sign-in page.
fn hostile() -> Vec<String> {
    [
        "/\t/evil.example",
        "/%09/evil.example",
        "/\r\n/evil.example",
        "/%0d%0aSet-Cookie:%20x=1",
        "//evil.example",
        "/\\evil.example",
        "/\\\\evil.example",
        "/%2F%2Fevil.example",
        "/%5C%5Cevil.example",
        "https://evil.example",
        "https:evil.example",
        "/\u{3000}/evil.example",
        "/%E3%80%80/evil.example",
        "/\u{2028}/evil.example",
        "/%C2%A0/evil.example",
    ]
    .into_iter()
    .map(String::from)
    .chain([format!("/municipalities/{}", "a".repeat(10_000))])
    .collect()
}

fn encode(value: &str) -> String {
    serde_urlencoded::to_string([("next", value)]).unwrap()
}

#[tokio::test]
async fn a_hostile_next_goes_to_the_start_page_at_both_steps_of_a_sign_in() {
    for_each_backend(|app| async move {
        let mut codes = staff_account(&app.db, "next-one", "131105").await;
        codes.extend(staff_account(&app.db, "next-two", "131105").await.into_iter().map(|c| format!("2:{c}")));
        for (value, code) in hostile().iter().zip(&codes) {
            let (login, code) = match code.strip_prefix("2:") {
                Some(code) => ("next-two", code),
                None => ("next-one", code.as_str()),
            };
            let client = anonymous_client();
            let base = &app.base;
            let page = client.get(format!("{base}/login?{}", encode(value))).send().await.unwrap();
            let page = page.text().await.unwrap();
            assert!(page.contains("name=\"next\" value=\"/\""), "{value:?}: the form keeps no hostile next");
            let csrf = csrf_of(&page).unwrap();
            let form = [("login", login), ("password", PASSWORD), ("csrf", &csrf), ("next", value)];
            let response = client.post(format!("{base}/login")).form(&form).send().await.unwrap();
            assert_eq!(response.status().as_u16(), 303, "{value:?}: password step");
            let location = response.headers().get("location").unwrap().to_str().unwrap().to_string();
            assert_eq!(location, "/login/totp?next=%2F", "{value:?}");
            let page = client.get(format!("{base}{location}")).send().await.unwrap().text().await.unwrap();
            let csrf = csrf_of(&page).unwrap();
            let form = [("code", code), ("csrf", &csrf), ("next", value)];
            let response = client.post(format!("{base}/login/totp")).form(&form).send().await.unwrap();
            assert_eq!(response.status().as_u16(), 303, "{value:?}: second factor");
            let location = response.headers().get("location").unwrap().to_str().unwrap();
            assert_eq!(location, "/", "{value:?}: the start page");
        }
    })
    .await;
}

#[tokio::test]
async fn a_local_page_as_next_is_where_the_sign_in_lands() {
    for_each_backend(|app| async move {
        let codes = staff_account(&app.db, "next-kept", "131105").await;
        let client = anonymous_client();
        let base = &app.base;
        let next = "/municipalities/131105/sheets/2022";
        let page = client.get(format!("{base}/login?{}", encode(next))).send().await.unwrap().text().await.unwrap();
        let csrf = csrf_of(&page).unwrap();
        let form = [("login", "next-kept"), ("password", PASSWORD), ("csrf", &csrf), ("next", next)];
        let response = client.post(format!("{base}/login")).form(&form).send().await.unwrap();
        let location = response.headers().get("location").unwrap().to_str().unwrap().to_string();
        assert_eq!(location, format!("/login/totp?{}", encode(next)));
        let page = client.get(format!("{base}{location}")).send().await.unwrap().text().await.unwrap();
        let csrf = csrf_of(&page).unwrap();
        let form = [("code", codes[0].as_str()), ("csrf", &csrf), ("next", next)];
        let response = client.post(format!("{base}/login/totp")).form(&form).send().await.unwrap();
        assert_eq!(response.headers().get("location").unwrap().to_str().unwrap(), next);
    })
    .await;
}
