//! Journeys 1 and 2 of issue 13 in a real browser, on every backend, clicking through the pages
//! (no address typed after sign-in: each starts on the page its role lands on): a 保健師 takes a 23条通報 from intake to
//! the 措置診察 with the disposition 措置入院 and holds a bed from the case; the hospital, in a
//! second browser session, accepts the hold; the 保健師 then finds the hold accepted, the case's
//! 入院先 and the admission in the person's timeline. Each journey counts its pages and clicks
//! (printed), and screenshots at 1280 and 390 px are kept when `NIMO_SCREENSHOT_DIR` is set.

use crate::beds::{OWN_HOSPITAL, OWN_WARD, hospital_scope, seed_beds};
use crate::chrome::Browser;
use crate::harness::{account_in_scope, for_each_backend};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Role, Scope};
use std::cell::Cell;
use std::path::Path;

/// A browser that counts what the user does: pages loaded, clicks (links, buttons, boxes,
/// options) and fields typed or picked.
struct Tally<'a> {
    browser: &'a Browser,
    pages: Cell<u32>,
    clicks: Cell<u32>,
    fields: Cell<u32>,
}

impl<'a> Tally<'a> {
    fn new(browser: &'a Browser) -> Self {
        Self { browser, pages: Cell::new(0), clicks: Cell::new(0), fields: Cell::new(0) }
    }
    fn add(cell: &Cell<u32>) {
        cell.set(cell.get() + 1);
    }
    /// A click that loads a new page.
    async fn go(&self, css: &str) {
        self.browser.click_and_wait(css).await;
        Self::add(&self.clicks);
        Self::add(&self.pages);
    }
    /// A click on the page (a box, a summary).
    async fn click(&self, css: &str) {
        self.browser.click(css).await;
        Self::add(&self.clicks);
    }
    async fn type_into(&self, css: &str, text: &str) {
        self.browser.type_into(css, text).await;
        Self::add(&self.fields);
    }
    async fn pick(&self, css: &str, value: &str) {
        self.browser.set_value(css, value).await;
        Self::add(&self.fields);
    }
    async fn choose(&self, css: &str, value: &str) {
        self.browser.choose(css, value).await;
        Self::add(&self.fields);
    }
    /// Goes to the link whose text contains `text`.
    async fn follow(&self, text: &str) {
        let script = format!(
            "const a = Array.from(document.querySelectorAll('main a, nav a')).find(a => a.innerText.includes('{text}'));\
             if (!a) return false; a.setAttribute('data-follow', '1'); return true;"
        );
        assert_eq!(self.browser.eval(&script).await, Some(serde_json::json!(true)), "a link 「{text}」");
        self.go("a[data-follow='1']").await;
    }
    fn report(&self, name: &str) -> String {
        format!("{name}: {} pages, {} clicks, {} fields", self.pages.get(), self.clicks.get(), self.fields.get())
    }
}

fn meguro() -> Scope {
    Scope { municipality: Some(MunicipalityCode::parse("131105").unwrap()), ..Scope::default() }
}

/// Signs in on the login pages (`browsing::sign_in`); not counted in the journeys.
async fn sign_in(browser: &Browser, login: &str, code: &str) {
    crate::browsing::sign_in(browser, login, Some(code), &mut crate::browsing::Tally::default()).await;
}

/// Saves a screenshot at a width when `NIMO_SCREENSHOT_DIR` is set (the window made tall enough
/// for the whole page), and puts the window back to 1280 × 900.
async fn screenshots(browser: &Browser, name: &str) {
    let Some(dir) = std::env::var_os("NIMO_SCREENSHOT_DIR") else { return };
    for width in [1280u32, 390] {
        browser.client.set_window_size(width, 900).await.expect("window size");
        let height = browser.eval("return document.documentElement.scrollHeight;").await.and_then(|h| h.as_u64());
        let height = height.unwrap_or(900).clamp(900, 4000) as u32;
        browser.client.set_window_size(width, height + 100).await.expect("window size");
        let path = Path::new(&dir).join(format!("{name}-{width}px.png"));
        std::fs::create_dir_all(&dir).expect("screenshot directory");
        std::fs::write(&path, browser.screenshot().await).expect("screenshot");
        eprintln!("screenshot: {}", path.display());
    }
    browser.client.set_window_size(1280, 900).await.expect("window size");
}

/// How far down the page (CSS px) an element starts, at a width.
async fn top_at(browser: &Browser, width: u32, css: &str) -> i64 {
    browser.client.set_window_size(width, 900).await.expect("window size");
    let script =
        format!("return Math.round(document.querySelector('{css}').getBoundingClientRect().top + window.scrollY);");
    let top = browser.eval(&script).await.and_then(|t| t.as_i64()).expect("the element's position");
    browser.client.set_window_size(1280, 900).await.expect("window size");
    top
}

/// Records a step of the case page's own form (its date picked), counting the click.
async fn step(tally: &Tally<'_>, step: &str, on: &str) {
    tally.pick(&format!("#{step}-on"), on).await;
    tally.go(&format!("#action-{step} button[type=submit]")).await;
}

