//! The journeys of issue 13 in headless Chromium, on every backend, through the pages only: after
//! the login page, no address is typed; every page is reached by the menus, links and buttons a
//! user sees. Each journey prints the pages and clicks it took, checks its key pages with axe-core
//! (no serious or critical violation) and keeps screenshots of them at 1280 and 390 px when
//! `NIMO_SCREENSHOT_DIR` is set (and always, under `target/screenshots/`, when a step fails).
//!
//! 3. A 保健師 starts a 退院後支援計画 for a person and records its steps.
//! 4. The sheet is edited (an error shown beside its field, then fixed and saved), printed (the
//!    PDF link) and exported (JSON, CSV, Excel links).
//! 5. A 協議の場 member (read-only) looks around: the sheet and a figure, no case records, and no
//!    control that would change anything.

use crate::browsing::{Tally, follow_text, sign_in, user};
use crate::chrome::Browser;
use crate::for_each_backend;
use nimo_domain::access::Role;
use serde_json::{Value, json};

/// Checks the current page with axe-core and keeps its screenshots under `name`.
async fn look(browser: &Browser, name: &str) {
    let serious = browser.serious_violations().await;
    assert!(serious.is_empty(), "accessibility of {name}:\n{}", serious.join("\n"));
    browser.keep_screenshots(name).await;
    let overflow =
        browser.eval("return document.documentElement.scrollWidth - document.documentElement.clientWidth;").await;
    assert_eq!(overflow, Some(json!(0)), "{name} scrolls sideways at 1280 px");
}

/// The state label of a case or plan page.
async fn state_of(browser: &Browser) -> String {
    browser.text("h1 .state strong").await
}

/// Opens a step of the plan page (a `<details>`), as a user clicks its summary.
async fn open_step(browser: &Browser, step: &str, tally: &mut Tally) {
    tally.click(browser, &format!("#action-{step} summary")).await;
}

#[tokio::test]
async fn journey_3_a_nurse_starts_a_discharge_support_plan_and_records_its_steps() {
    for_each_backend(|app| async move {
        // A report already taken in (journey 1 does that in the browser): its person gets the plan.
        crate::cases::intake(&app).await;
        let code = user(&app, "j3-nurse", Role::Staff).await;
        let browser = Browser::start(&app.base).await;
        let mut tally = Tally::default();
        browser
            .on_failure(&format!("journey3-{:?}", app.backend), async {
                sign_in(&browser, "j3-nurse", code.as_deref(), &mut tally).await;
                follow_text(&browser, "header.site nav", "事例一覧", &mut tally).await;
                look(&browser, "j3-cases").await;
                follow_text(&browser, "main table", "R", &mut tally).await; // the 受付番号 (R3-001)
                follow_text(&browser, "dl.facts", "見本 一郎", &mut tally).await;
                assert!(browser.text("h1").await.starts_with("見本 一郎"), "the person page");
                look(&browser, "j3-person").await;
                follow_text(&browser, "main", "退院後支援計画を作成する", &mut tally).await;
                look(&browser, "j3-plan-new").await;

                // Consent, on the form's own radio buttons.
                tally.click(&browser, "input[name=consent][value=given]").await;
                browser.set_value("#occurred_on", "2022-05-01").await;
                tally.follow(&browser, "form[action$='/plans'] button[type=submit]").await;
                assert_eq!(state_of(&browser).await, "計画作成中");
                assert!(browser.text(".facts").await.contains("同意あり（本人に確認、2022-05-01）"));

                open_step(&browser, "draft", &mut tally).await;
                browser.set_value("#draft-on", "2022-05-02").await;
                // The contents by section: one support row, the crisis plan and the person in charge.
                browser.choose("#support_kind_0", "medical").await;
                browser.type_into("#support_agency_0", "見本記念病院 精神科外来").await;
                browser.type_into("#crisis_signs", "眠れない日が続いたら主治医へ").await;
                browser.type_into("#crisis_day_contact", "目黒区保健予防課 03-0000-0000").await;
                browser.type_into("#author_officer", "目黒 花子（保健師）").await;
                tally.follow(&browser, "#action-draft button[type=submit]:not([name=add_row])").await;
                let main = browser.text("main").await;
                assert!(
                    main.contains("眠れない日が続いたら主治医へ") && main.contains("見本記念病院 精神科外来"),
                    "{main}"
                );

                // A 支援会議 without participants is refused beside the field, and then recorded.
                open_step(&browser, "meeting", &mut tally).await;
                browser.set_value("#held_on", "2022-05-10").await;
                browser.choose("#purpose", "pre_discharge").await;
                tally.follow(&browser, "#action-meeting button[type=submit]").await;
                let error = browser.text("#action-meeting .has-error .field-error").await;
                assert_eq!(error, "参加した機関と職種を1行に1人ずつ入力してください");
                look(&browser, "j3-plan-meeting-error").await;
                browser.type_into("#participants", "目黒区保健予防課／保健師\n見本記念病院／精神保健福祉士").await;
                tally.click(&browser, "input[name=person_attended]").await;
                tally.follow(&browser, "#action-meeting button[type=submit]").await;
                assert!(browser.text("main").await.contains("見本記念病院（精神保健福祉士）"));

                // The start on the 退院日, with the period and the first review.
                open_step(&browser, "start", &mut tally).await;
                browser.set_value("#start-on", "2022-05-20").await;
                browser.set_value("#period_end", "2022-11-20").await;
                browser.set_value("#start-review", "2022-08-01").await;
                tally.follow(&browser, "#action-start button[type=submit]").await;
                assert_eq!(state_of(&browser).await, "支援中");
                let facts = browser.text(".facts").await;
                assert!(
                    facts.contains("2022-05-20") && facts.contains("2022-11-20") && facts.contains("2022-08-01"),
                    "{facts}"
                );
                look(&browser, "j3-plan-active").await;
            })
            .await;
        eprintln!("{:?}: journey 3 (plan) took {} pages and {} clicks", app.backend, tally.pages, tally.clicks);
        browser.quit().await;
    })
    .await;
}

