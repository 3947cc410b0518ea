//! The corrected 23条 rules in a real browser at a phone's width (390 px): the intake form's
//! 根拠条文, the 事前調査's staff count as the form offers it, and a 緊急措置 after a second
//! 指定医's 措置不要 refused without a reason beside the field, then recorded and flagged 要確認.
//!
//! Set `NIMO_SCREENSHOT_DIR` to keep the screenshots (nothing is written otherwise).

use crate::browsing::{Tally, sign_in, user};
use crate::chrome::Browser;
use crate::for_each_backend;
use nimo_domain::access::Role;

#[tokio::test]
async fn on_a_phone_a_disputed_kinkyu_sochi_is_refused_without_a_reason_then_flagged() {
    for_each_backend(|app| async move {
        let code = user(&app, "rules-nurse", Role::Staff).await;
        let browser = Browser::start(&app.base).await;
        browser.client.set_window_size(390, 844).await.expect("window size");
        sign_in(&browser, "rules-nurse", code.as_deref(), &mut Tally::default()).await;
        browser
            .on_failure("case-rules", async {
                browser.open("/municipalities/131105/cases/new").await;
                assert_eq!(browser.eval("return document.querySelector('#article').value;").await, Some("23".into()));
                browser.choose("#article", "22").await;
                browser.set_value("#received_at", "2021-06-01T10:30").await;
                browser.type_into("#police_station", "本人の家族").await;
                browser.type_into("#district", "西部").await;
                browser.type_into("#circumstances", "家族からの申請").await;
                browser.click("input[name=unknown]").await;
                browser.click_and_wait("form.case-form button[type=submit]").await;
                assert!(browser.text(".facts").await.contains("22条（一般人の申請）"));
                let staff = browser.eval("return document.querySelector('#start_investigation-staff').value;").await;
                assert_eq!(staff, Some("2".into()), "the form starts at the guideline's two");
                browser.set_value("#start_investigation-on", "2021-06-01").await;
                browser.click_and_wait("#action-start_investigation button[type=submit]").await;
                assert!(browser.text(".events").await.contains("調査職員 2名"));
                browser.set_value("#order_exam-on", "2021-06-01").await;
                browser.click_and_wait("#action-order_exam button[type=submit]").await;
                browser.choose("#first", "needs_sochi").await;
                browser.choose("#second", "no_sochi").await;
                browser.choose("#disposition", "kinkyu_sochi").await;
                browser.type_into("#hospital", "見本記念病院").await;
                browser.set_value("#examine-on", "2021-06-02").await;
                browser.click_and_wait("#action-examine button[type=submit]").await;
                let error = browser.text("#action-examine .field-error").await;
                assert!(error.contains("緊急措置入院とする理由を入力してください"), "{error}");
                browser.keep_screenshots("case-rules-refused").await;
                browser.type_into("#examine-reason", "二次診察後に病状が急変").await;
                browser.click_and_wait("#action-examine button[type=submit]").await;
                assert!(browser.text(".review-flag").await.contains("要確認"));
                let overflow = browser
                    .eval("return document.documentElement.scrollWidth - document.documentElement.clientWidth;")
                    .await;
                assert_eq!(overflow, Some(0.into()), "nothing wider than the phone");
                browser.keep_screenshots("case-rules-flagged").await;
            })
            .await;
        browser.quit().await;
    })
    .await;
}
