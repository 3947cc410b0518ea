//! The 協議の場 in a real browser (headless Chromium, see `chrome.rs`), on every backend: a
//! 保健師 adds the 協議会, records a held meeting of 令和3年度 with a decision on the page's own
//! forms, opens 「会議の記録から第3節を作成」 from the sheet, finds the meeting's line proposed,
//! edits nothing and saves; the sheet page then marks the line 「会議の記録から」 with a link to
//! the meeting, and section 4 ① shows the count 「会議の記録から集計」.
//!
//! Set `NIMO_SCREENSHOT_DIR` to keep the screenshots (the sheet's sections 3 and 4).

use crate::chrome::Browser;
use crate::harness::{account_in_scope, for_each_backend};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Role, Scope};

async fn sign_in(browser: &Browser, login: &str, code: &str) {
    browser.open("/login").await;
    browser.type_into("#login", login).await;
    browser.type_into("#password", crate::harness::PASSWORD).await;
    browser.click_and_wait("form[action='/login'] button[type=submit]").await;
    browser.type_into("#code", code).await;
    browser.click_and_wait("form[action='/login/totp'] button[type=submit]").await;
    assert_eq!(browser.path().await, "/", "signed in");
}

#[tokio::test]
async fn council_browser_a_recorded_meeting_reaches_sections_3_and_4_of_the_sheet() {
    for_each_backend(|app| async move {
        let scope = Scope { municipality: Some(MunicipalityCode::parse("131105").unwrap()), ..Scope::default() };
        let (_, codes) = account_in_scope(&app.db, "council-nurse", Role::Staff, scope, true).await;
        let browser = Browser::start(&app.base).await;
        browser
            .on_failure("council", async {
                sign_in(&browser, "council-nurse", &codes[0]).await;
                assert!(browser.has("a[href='/municipalities/131105/council']").await, "the start page links the council");
                browser.click_and_wait("a[href='/municipalities/131105/council']").await;
                browser.type_into("#name", "目黒区精神保健福祉医療推進協議会").await;
                browser.choose("#kind", "kyogi_no_ba").await;
                browser.click_and_wait("form[action='/municipalities/131105/council'] button[type=submit]").await;
                assert_eq!(browser.text("h1").await, "目黒区精神保健福祉医療推進協議会 協議の場");

                browser.open("/municipalities/131105/meetings?fy=2021").await;
                browser.set_value("#held_on", "2022-01-31").await;
                browser.choose("#format", "written").await;
                browser.choose("#status", "held").await;
                browser.type_into("#decisions", "地域移行部会を設ける").await;
                browser.click_and_wait("#new-meeting button[type=submit]").await;
                assert_eq!(browser.text("h1").await, "令和3年度第1回目黒区精神保健福祉医療推進協議会");
                assert_eq!(browser.text("ol.decisions li").await, "地域移行部会を設ける");
                let meeting = browser.path().await;

                browser.open("/municipalities/131105/sheets/2022").await;
                browser.click_and_wait("a[href='/municipalities/131105/sheets/2022/history']").await;
                let proposed = browser
                    .eval("return [...document.querySelectorAll('tr.proposed input[name^=text]')].map(e => e.value);")
                    .await;
                let expected = "令和3年度第1回目黒区精神保健福祉医療推進協議会を開催（書面開催）";
                let tied = browser
                    .eval(&format!(
                        "return [...document.querySelectorAll('input[name^=text]')].some(e => e.value === '{expected}');"
                    ))
                    .await;
                assert_eq!(tied, Some(serde_json::json!(true)), "the meeting's line is proposed: {proposed:?}");
                browser.click_and_wait("form[action='/municipalities/131105/sheets/2022/history'] button[type=submit]").await;

                assert!(browser.path().await.starts_with("/municipalities/131105/sheets/2022?notice=saved"));
                let link = format!("#s3 a.from-record[href='{meeting}']");
                assert!(browser.has(&link).await, "the line links its meeting");
                assert_eq!(browser.text(&link).await, "会議の記録から");
                let badge = "#s4 a.badge[href$='/figures/kyogi_no_ba.meetings']";
                assert_eq!(browser.text(badge).await, "会議の記録から集計");
                if let Some(dir) = std::env::var_os("NIMO_SCREENSHOT_DIR") {
                    browser.eval("document.querySelector('#s3').scrollIntoView();").await;
                    let png = browser.screenshot().await;
                    let path = std::path::Path::new(&dir).join(format!("council-sheet-{:?}.png", app.backend));
                    std::fs::create_dir_all(&dir).unwrap();
                    std::fs::write(&path, png).unwrap();
                    eprintln!("screenshot: {}", path.display());
                }
                browser.click_and_wait(&link).await;
                assert_eq!(browser.path().await, meeting, "the link opens the meeting");
                if let Some(dir) = std::env::var_os("NIMO_SCREENSHOT_DIR") {
                    let name = format!("council-meeting-{:?}", app.backend);
                    for path in browser.screenshots_at_both_widths(std::path::Path::new(&dir), &name).await {
                        eprintln!("screenshot: {}", path.display());
                    }
                }
            })
            .await;
        browser.quit().await;
    })
    .await;
}
