//! The app in a real browser (headless Chromium through chromedriver, see `chrome.rs`), on every
//! backend: a 保健師 signs in on the login pages and takes a 23条通報 from intake to closure with
//! the page's own forms (the browser's own checks included), reads the case on a 390 px wide
//! phone and finds it counted on the sheet; and the bed finder's page updates itself when a
//! hospital posts its free beds.
//!
//! Set `NIMO_SCREENSHOT_DIR` to keep the screenshots the tests take (nothing is written otherwise).

use crate::chrome::Browser;
use crate::harness::{TestApp, account_in_scope, for_each_backend, for_each_backend_with};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Role, Scope};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn meguro() -> Scope {
    Scope { municipality: Some(MunicipalityCode::parse("131105").unwrap()), ..Scope::default() }
}

/// Signs in on the login page (password, then a recovery code on /login/totp).
async fn sign_in(browser: &Browser, login: &str, code: &str) {
    browser.open("/login").await;
    assert_eq!(browser.text("h1").await, "ログイン");
    browser.type_into("#login", login).await;
    browser.type_into("#password", crate::harness::PASSWORD).await;
    browser.click_and_wait("form[action='/login'] button[type=submit]").await;
    assert!(browser.path().await.starts_with("/login/totp"), "the password leads to the second factor");
    assert_eq!(browser.text("h1").await, "ワンタイムコードの入力");
    browser.type_into("#code", code).await;
    browser.click_and_wait("form[action='/login/totp'] button[type=submit]").await;
    assert_eq!(browser.path().await, "/", "signed in, on the start page");
    assert!(browser.has("form[action='/logout']").await, "the page offers to sign out");
}

/// The state label of the case page.
async fn state_of(browser: &Browser) -> String {
    browser.text("h1 .state strong").await
}

/// Fills the date of a step's form and records it (waiting for the page that follows).
async fn record(browser: &Browser, step: &str, on: &str) {
    browser.set_value(&format!("#{step}-on"), on).await;
    browser.click_and_wait(&format!("#action-{step} button[type=submit]")).await;
}

/// Saves a screenshot when `NIMO_SCREENSHOT_DIR` is set.
fn keep_screenshot(name: &str, png: &[u8]) {
    if let Some(dir) = std::env::var_os("NIMO_SCREENSHOT_DIR") {
        let path = Path::new(&dir).join(name);
        std::fs::create_dir_all(&dir).expect("screenshot directory");
        std::fs::write(&path, png).expect("screenshot");
        eprintln!("screenshot: {}", path.display());
    }
}

