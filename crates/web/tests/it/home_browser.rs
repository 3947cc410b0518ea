//! The start pages in a real browser (headless Chromium, `chrome.rs`), on every backend: each
//! role signs in on the login page and lands on `/` without typing another address, the page
//! fits a 390 px phone without sideways scrolling, and its first link leads on. Screenshots at
//! 1280 and 390 px are kept when `NIMO_SCREENSHOT_DIR` is set.

use crate::chrome::Browser;
use crate::harness::{TestApp, account_in_scope, for_each_backend};
use crate::sweep::seed;
use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Role, Scope};
use std::path::Path;

fn keep_screenshot(name: &str, png: &[u8]) {
    if let Some(dir) = std::env::var_os("NIMO_SCREENSHOT_DIR") {
        std::fs::create_dir_all(&dir).expect("screenshot directory");
        std::fs::write(Path::new(&dir).join(name), png).expect("screenshot");
    }
}

/// Signs in on the login pages (`browsing::sign_in`).
async fn sign_in(browser: &Browser, login: &str, code: Option<&str>) {
    crate::browsing::sign_in(browser, login, code, &mut crate::browsing::Tally::default()).await;
}

#[tokio::test]
async fn every_role_lands_on_its_start_page_on_a_desktop_and_a_phone() {
    for_each_backend(|app: TestApp| async move {
        seed(&app).await;
        let meguro = || Some(MunicipalityCode::parse("131105").unwrap());
        let roles = [
            ("staff", Role::Staff, Scope { municipality: meguro(), ..Scope::default() }, "今日の仕事"),
            (
                "district",
                Role::Staff,
                Scope { municipality: meguro(), district: Some("東部".into()), hospital: None },
                "今日の仕事",
            ),
            (
                "hospital",
                Role::HospitalStaff,
                Scope { hospital: Some(crate::beds::OWN_HOSPITAL.into()), ..Scope::default() },
                "回答待ちの仮押さえ",
            ),
            ("council", Role::CouncilMember, Scope { municipality: meguro(), ..Scope::default() }, "自治体情報シート"),
            ("admin", Role::SystemAdmin, Scope::default(), "対応が必要なアカウント"),
        ];
        let browser = Browser::start(&app.base).await;
        for (name, role, scope, expected) in roles {
            let login = format!("start-{name}");
            let (_, codes) = account_in_scope(&app.db, &login, role, scope, role.requires_two_factor()).await;
            browser.client.set_window_size(1280, 900).await.expect("window size");
            sign_in(&browser, &login, codes.first().map(String::as_str)).await;
            assert_eq!(browser.path().await, "/", "{name} lands on the start page");
            assert!(browser.text("main").await.contains(expected), "{name}: {expected}");
            keep_screenshot(&format!("start-{name}-1280-{:?}.png", app.backend), &browser.screenshot().await);
            browser.client.set_window_size(390, 844).await.expect("window size");
            let width = browser.eval("return document.documentElement.scrollWidth;").await;
            let width = width.and_then(|w| w.as_i64()).unwrap_or(9999);
            assert!(width <= 390, "{name}: the start page is {width} px wide on a phone");
            browser.client.set_window_size(390, 2000).await.expect("window size");
            keep_screenshot(&format!("start-{name}-390-{:?}.png", app.backend), &browser.screenshot().await);
            // The logo leads back here, from any page.
            browser.click_and_wait("main a").await;
            browser.click_and_wait("a.brand").await;
            assert_eq!(browser.path().await, "/", "{name}: the logo leads to the start page");
            browser.click_and_wait("form[action='/logout'] button").await;
        }
        browser.quit().await;
    })
    .await;
}
