//! A 市町村長同意 in headless Chromium on a 390 px phone: from the person's page staff receive the
//! hospital's request, record both checks, consent and the visit through the page's own forms; no
//! page is wider than the phone, and the list shows the request with its next clock on screen.
//! Set `NIMO_SCREENSHOT_DIR` to keep the screenshots (1280 and 390 px).

use crate::chrome::Browser;
use crate::harness::{TestApp, account_in_scope, for_each_backend, form};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Role, Scope};

async fn overflow(browser: &Browser) -> i64 {
    let script = "return document.documentElement.scrollWidth - document.documentElement.clientWidth;";
    browser.eval(script).await.and_then(|w| w.as_i64()).expect("widths")
}

/// Opens a step's `<details>`, fills it and submits it, landing on the request page again.
async fn step(browser: &Browser, code: &str, fields: &[(&str, &str)], at: &str) {
    browser.click(&format!("#action-{code} summary")).await;
    browser.set_value(&format!("#{code}-occurred_at"), at).await;
    for (name, value) in fields {
        let css = format!("#{code}-{name}");
        if *name == "official" {
            browser.type_into(&css, value).await;
        } else if *name == "consent" {
            browser.click(&format!("#action-{code} input[name=consent][value={value}]")).await;
        } else {
            browser.choose(&css, value).await;
        }
    }
    browser.click_and_wait(&format!("#action-{code} button[type=submit]")).await;
    assert_eq!(overflow(browser).await, 0, "{code}: the request page fits the phone");
}

#[tokio::test]
async fn a_request_is_taken_to_consent_and_a_visit_on_a_phone() {
    for_each_backend(|app: TestApp| async move {
        let intake = form(&[
            ("received_at", "2026-11-30T10:30"),
            ("police_station", "目黒警察署"),
            ("district", "西部"),
            ("resident", "1"),
            ("circumstances", "路上で保護"),
            ("name_kana", "みほん しろう"),
            ("name_kanji", "見本 四郎"),
            ("sex", "m"),
            ("next_due_on", "2026-12-01"),
            ("birth_date", "1955-05-05"),
            ("address", "見本町2-2"),
            ("contact", ""),
        ]);
        let (status, _, body) = app.post_form("/municipalities/131105/cases", &intake).await;
        assert_eq!(status, 303, "{body}");
        let scope = Scope { municipality: Some(MunicipalityCode::parse("131105").unwrap()), ..Scope::default() };
        let (_, codes) = account_in_scope(&app.db, "phone-official", Role::Staff, scope, true).await;
        let browser = Browser::start(&app.base).await;
        crate::browsing::sign_in(&browser, "phone-official", Some(&codes[0]), &mut crate::browsing::Tally::default())
            .await;
        browser.client.set_window_size(390, 844).await.expect("window size");
        browser
            .on_failure("consent-journey", async {
                browser.open("/municipalities/131105/people/1").await;
                browser.click_and_wait("a[href='/municipalities/131105/people/1/consents']").await;
                browser.type_into("#hospital_name", "見本記念病院").await;
                browser.set_value("#requested_at", "2026-12-01T09:00").await;
                browser
                    .click_and_wait("form[action='/municipalities/131105/people/1/consents'] button[type=submit]")
                    .await;
                assert!(browser.path().await.starts_with("/municipalities/131105/consents/"));
                assert_eq!(overflow(&browser).await, 0, "the new request fits the phone");
                assert!(browser.text("ul.clocks").await.contains("要確認"));
                step(&browser, "check_residence", &[("residence", "residence")], "2026-12-01T09:30").await;
                step(&browser, "check_family", &[("family", "no_family")], "2026-12-01T09:40").await;
                let decision = [("consent", "consent"), ("official", "健康推進部長 見本")];
                step(&browser, "decide", &decision, "2026-12-01T10:00").await;
                assert!(browser.text("h1").await.contains("同意済・入院中"));
                step(&browser, "visit", &[], "2026-12-02T14:00").await;
                assert!(browser.text("dl.facts").await.contains("1 回"));
                browser.keep_screenshots("consent-page").await;
                browser.open("/municipalities/131105/consents").await;
                assert_eq!(overflow(&browser).await, 0, "the list fits the phone");
                assert!(browser.text("table.consents").await.contains("見本記念病院"));
                browser.keep_screenshots("consent-list").await;
            })
            .await;
        browser.quit().await;
    })
    .await;
}