/// Fetches a link of the page as the page would (its cookies), returning status, type and the
/// first bytes (as numbers) and the length.
async fn fetch_link(browser: &Browser, css: &str) -> Value {
    let script = "const done = arguments[arguments.length - 1];\
        const a = document.querySelector(arguments[0]);\
        if (!a) { done({ error: 'no link' }); return; }\
        fetch(a.href, { credentials: 'same-origin' }).then(async r => {\
          const bytes = new Uint8Array(await r.arrayBuffer());\
          done({ status: r.status, type: r.headers.get('content-type'),\
                 disposition: r.headers.get('content-disposition'),\
                 head: Array.from(bytes.slice(0, 8)), length: bytes.length });\
        }).catch(e => done({ error: String(e) }));";
    browser.client.execute_async(script, vec![json!(css)]).await.unwrap_or_else(|e| panic!("fetching {css}: {e}"))
}

#[tokio::test]
async fn journey_4_the_sheet_is_edited_printed_and_exported() {
    for_each_backend(|app| async move {
        let code = user(&app, "j4-nurse", Role::Staff).await;
        let browser = Browser::start(&app.base).await;
        let mut tally = Tally::default();
        browser
            .on_failure(&format!("journey4-{:?}", app.backend), async {
                sign_in(&browser, "j4-nurse", code.as_deref(), &mut tally).await;
                follow_text(&browser, "header.site nav", "自治体一覧", &mut tally).await;
                follow_text(&browser, "main", "令和4年度", &mut tally).await;
                assert!(browser.path().await.ends_with("/sheets/2022"), "the sheet: {}", browser.path().await);
                look(&browser, "j4-sheet").await;

                // Section 1 edited: a bad value is named beside its field and what was typed stays.
                follow_text(&browser, "#s1", "編集", &mut tally).await;
                look(&browser, "j4-edit").await;
                let households = "input[name='basic.figures.households']";
                browser.type_into(households, "15万").await;
                browser.type_into("textarea[name='basic.profile']", "入力途中の紹介文").await;
                tally.follow(&browser, ".edit-form button[type=submit]").await;
                assert!(browser.text("main .error-box").await.contains("入力に誤りが 1 か所あります"));
                let beside = browser
                    .eval(&format!(
                        "const f = document.querySelector({households:?}).closest('.field');\
                         return [f.classList.contains('has-error'), f.querySelector('.field-error').innerText];"
                    ))
                    .await;
                assert_eq!(beside, Some(json!([true, "0以上の整数を入力してください（入力: 15万）"])));
                let kept =
                    browser.eval("return document.querySelector(\"textarea[name='basic.profile']\").value;").await;
                assert_eq!(kept, Some(json!("入力途中の紹介文")), "what was typed is kept");
                look(&browser, "j4-edit-error").await;
                // Fixed and saved: back on the sheet, which says so where it can be seen.
                browser.type_into(households, "150000").await;
                tally.follow(&browser, ".edit-form button[type=submit]").await;
                assert!(browser.path().await.contains("/sheets/2022"), "back on the sheet: {}", browser.path().await);
                assert!(browser.text(".notice").await.starts_with("保存しました"), "the notice is seen");
                assert!(browser.text("#s1").await.contains("入力途中の紹介文"));
                look(&browser, "j4-sheet-saved").await;

                // Printed and exported through the page's own links.
                let link = |label: &str| format!("main .toolbar a.button[href$='{label}']");
                for (file, kind, head) in [
                    ("export.pdf", "application/pdf", &b"%PDF-"[..]),
                    (
                        "export.xlsx",
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        &b"PK\x03\x04"[..],
                    ),
                    ("export.csv", "text/csv", &[0xEF, 0xBB, 0xBF][..]),
                    ("export.json", "application/json", &b"{"[..]),
                ] {
                    let answer = fetch_link(&browser, &link(file)).await;
                    tally.clicks += 1;
                    assert_eq!(answer["status"], json!(200), "{file}: {answer}");
                    assert!(answer["type"].as_str().unwrap_or_default().starts_with(kind), "{file}: {answer}");
                    let first: Vec<u8> =
                        answer["head"].as_array().unwrap().iter().map(|b| b.as_u64().unwrap() as u8).collect();
                    assert!(first.starts_with(head), "{file} starts with {head:?}: {answer}");
                    assert!(answer["length"].as_u64().unwrap_or(0) > 100, "{file}: {answer}");
                }
            })
            .await;
        eprintln!("{:?}: journey 4 (sheet) took {} pages and {} clicks", app.backend, tally.pages, tally.clicks);
        browser.quit().await;
    })
    .await;
}

