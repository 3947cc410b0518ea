//! The bed finder's results in a real browser: on a 1280 px desktop one compact table whose
//! row's 「仮押さえ」 opens a small form for the 受付番号 and places the hold; on a 390 px phone
//! the cards and the one hold form above them. Neither scrolls sideways, axe-core finds nothing
//! serious in either (with a row's form open), and the heights of the results are printed.
//! Screenshots are kept in `NIMO_SCREENSHOT_DIR` when it is set.

use crate::beds::{OTHER_WARD, OWN_WARD, held, now, seed_beds};
use crate::browsing::{Tally, meguro, sign_in};
use crate::chrome::Browser;
use crate::harness::{TestApp, account_in_scope};
use nimo_domain::access::Role;
use nimo_store::beds;
use serde_json::json;

/// Whether an element is shown (laid out) at the window's width.
async fn shown(browser: &Browser, css: &str) -> bool {
    let script = format!("const e = document.querySelector('{css}'); return !!e && e.getClientRects().length > 0;");
    browser.eval(&script).await == Some(json!(true))
}

/// The height of an element in px.
async fn height(browser: &Browser, css: &str) -> i64 {
    let script = format!("return Math.round(document.querySelector('{css}').getBoundingClientRect().height);");
    browser.eval(&script).await.and_then(|h| h.as_i64()).expect("a height")
}

async fn sideways(browser: &Browser) -> Option<serde_json::Value> {
    browser.eval("return document.documentElement.scrollWidth - document.documentElement.clientWidth;").await
}

#[tokio::test]
async fn a_dispatcher_scans_one_table_on_a_desktop_and_holds_from_its_row_and_a_phone_shows_cards() {
    let app = TestApp::spawn(nimo_store::Backend::Sqlite).await;
    // Twelve wards, as the issue measured: ten more in the own hospital, one of them full.
    let extra: Vec<(String, i64)> =
        (1..=10).map(|n| (format!("h-meguro-1-w{n:02}"), if n == 10 { 0 } else { n })).collect();
    let extra: Vec<(&str, i64)> = extra.iter().map(|(w, f)| (w.as_str(), *f)).collect();
    seed_beds(&app.db, &extra).await;
    beds::post_availability_at(&app.db, OTHER_WARD, 2, "cli", "cli", now() - 7 * 3600).await.unwrap();
    let (_, codes) = account_in_scope(&app.db, "dispatch-nurse", Role::Staff, meguro(), true).await;
    let browser = Browser::start(&app.base).await;
    browser
        .on_failure("bed-dispatch", async {
            sign_in(&browser, "dispatch-nurse", Some(&codes[0]), &mut Tally::default()).await;
            let search = "/beds?go=1&admission=sochi&from=131105&include_full=1";
            browser.open(search).await;
            assert!(browser.text("#results h2").await.contains("該当 12 病棟・2 病院"));
            // A desktop: the table, not the cards nor the form above them.
            browser.set_width(1280).await;
            assert!(shown(&browser, "table.bed-table").await, "the table at 1280 px");
            assert!(!shown(&browser, "ol.bed-results").await && !shown(&browser, "form#hold").await);
            assert_eq!(sideways(&browser).await, Some(json!(0)), "no sideways scrolling at 1280 px");
            let table = height(&browser, "#results").await;
            let row = browser.text(&format!("#ward-{OTHER_WARD}")).await;
            assert!(row.contains("情報が古い") && row.contains("03-0000-1001"), "{row}");
            // The row's 「仮押さえ」 opens its form; axe-core checks the page with it open.
            browser.click(&format!("#ward-{OWN_WARD} details.row-hold > summary")).await;
            assert!(shown(&browser, &format!("#case_ref-{OWN_WARD}")).await, "the row's form opened");
            let violations = browser.serious_violations().await;
            assert!(violations.is_empty(), "{violations:#?}");
            browser.keep_screenshots("bed-dispatch-table-open").await;
            // A phone: the cards and the one hold form, nothing sideways.
            browser.set_width(390).await;
            assert!(!shown(&browser, "table.bed-table").await, "no table at 390 px");
            assert!(shown(&browser, "ol.bed-results").await && shown(&browser, "form#hold").await);
            assert_eq!(sideways(&browser).await, Some(json!(0)), "no sideways scrolling at 390 px");
            let cards = height(&browser, "#results").await;
            let violations = browser.serious_violations().await;
            assert!(violations.is_empty(), "{violations:#?}");
            browser.set_width(1280).await;
            let cards_at_1280 = {
                let script = "const list = document.querySelector('ol.bed-results'); list.style.display = 'block'; \
                              const h = Math.round(list.getBoundingClientRect().height); list.style.display = ''; return h;";
                browser.eval(script).await.and_then(|h| h.as_i64()).unwrap_or_default()
            };
            eprintln!("12 results: the table {table} px high at 1280 px; the cards {cards_at_1280} px at 1280 px, {cards} px at 390 px");
            assert!(table * 2 < cards_at_1280, "the table is far shorter than the cards were: {table} against {cards_at_1280}");
            browser.open(search).await;
            browser.keep_screenshots("bed-dispatch-results").await;
            // The hold from the row: its 受付番号, its ward.
            browser.click(&format!("#ward-{OWN_WARD} details.row-hold > summary")).await;
            browser.type_into(&format!("#case_ref-{OWN_WARD}"), "R4-061").await;
            browser.click_and_wait(&format!("#ward-{OWN_WARD} form.row-hold-form button[type=submit]")).await;
            assert!(browser.path().await.starts_with("/beds/holds?placed="), "the own holds");
            assert!(browser.text("main").await.contains("R4-061"));
            assert_eq!(held(&app.db, OWN_WARD).await, 1, "the row's ward is held");
        })
        .await;
    browser.quit().await;
}
