//! Case-work pages in headless Chromium at 390 px and 1280 px: 事例一覧 (worklist and search
//! results), the case page with its holds, 退院後支援計画 and 担当件数 turn their tables into cards
//! below 600 px, so that no page is wider than the phone and 状態 and 期限 stay on screen; and a
//! refused form lands on its summary at the top of the page, focused, each line a link to its
//! field.
//!
//! Set `NIMO_SCREENSHOT_DIR` to keep the screenshots the tests take (nothing is written otherwise).

use crate::chrome::Browser;
use crate::harness::{TestApp, account_in_scope, for_each_backend};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Role, Scope};
use nimo_store::audit::AuditEvent;
use serde_json::json;
use std::path::Path;

fn meguro() -> MunicipalityCode {
    MunicipalityCode::parse("131105").unwrap()
}

fn keep_screenshot(name: &str, png: &[u8]) {
    if let Some(dir) = std::env::var_os("NIMO_SCREENSHOT_DIR") {
        let path = Path::new(&dir).join(name);
        std::fs::create_dir_all(&dir).expect("screenshot directory");
        std::fs::write(&path, png).expect("screenshot");
        eprintln!("screenshot: {}", path.display());
    }
}

/// Signs in on the login pages (`browsing::sign_in`), landing on the start page.
async fn sign_in(browser: &Browser, login: &str, code: &str) {
    crate::browsing::sign_in(browser, login, Some(code), &mut crate::browsing::Tally::default()).await;
    assert_eq!(browser.path().await, "/", "signed in, on the start page");
}

/// A case with a long name, overdue, with a plan, and two holds on the case page.
async fn seed(app: &TestApp) -> i64 {
    let nurse = nimo_store::accounts::find_by_login(&app.db, "hokenshi").await.unwrap();
    let person = nimo_store::people::NewPerson {
        municipality: meguro(),
        district: "西部".into(),
        sex: "m".into(),
        name_kana: "ちょうめいのひと ながいなまえのかたがいらっしゃいます".into(),
        name_kanji: "長名 人".into(),
        birth_date: None,
        address: String::new(),
        contact: String::new(),
    };
    let case = nimo_store::cases::NewCase {
        municipality: meguro(),
        district: "西部".into(),
        person_id: None,
        received_at: time::macros::datetime!(2021-06-01 10:00),
        article: nimo_domain::cases::ReportArticle::Police,
        police_station: "目黒警察署".into(),
        resident: true,
        circumstances: "見本".into(),
        assigned_to: nurse.id,
        next_due_on: None,
        protection_started_at: None,
    };
    let id = nimo_store::cases::create(&app.db, &case, Some(&person), AuditEvent::cli("create")).await.unwrap();
    let plan = nimo_store::cases::NewPlan {
        municipality: meguro(),
        district: "西部".into(),
        person_id: cases_person(app, id).await,
        case_id: Some(id),
        consent: "given".into(),
        consent_on: time::macros::date!(2021 - 06 - 20),
        started_on: Some(time::macros::date!(2021 - 07 - 01)),
        contents: "見本".into(),
    };
    nimo_store::cases::add_plan(&app.db, &plan, AuditEvent::cli("create")).await.unwrap();
    crate::beds::seed_beds(&app.db, &[]).await;
    let reception = nimo_domain::cases::reception_number(nimo_domain::FiscalYear(2021), id);
    for ward in [crate::beds::OWN_WARD, crate::beds::OTHER_WARD] {
        let hold = nimo_store::beds::NewHold {
            ward_id: ward.into(),
            case_ref: nimo_domain::beds::CaseRef::parse(&reception).unwrap(),
            admission: nimo_domain::beds::AdmissionType::Sochi,
            placed_by: nurse.id,
            searched_at: crate::beds::now(),
            case_id: Some(id),
            admission_reason: None,
        };
        nimo_store::beds::place_hold_at(&app.db, &hold, 1800, "test", crate::beds::now()).await.unwrap();
    }
    id
}

async fn cases_person(app: &TestApp, case: i64) -> i64 {
    nimo_store::cases::get(&app.db, case).await.unwrap().person_id.unwrap()
}

/// How far the page reaches past the viewport, sideways (0 when nothing sticks out).
async fn overflow(browser: &Browser) -> i64 {
    let script = "return document.documentElement.scrollWidth - document.documentElement.clientWidth;";
    browser.eval(script).await.and_then(|w| w.as_i64()).expect("widths")
}

/// Whether every cell labelled `label` lies within the viewport's width, and how many there are.
async fn cells_on_screen(browser: &Browser, label: &str) -> (bool, i64) {
    let script = format!(
        "const cells = Array.from(document.querySelectorAll('td[data-label=\"{label}\"]'));\
         return [cells.every(c => {{ const r = c.getBoundingClientRect(); return r.left >= 0 && r.right <= window.innerWidth && r.width > 0; }}), cells.length];"
    );
    let answer = browser.eval(&script).await.expect("cells");
    (answer[0].as_bool().unwrap_or(false), answer[1].as_i64().unwrap_or(0))
}

