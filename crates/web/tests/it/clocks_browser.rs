//! The clock board in a real browser (headless Chromium, `chrome.rs`), on every backend: a 保健師
//! signs in, follows 「法定期限の一覧へ」 from her start page and reads an overdue 緊急措置 first and
//! one due soon after it; the board fits a 390 px phone without sideways scrolling. Screenshots
//! at 1280 and 390 px are kept when `NIMO_SCREENSHOT_DIR` is set.

use crate::browsing::{Tally, follow_text, meguro, sign_in};
use crate::chrome::Browser;
use crate::harness::{TestApp, account_in_scope, for_each_backend};
use nimo_domain::access::Role;
use nimo_domain::admissions::{FormEntry, HospitalRef};
use nimo_domain::beds::AdmissionType;
use nimo_store::admissions::{self, NewAdmission};
use nimo_store::audit::AuditEvent;
use time::Duration;

/// Two 緊急措置入院 of 西部: one 80 hours ago (overdue), one 60 hours ago (due soon).
async fn two_admissions(app: &TestApp) {
    let new = nimo_store::people::NewPerson {
        municipality: nimo_domain::MunicipalityCode::parse("131105").unwrap(),
        district: "西部".into(),
        sex: "f".into(),
        name_kana: "みほん さくら".into(),
        name_kanji: "見本 さくら".into(),
        birth_date: None,
        address: "見本町1-1".into(),
        contact: String::new(),
    };
    let mut tx = app.db.pool.begin().await.unwrap();
    let person_id = nimo_store::people::create_in(&mut tx, app.db.keyring().unwrap(), &new).await.unwrap();
    tx.commit().await.unwrap();
    for hours in [80, 60] {
        let admission = NewAdmission {
            municipality: new.municipality.clone(),
            district: "西部".into(),
            person_id,
            case_id: None,
            hospital: HospitalRef::Typed("見本記念病院".into()),
            entry: FormEntry::plain(AdmissionType::KinkyuSochi),
            admitted_at: app.clock.now() - Duration::hours(hours),
            actor: 1,
        };
        admissions::admit(&app.db, &admission, AuditEvent::cli("create")).await.unwrap();
    }
}

#[tokio::test]
async fn the_clock_board_reads_most_urgent_first_on_a_desktop_and_a_phone() {
    for_each_backend(|app: TestApp| async move {
        two_admissions(&app).await;
        let (_, codes) = account_in_scope(&app.db, "board-nurse", Role::Staff, meguro(), true).await;
        let browser = Browser::start(&app.base).await;
        let mut tally = Tally::default();
        browser.client.set_window_size(1280, 900).await.expect("window size");
        sign_in(&browser, "board-nurse", Some(&codes[0]), &mut tally).await;
        follow_text(&browser, "main", "法定期限の一覧へ", &mut tally).await;
        assert_eq!(browser.path().await, "/municipalities/131105/clocks");
        let rows = browser.text("table.clocks tbody").await;
        let (overdue, soon) = (rows.find("期限超過").expect("overdue"), rows.find("期限間近").expect("due soon"));
        assert!(overdue < soon, "the overdue clock comes first: {rows}");
        assert!(browser.text("main").await.contains("期限を過ぎた法定期限が 1 件あります"));
        browser.keep_screenshots(&format!("clock-board-{:?}", app.backend)).await;
        browser.client.set_window_size(390, 844).await.expect("window size");
        let width = browser.eval("return document.documentElement.scrollWidth;").await;
        let width = width.and_then(|w| w.as_i64()).unwrap_or(9999);
        assert!(width <= 390, "the board is {width} px wide on a phone");
        // The rules behind the board: reached by its link, readable on a phone too.
        follow_text(&browser, "main", "法定期限の規則と根拠", &mut tally).await;
        assert_eq!(browser.path().await, "/clocks/rules");
        let width = browser.eval("return document.documentElement.scrollWidth;").await;
        let width = width.and_then(|w| w.as_i64()).unwrap_or(9999);
        assert!(width <= 390, "the rules are {width} px wide on a phone");
        browser.client.set_window_size(1280, 900).await.expect("window size");
        browser.keep_screenshots(&format!("clock-rules-{:?}", app.backend)).await;
        browser.quit().await;
    })
    .await;
}