#[tokio::test]
async fn a_nurse_takes_a_report_from_intake_to_closure_in_the_browser() {
    for_each_backend(|app| async move {
        let started = Instant::now();
        let (_, codes) = account_in_scope(&app.db, "browser-nurse", Role::Staff, meguro(), true).await;
        let browser = Browser::start(&app.base).await;
        sign_in(&browser, "browser-nurse", &codes[0]).await;

        // Intake on the real form: typed text, a ticked box, a chosen option and the pickers.
        browser.open("/municipalities/131105/cases/new").await;
        assert_eq!(browser.text("h1").await, "23条通報の受理");
        browser.set_value("#received_at", "2021-06-01T10:30").await;
        browser.type_into("#police_station", "目黒警察署").await;
        browser.type_into("#district", "西部").await;
        let resident = browser.eval("return document.querySelector('input[name=resident]').checked;").await;
        assert_eq!(resident, Some(serde_json::json!(true)), "区民 is ticked to begin with");
        browser.type_into("#circumstances", "自宅で大声、家族が通報").await;
        browser.set_value("#next_due_on", "2021-06-02").await;
        browser.type_into("#name_kana", "みほん いちろう").await;
        browser.type_into("#name_kanji", "見本 一郎").await;
        browser.set_value("#birth_date", "1985-04-01").await;
        browser.choose("#sex", "m").await;
        browser.type_into("#address", "見本町9-9").await;
        browser.type_into("#contact", "000-9999-0000").await;
        browser.click_and_wait("form.case-form button[type=submit]").await;
        let case = browser.path().await.split('?').next().unwrap().to_string();
        assert!(case.starts_with("/municipalities/131105/cases/"), "the case page: {case}");
        assert_eq!(state_of(&browser).await, "受理");
        assert!(browser.text(".facts").await.contains("見本 一郎（みほん いちろう）"));
        let facts = browser.text(".facts").await;
        assert!(facts.contains("2021-06-01 10:30"), "the picked date and time: {facts}");
        assert!(facts.contains("居住地\n区内（区民）"), "a resident: {facts}");

        record(&browser, "start_investigation", "2021-06-01").await;
        assert_eq!(state_of(&browser).await, "事前調査中");
        record(&browser, "order_exam", "2021-06-01").await;
        assert_eq!(state_of(&browser).await, "措置診察予定");
        // Both designated doctors find 要措置: 措置入院.
        browser.choose("#first", "needs_sochi").await;
        browser.choose("#second", "needs_sochi").await;
        browser.choose("#disposition", "sochi").await;
        browser.type_into("#hospital", "見本記念病院").await;
        browser.set_value("#examine-due", "2021-06-16").await;
        record(&browser, "examine", "2021-06-02").await;
        assert_eq!(state_of(&browser).await, "フォロー中");
        assert!(browser.text("h1 .state").await.contains("処遇: 措置入院"));
        assert!(browser.text(".facts").await.contains("見本記念病院"));
        browser.type_into("#follow_up-note", "病棟で面会").await;
        record(&browser, "follow_up", "2021-06-16").await;
        assert_eq!(state_of(&browser).await, "フォロー中");
        assert!(browser.text("ol.events").await.contains("病棟で面会"));

        // Closing without a reason: the browser itself holds the form back ...
        browser.set_value("#close-on", "2021-09-30").await;
        browser.mark_page().await;
        browser.click("#action-close button[type=submit]").await;
        assert!(browser.wait_for_new_page(Duration::from_millis(500)).await.is_none(), "not sent");
        let missing = browser.eval("return document.querySelector('#close-reason').validity.valueMissing;").await;
        assert_eq!(missing, Some(serde_json::json!(true)), "the empty reason is flagged");
        // ... and a reason of blanks gets past it: the server refuses it beside the field.
        browser.type_into("#close-reason", "   ").await;
        browser.click_and_wait("#action-close button[type=submit]").await;
        assert_eq!(browser.text("#action-close .field.has-error .field-error").await, "終結の理由を入力してください");
        assert_eq!(state_of(&browser).await, "フォロー中", "nothing was saved");
        browser.type_into("#close-reason", "措置解除、通院継続").await;
        record(&browser, "close", "2021-09-30").await;
        assert_eq!(state_of(&browser).await, "終結");
        assert!(browser.text("main").await.contains("この事例は終結しています。"));
        assert!(!browser.has("form.action").await, "a closed case offers no further step");

        // The closed case on a 390 px wide phone: nothing sticks out sideways.
        browser.client.set_window_size(390, 844).await.expect("window size");
        browser.open(&case).await;
        let width = browser.eval("return window.innerWidth;").await.and_then(|w| w.as_i64()).unwrap_or(0);
        assert!((360..=390).contains(&width), "a phone-wide viewport: {width}");
        let overflow =
            browser.eval("return document.documentElement.scrollWidth - document.documentElement.clientWidth;").await;
        assert_eq!(overflow, Some(serde_json::json!(0)), "no sideways scrolling at {width} px");
        keep_screenshot(&format!("case-closed-390px-{:?}.png", app.backend), &browser.screenshot().await);
        browser.client.set_window_size(390, 2600).await.expect("window size");
        keep_screenshot(&format!("case-closed-390px-long-{:?}.png", app.backend), &browser.screenshot().await);
        browser.client.set_window_size(1280, 900).await.expect("window size");

        // The sheet counts the case in section 4, as derived from the records.
        browser.open("/municipalities/131105/sheets/2022").await;
        let lines = browser
            .eval("return Array.from(document.querySelectorAll('#s4 .line')).map(l => l.innerText);")
            .await
            .expect("section 4");
        let report = lines
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|l| l.as_str())
            .find(|l| l.contains("目黒区内 23条通報"))
            .unwrap_or_else(|| panic!("the 23条通報 line in section 4: {lines}"))
            .to_string();
        assert!(report.contains("23条通報 1件"), "{report}");
        assert!(report.ends_with("事例記録から集計"), "{report}");
        browser.quit().await;
        eprintln!("{:?}: intake to sheet in the browser took {:?}", app.backend, started.elapsed());
    })
    .await;
}