#[tokio::test]
async fn case_work_tables_become_cards_on_a_390_px_phone() {
    for_each_backend(|app| async move {
        let case = seed(&app).await;
        let scope = Scope { municipality: Some(meguro()), ..Scope::default() };
        let (_, codes) = account_in_scope(&app.db, "phone-nurse", Role::Staff, scope, true).await;
        let browser = Browser::start(&app.base).await;
        sign_in(&browser, "phone-nurse", &codes[0]).await;
        let backend = format!("{:?}", app.backend).to_lowercase();
        let pages = [
            ("worklist", "/municipalities/131105/cases".to_string(), "状態"),
            ("case", format!("/municipalities/131105/cases/{case}"), "状態"),
            ("plans", "/municipalities/131105/plans".to_string(), "状態"),
            ("caseload", "/municipalities/131105/caseload".to_string(), "期限超過"),
        ];
        for (width, height) in [(1280, 900), (390, 844)] {
            browser.client.set_window_size(width, height).await.expect("window size");
            for (name, path, label) in &pages {
                browser.open(path).await;
                let inner = browser.eval("return window.innerWidth;").await.and_then(|w| w.as_i64()).unwrap_or(0);
                assert!(inner <= i64::from(width), "{inner}");
                let scroll = browser.eval("return document.documentElement.scrollWidth;").await.unwrap();
                assert!(scroll.as_i64().unwrap() <= inner, "{name} at {width} px is {scroll} px wide");
                assert_eq!(overflow(&browser).await, 0, "{name} at {width} px");
                let (on_screen, count) = cells_on_screen(&browser, label).await;
                assert!(count > 0 && on_screen, "{name} at {width} px: {label} on screen ({count} cells)");
                keep_screenshot(&format!("cases-{name}-{width}px-{backend}.png"), &browser.screenshot().await);
            }
            // 事例一覧's 期限 on the worklist and in the search results, closed cases included.
            browser.open("/municipalities/131105/cases").await;
            assert_eq!(cells_on_screen(&browser, "期限").await, (true, 1), "期限 at {width} px");
            browser.click("details.search summary").await;
            browser.choose("#search-state", "").await;
            browser.click_and_wait("#case-search button[type=submit]").await;
            assert!(browser.text("#results").await.contains("検索結果 1 件"));
            assert_eq!(overflow(&browser).await, 0, "search results at {width} px");
            assert_eq!(cells_on_screen(&browser, "期限").await, (true, 1), "期限 in the results at {width} px");
            assert_eq!(cells_on_screen(&browser, "状態").await, (true, 1), "状態 in the results at {width} px");
            keep_screenshot(&format!("cases-search-{width}px-{backend}.png"), &browser.screenshot().await);
        }
        // On the phone the holds table is cards: each row a block no wider than the screen.
        browser.open(&format!("/municipalities/131105/cases/{case}")).await;
        let display = browser.eval("return getComputedStyle(document.querySelector('table.holds tr')).display;").await;
        assert_eq!(display, Some(json!("block")), "a hold is a card below 600 px");
        assert!(cells_on_screen(&browser, "仮押さえ").await.0);
        browser.quit().await;
    })
    .await;
}

#[tokio::test]
async fn a_refused_form_lands_on_a_focused_summary_that_links_to_each_field() {
    for_each_backend(|app| async move {
        let scope = Scope { municipality: Some(meguro()), ..Scope::default() };
        let (_, codes) = account_in_scope(&app.db, "form-nurse", Role::Staff, scope, true).await;
        let browser = Browser::start(&app.base).await;
        sign_in(&browser, "form-nurse", &codes[0]).await;
        let backend = format!("{:?}", app.backend).to_lowercase();
        browser.client.set_window_size(390, 844).await.expect("window size");

        // Intake: 受理日時 is now; blanks for the police station pass the browser's check and are
        // refused by the server.
        browser.open("/municipalities/131105/cases/new").await;
        let received = browser.eval("return document.querySelector('#received_at').value;").await.unwrap();
        let now = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+9));
        assert!(received.as_str().unwrap().starts_with(&now.date().to_string()), "受理日時 is now: {received}");
        browser.type_into("#police_station", "   ").await;
        browser.type_into("#district", "西部").await;
        browser.type_into("#name_kana", "みほん").await;
        browser.set_value("#birth_date", "1985-04-01").await;
        browser.click_and_wait("form.case-form button[type=submit]").await;
        let focused = browser.eval("return document.activeElement.id;").await;
        assert_eq!(focused, Some(json!("error-summary")), "the summary has the focus");
        let top = browser.eval("return document.querySelector('#error-summary').getBoundingClientRect().top;").await;
        let top = top.and_then(|t| t.as_f64()).unwrap();
        assert!((0.0..844.0).contains(&top), "the summary is in view: {top}");
        let links = browser
            .eval("return Array.from(document.querySelectorAll('#error-summary a')).map(a => a.getAttribute('href'));")
            .await;
        assert_eq!(links, Some(json!(["#police_station"])));
        keep_screenshot(&format!("intake-refused-390px-{backend}.png"), &browser.screenshot().await);
        browser.click("#error-summary a").await;
        let target = browser.eval("return location.hash;").await;
        assert_eq!(target, Some(json!("#police_station")), "the link leads to the field");

        // A step of the case page, at the bottom of a long page: the page lands on its summary.
        browser.type_into("#police_station", "目黒警察署").await;
        browser.click_and_wait("form.case-form button[type=submit]").await;
        let case = browser.path().await;
        assert!(case.contains("/cases/"), "{case}");
        // A note longer than its 4,000 characters (the textarea itself sets no limit).
        browser
            .eval("document.querySelector('#start_investigation-note').value = 'あ'.repeat(4001); return null;")
            .await;
        browser.click_and_wait("#action-start_investigation button[type=submit]").await;
        let focused = browser.eval("return document.activeElement.id;").await;
        assert_eq!(focused, Some(json!("error-summary")), "the case page's summary has the focus");
        let links = browser
            .eval("return Array.from(document.querySelectorAll('#error-summary a')).map(a => a.getAttribute('href'));")
            .await;
        assert_eq!(links, Some(json!(["#start_investigation-note"])));
        keep_screenshot(&format!("case-step-refused-390px-{backend}.png"), &browser.screenshot().await);
        browser.quit().await;
    })
    .await;
}