/// Journey 5 up to the figure: a council member reaches the sheet and a figure by links, and sees
/// no case record. Returns the browser on the sheet page, signed in.
async fn council_looks_around(app: &crate::TestApp, login: &str, tally: &mut Tally) -> Browser {
    crate::browsing::seed_year(app).await;
    user(app, login, Role::CouncilMember).await;
    let browser = Browser::start(&app.base).await;
    browser
        .on_failure(&format!("journey5-{:?}", app.backend), async {
            sign_in(&browser, login, None, tally).await;
            follow_text(&browser, "header.site nav", "自治体一覧", tally).await;
            follow_text(&browser, "main", "令和4年度", tally).await;
            look(&browser, "j5-sheet").await;
            assert!(browser.text("#s4").await.contains("目黒区内 23条通報"), "section 4 is shown");
            // A derived figure, by its badge: the count and where it comes from, no records.
            tally.follow(&browser, "#s4 a.badge[href*='/figures/']").await;
            assert!(browser.path().await.contains("/figures/"), "{}", browser.path().await);
            look(&browser, "j5-figure").await;
            assert!(!browser.has("a[href*='/cases/']").await, "no case record is linked for the council");
            assert!(!browser.has("a[href*='/people/']").await, "no person is linked for the council");
            tally.follow(&browser, "main .crumbs a[href*='/sheets/2022']").await;
        })
        .await;
    browser
}

#[tokio::test]
async fn journey_5_a_council_member_reads_the_sheet_and_its_figures() {
    for_each_backend(|app| async move {
        let mut tally = Tally::default();
        let browser = council_looks_around(&app, "j5-council", &mut tally).await;
        eprintln!("{:?}: journey 5 (council) took {} pages and {} clicks", app.backend, tally.pages, tally.clicks);
        browser.quit().await;
    })
    .await;
}

/// The part of journey 5 that waits for the policy-driven pages (issue 13 item 2): a read-only
/// member is offered no control that changes anything. Fails until those pages land.
#[tokio::test]
async fn journey_5_a_council_member_is_offered_no_edit_control() {
    for_each_backend(|app| async move {
        let mut tally = Tally::default();
        let browser = council_looks_around(&app, "j5-reader", &mut tally).await;
        let offered = "return Array.from(document.querySelectorAll(\
            'a.edit, a[href*=\"/edit/\"], a[href=\"/import\"], form[method=post]:not([action=\"/logout\"])'))\
            .map(e => (e.innerText || e.getAttribute('action') || '').trim());";
        let on_sheet = browser.eval(offered).await.unwrap_or_default();
        tally.follow(&browser, "#s4 a.badge[href*='/figures/']").await;
        let on_figure = browser.eval(offered).await.unwrap_or_default();
        browser.keep_screenshots("j5-figure-controls").await;
        tally.follow(&browser, "main .crumbs a[href*='/sheets/2022']").await;
        follow_text(&browser, "main .crumbs", "自治体一覧", &mut tally).await;
        let on_list = browser.eval(offered).await.unwrap_or_default();
        browser.keep_screenshots("j5-municipalities").await;
        browser.quit().await;
        assert_eq!(on_sheet, json!([]), "the sheet offers the council no edit, copy or import");
        assert_eq!(on_figure, json!([]), "the figure page offers the council no override form");
        assert_eq!(on_list, json!([]), "the list offers the council no new-sheet form or import");
    })
    .await;
}
