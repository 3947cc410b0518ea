//! The directory's list in headless Chromium, on a desktop and at a phone's width: a staff
//! member types 「ﾒｸﾞﾛ」 (half-width katakana) into the search and finds the fictional 目黒区
//! offices, and the page fits the phone's width. With `NIMO_SCREENSHOT_DIR` set, both widths
//! are kept as screenshots.

use crate::chrome::Browser;
use crate::for_each_backend;
use crate::harness::account_in_scope;
use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Role, Scope};

#[tokio::test]
async fn staff_find_offices_by_a_half_width_reading_on_a_desktop_and_a_phone() {
    for_each_backend(|app| async move {
        nimo_store::synthetic::directory::fill_meguro(&app.db).await.unwrap();
        let filter = nimo_store::directory::Filter { query: "めぐろ".into(), ..Default::default() };
        let total = nimo_store::directory::search(&app.db, "131105", &filter, 0, 1).await.unwrap().total;
        assert!(total > 20, "{total}");
        let scope = Scope { municipality: Some(MunicipalityCode::parse("131105").unwrap()), ..Scope::default() };
        let (_, codes) = account_in_scope(&app.db, "browse-dir", Role::Staff, scope, true).await;
        let browser = Browser::start(&app.base).await;
        browser
            .on_failure(&format!("directory-{:?}", app.backend), async {
                crate::browsing::sign_in(
                    &browser,
                    "browse-dir",
                    Some(&codes[0]),
                    &mut crate::browsing::Tally::default(),
                )
                .await;
                browser.open("/municipalities/131105/directory").await;
                browser.type_into("#q", "ﾒｸﾞﾛ").await;
                browser.click_and_wait("form.search button[type=submit]").await;
                let count = browser.text("p.count").await;
                assert!(count.starts_with(&format!("{total}件")), "{count}");
                assert!(browser.text("ul.directory").await.contains("目黒区基幹相談支援センター（架空）"));
                for width in [390, 1280] {
                    browser.set_width(width).await;
                    let overflow = browser
                        .eval("return document.documentElement.scrollWidth - document.documentElement.clientWidth;")
                        .await
                        .and_then(|v| v.as_i64())
                        .unwrap_or(-1);
                    assert_eq!(overflow, 0, "no sideways scrolling at {width} px");
                }
                browser.keep_screenshots(&format!("directory-{:?}", app.backend)).await;
            })
            .await;
        browser.quit().await;
    })
    .await;
}
