//! The year's calendar in headless Chromium at 1280 and 390 px: twelve months from 4月 to 3月,
//! each planned row of section 6 done (with the record that did it) or 未実施, a meeting and the
//! events of the month, one outside the plan marked 予定外, and nothing wider than the phone.
//!
//! Then section 6 of the sheet marks the row the lecture did 実施済, and 「第5節から取組を作成」
//! makes the year's actions. Set `NIMO_SCREENSHOT_DIR` to keep the screenshots (`calendar-…`,
//! `sheet-s6-…`, `actions-…` at 1280 and 390 px).

use crate::chrome::Browser;
use crate::harness::{TestApp, account_in_scope, for_each_backend};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Role, Scope};
use nimo_domain::pdca::{EventKind, HeldStatus};
use nimo_store::audit::AuditEvent;
use nimo_store::events::{self, EventInput};
use time::macros::date;

async fn seed(app: &TestApp) {
    let lecture = |on, title: &str, item: &str, status| EventInput {
        held_on: on,
        title: title.into(),
        kind: EventKind::Lecture,
        audience: "区民・当事者・家族".into(),
        participants: None,
        partners: vec![],
        materials: vec![],
        status,
        schedule_item: item.into(),
    };
    let records = [
        lecture(
            date!(2022 - 08 - 25),
            "令和4年度 第1回 精神保健講演会",
            "普及啓発（区民・当事者・家族）",
            HeldStatus::Held,
        ),
        lecture(date!(2022 - 11 - 17), "令和4年度 第2回 精神保健講演会", "普及啓発", HeldStatus::Held),
        lecture(
            date!(2022 - 12 - 08),
            "令和4年度 第3回 精神保健講演会",
            "普及啓発（区民・当事者・家族）",
            HeldStatus::Cancelled,
        ),
        lecture(date!(2022 - 10 - 10), "世界メンタルヘルスデー 啓発リーフレット配布", "", HeldStatus::Held),
    ];
    for record in &records {
        events::create(&app.db, "131105", record, AuditEvent::cli("event_create")).await.unwrap();
    }
    sqlx::query(
        "INSERT INTO council_body (municipality_code, name, kind, created_at)
         VALUES ('131105', '目黒区精神保健医療福祉推進協議会', 'kyogi_no_ba', '2022-04-01T00:00:00Z')",
    )
    .execute(&app.db.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO council_meeting (municipality_code, body_id, fiscal_year, seq, title, held_on, format, status,
             schedule_item, created_at, updated_at)
         SELECT '131105', id, 2022, 1, '令和4年度 第1回 目黒区精神保健医療福祉推進協議会', '2022-07-12', 'in_person',
                'held', '協議の場', '2022-07-12T00:00:00Z', '2022-07-12T00:00:00Z' FROM council_body",
    )
    .execute(&app.db.pool)
    .await
    .unwrap();
}

#[tokio::test]
async fn the_calendar_shows_planned_against_done_on_a_desktop_and_a_phone() {
    for_each_backend(|app| async move {
        seed(&app).await;
        let scope = Scope { municipality: Some(MunicipalityCode::parse("131105").unwrap()), ..Scope::default() };
        let (_, codes) = account_in_scope(&app.db, "calendar-nurse", Role::Staff, scope, true).await;
        let browser = Browser::start(&app.base).await;
        browser
            .on_failure("calendar", async {
                crate::browsing::sign_in(&browser, "calendar-nurse", Some(&codes[0]), &mut Default::default()).await;
                browser.open("/municipalities/131105/calendar/2022").await;
                let months = browser
                    .eval(
                        "return Array.from(document.querySelectorAll('.month h2')).map(h => h.firstChild.textContent);",
                    )
                    .await;
                let expected: Vec<String> =
                    [4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3].iter().map(|m| format!("{m}月")).collect();
                assert_eq!(months, Some(serde_json::json!(expected)));
                let july = browser.text(".month:nth-child(4)").await;
                assert!(july.contains("協議の場") && july.contains("実施済") && july.contains("推進協議会"), "{july}");
                let december = browser.text(".month:nth-child(9)").await;
                assert!(december.contains("未実施") && december.contains("（中止）"), "{december}");
                let october = browser.text(".month:nth-child(7)").await;
                assert!(october.contains("予定外"), "{october}");
                assert!(browser.text(".slipped-list").await.contains("令和5年3月 今年度の評価"));
                for width in [1280, 390] {
                    browser.set_width(width).await;
                    let overflow = browser
                        .eval("return document.documentElement.scrollWidth - document.documentElement.clientWidth;")
                        .await
                        .and_then(|w| w.as_i64());
                    assert_eq!(overflow, Some(0), "nothing sticks out at {width} px");
                }
                browser.keep_screenshots(&format!("calendar-{:?}", app.backend).to_lowercase()).await;
                browser.open("/municipalities/131105/sheets/2022#s6").await;
                let august = browser.text("#s6 tbody tr:nth-child(3)").await;
                assert!(august.contains("実施済") && august.contains("第1回 精神保健講演会"), "{august}");
                browser.keep_screenshots(&format!("sheet-s6-{:?}", app.backend).to_lowercase()).await;
                browser.open("/municipalities/131105/actions/2022").await;
                browser.click_and_wait("form[action$='/from-sheet'] button").await;
                assert!(browser.text(".notice").await.contains("第5節から取組を7件作成しました"));
                browser.keep_screenshots(&format!("actions-{:?}", app.backend).to_lowercase()).await;
            })
            .await;
        browser.quit().await;
    })
    .await;
}