#[tokio::test]
async fn journeys_1_and_2_from_a_report_to_a_bed_the_hospital_accepts() {
    for_each_backend(|app| async move {
        seed_beds(&app.db, &[]).await;
        let (_, nurse_codes) = account_in_scope(&app.db, "journey-nurse", Role::Staff, meguro(), true).await;
        let (_, hospital_codes) =
            account_in_scope(&app.db, "journey-byoin", Role::HospitalStaff, hospital_scope(OWN_HOSPITAL), true).await;
        let backend = format!("{:?}", app.backend);

        // Journey 1: the 保健師, from the page she lands on.
        let nurse = Browser::start(&app.base).await;
        sign_in(&nurse, "journey-nurse", &nurse_codes[0]).await;
        let one = Tally::new(&nurse);
        Tally::add(&one.pages);
        one.follow("事例一覧").await;
        one.follow("23条通報を受理する").await;
        one.pick("#received_at", "2021-06-01T10:30").await;
        one.type_into("#police_station", "目黒警察署").await;
        one.type_into("#district", "西部").await;
        one.type_into("#circumstances", "自宅で大声、家族が通報").await;
        one.type_into("#name_kana", "みほん さぶろう").await;
        one.type_into("#name_kanji", "見本 三郎").await;
        one.pick("#birth_date", "1985-04-01").await;
        one.choose("#sex", "m").await;
        one.go("form.case-form button[type=submit]").await;
        let case = nurse.path().await.split('?').next().unwrap().to_string();
        assert!(case.starts_with("/municipalities/131105/cases/"), "the case page: {case}");
        step(&one, "start_investigation", "2021-06-01").await;
        step(&one, "order_exam", "2021-06-01").await;
        one.choose("#first", "needs_sochi").await;
        one.choose("#second", "needs_sochi").await;
        one.choose("#disposition", "sochi").await;
        one.type_into("#hospital", "見本記念病院").await;
        step(&one, "examine", "2021-06-02").await;
        assert!(nurse.text("h1 .state").await.contains("処遇: 措置入院"));

        // The bed search from the case: filled from it, searched, the form folded.
        one.go("a.bed-search-link").await;
        assert!(nurse.text("main .notice").await.contains("の入院先を探しています"));
        let summary = nurse.text("details.beds-search summary").await;
        assert!(summary.contains("措置入院・男性・") && summary.contains("目黒区から"), "{summary}");
        let open = nurse.eval("return document.querySelector('details.beds-search').open;").await;
        assert_eq!(open, Some(serde_json::json!(false)), "the criteria fold away after the search");
        let results_at_phone = top_at(&nurse, 390, "#results").await;
        let results_at_desktop = top_at(&nurse, 1280, "#results").await;
        screenshots(&nurse, &format!("journey1-bed-search-{backend}")).await;
        // The issue measured 1,040 px before the form folded; about 220 px of what is left is the
        // site menu (home's, shared by every page).
        assert!(results_at_phone < 760, "results start near the top on a phone: {results_at_phone} px");
        one.go(&format!("button[name=ward_id][value='{OWN_WARD}']")).await;
        assert_eq!(nurse.path().await.split('?').next().unwrap(), case, "back on the case");
        assert!(nurse.text("main .notice").await.contains("仮押さえしました"), "a visible confirmation");
        assert!(nurse.text("main").await.contains("仮押さえ中"));
        screenshots(&nurse, &format!("journey1-case-held-{backend}")).await;
        let journey_one = one.report("journey 1 (intake to a held bed)");

        // Journey 2: the hospital, in its own browser session, from the start page it lands on
        // (the hold waiting for an answer is listed there and leads to its card).
        let hospital = Browser::start(&app.base).await;
        sign_in(&hospital, "journey-byoin", &hospital_codes[0]).await;
        assert_eq!(hospital.path().await, "/", "the hospital lands on its start page");
        let two = Tally::new(&hospital);
        Tally::add(&two.pages);
        two.go("main a[href^='/hospital#hold-']").await;
        let card = hospital.text(".hold-card.waiting").await;
        assert!(card.contains("依頼元:") && card.contains("措置入院"), "{card}");
        assert!(!card.contains("見本") && !card.contains("みほん"), "no name for the hospital: {card}");
        screenshots(&hospital, &format!("journey2-hospital-inbox-{backend}")).await;
        two.click(".hold-card.waiting .accept-form input[name=confirm]").await;
        two.go(".hold-card.waiting .accept-form button[type=submit]").await;
        assert!(hospital.text("main .notice").await.contains("受入れを決定しました"));
        let hospital_side = two.report("journey 2, hospital (accept)");

        // The 保健師 finds the answer: her holds, the case, the person's timeline.
        let three = Tally::new(&nurse);
        three.follow("仮押さえ").await;
        assert!(nurse.text("#holds").await.contains("受入決定"));
        three.go("#holds .hold-card a[href^='/municipalities/131105/cases/']").await;
        let admitted = nurse.text("dd.admitted").await;
        assert!(admitted.contains(&format!("{OWN_HOSPITAL}病院（架空） {OWN_WARD} 救急病棟")), "{admitted}");
        assert!(admitted.contains("措置診察で入力した入院先: 見本記念病院"), "{admitted}");
        let placement = nurse.text("dd.placement").await;
        assert!(placement.starts_with("受理から") && placement.contains("検索から"), "{placement}");
        screenshots(&nurse, &format!("journey2-case-admitted-{backend}")).await;
        three.go(".facts a[href*='/people/']").await;
        assert!(nurse.text("main").await.contains("入院（仮押さえの受入れ）"), "the admission is in the timeline");
        screenshots(&nurse, &format!("journey2-person-timeline-{backend}")).await;
        let nurse_side = three.report("journey 2, 保健師 (sees the placement)");

        eprintln!(
            "{backend}: {journey_one}; {hospital_side}; {nurse_side}; results start at {results_at_phone} px \
             (390 px wide) and {results_at_desktop} px (1280 px)"
        );
        hospital.quit().await;
        nurse.quit().await;
    })
    .await;
}