#[tokio::test]
async fn the_bed_finder_page_shows_a_new_posting_without_a_reload() {
    // The app's channel of bed changes, to know when the page listens (its EventSource connected).
    let events: Arc<Mutex<Option<tokio::sync::broadcast::Sender<String>>>> = Arc::default();
    let slot = events.clone();
    let configure = move |state: nimo_web::AppState| {
        *slot.lock().unwrap() = Some(state.bed_events.clone());
        state
    };
    for_each_backend_with(configure, |app| {
        let events = events.lock().unwrap().clone().expect("the app's bed events");
        async move { bed_finder_updates_live(app, events).await }
    })
    .await;
}

async fn bed_finder_updates_live(app: TestApp, events: tokio::sync::broadcast::Sender<String>) {
    use crate::beds::{OWN_HOSPITAL, OWN_WARD, seed_beds};
    seed_beds(&app.db, &[]).await;
    let (_, nurse) = account_in_scope(&app.db, "beds-nurse", Role::Staff, meguro(), true).await;
    let hospital_scope = Scope { hospital: Some(OWN_HOSPITAL.into()), ..Scope::default() };
    let (_, staff) = account_in_scope(&app.db, "beds-byoin", Role::HospitalStaff, hospital_scope, true).await;
    let hospital = TestApp::client_for(&app, "beds-byoin", &staff[0]).await;

    let browser = Browser::start(&app.base).await;
    sign_in(&browser, "beds-nurse", &nurse[0]).await;
    // On a phone: the cards and the one hold form above them (a desktop's table row opens its
    // own form inside the results, which wait while the user types there).
    browser.client.set_window_size(390, 844).await.expect("window size");
    browser.open("/beds?go=1&admission=sochi").await;
    let opened = Instant::now();
    let ward_card = format!(
        "return Array.from(document.querySelectorAll('.bed-card'))\
         .filter(c => c.innerText.includes('{OWN_WARD} 救急病棟'))\
         .map(c => c.querySelector('.beds-left').innerText).join('|');"
    );
    let shown = browser.eval(&ward_card).await;
    assert_eq!(shown, Some(serde_json::json!("空床 2 床（掲示 2 床）")), "the seeded count");

    // Wait until the page's script listens to /beds/events, then the hospital posts 7 free beds.
    let listening = Instant::now();
    while events.receiver_count() == 0 {
        assert!(listening.elapsed() < Duration::from_secs(10), "the page never opened /beds/events");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The nurse starts typing a 受付番号 into the hold form and stays in the box.
    browser.type_into("#case_ref", "R4-02").await;
    browser.mark_page().await;
    let form = vec![("free_beds".to_string(), "7".to_string())];
    let (status, location, _) = hospital.post_form(&format!("/hospital/wards/{OWN_WARD}/availability"), &form).await;
    assert_eq!((status, location.as_deref()), (303, Some("/hospital?notice=posted")));
    let posted = Instant::now();

    // The nurse does nothing: the page shows the new count within seconds.
    let mut seen = None;
    while posted.elapsed() < Duration::from_secs(10) {
        if browser.eval(&ward_card).await == Some(serde_json::json!("空床 7 床（掲示 7 床）")) {
            seen = Some(posted.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let seen = seen.expect("the bed finder shows the hospital's new count within 10 s, without the user reloading");
    // Only the results were replaced: what she typed and her focus are still there.
    let typed = browser.eval("return [document.querySelector('#case_ref').value, document.activeElement.id];").await;
    assert_eq!(typed, Some(serde_json::json!(["R4-02", "case_ref"])), "the typed 受付番号 and the focus remain");
    let same = browser.eval("return window.__nimoOldPage === true;").await;
    assert_eq!(same, Some(serde_json::json!(true)), "the page was not reloaded (the marked document is still there)");
    // The page's own 30 s refresh cannot have done it: this was the live update.
    assert!(opened.elapsed() < Duration::from_secs(25), "well before the page's fallback refresh");
    assert_eq!(browser.path().await, "/beds?go=1&admission=sochi", "the same search, still");
    eprintln!("{:?}: the new count showed {seen:?} after the posting", app.backend);
    // The results on a 390 px wide phone: nothing sticks out sideways.
    browser.client.set_window_size(390, 844).await.expect("window size");
    browser.open("/beds?go=1&admission=sochi").await;
    let overflow =
        browser.eval("return document.documentElement.scrollWidth - document.documentElement.clientWidth;").await;
    assert_eq!(overflow, Some(serde_json::json!(0)), "no sideways scrolling on the bed finder at 390 px");
    browser.client.set_window_size(390, 2600).await.expect("window size");
    keep_screenshot(&format!("beds-390px-{:?}.png", app.backend), &browser.screenshot().await);
    browser.quit().await;
}
