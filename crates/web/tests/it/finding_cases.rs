//! Finding cases on 事例一覧 through HTTP: the search by 受付番号, kana reading (blind index),
//! date range, 地区 and state finds closed cases too, a page at a time; it stays within what the
//! case pages let the viewer see (another 地区's nurse, another municipality); the kana is posted,
//! never in a URL, and the audit row names the list, not the name. A new case gets its default
//! next due date.

use crate::for_each_backend;
use crate::harness::{Client, TestApp, account_in_scope, staff_account};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Role, Scope};
use nimo_store::audit::AuditEvent;
use nimo_store::cases::{self, NewCase};
use nimo_store::people::NewPerson;

const SEARCH: &str = "/municipalities/131105/cases/search";

fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn meguro() -> MunicipalityCode {
    MunicipalityCode::parse("131105").unwrap()
}

/// Takes `n` reports of one 地区 in through the store, day by day from 2021-04-01 (R3), the
/// person named `kana` for the first and `みほん N` for the others; returns their ids.
async fn seed(app: &TestApp, district: &str, kana: &str, n: u32) -> Vec<i64> {
    let nurse = nimo_store::accounts::find_by_login(&app.db, "hokenshi").await.unwrap();
    let mut ids = Vec::new();
    for i in 0..n {
        let day = time::macros::date!(2021 - 04 - 01) + time::Duration::days(i64::from(i));
        let person = NewPerson {
            municipality: meguro(),
            district: district.into(),
            sex: "f".into(),
            name_kana: if i == 0 { kana.to_string() } else { format!("みほん {district}{i}") },
            name_kanji: String::new(),
            birth_date: None,
            address: String::new(),
            contact: String::new(),
        };
        let case = NewCase {
            municipality: meguro(),
            district: district.into(),
            person_id: None,
            received_at: time::PrimitiveDateTime::new(day, time::macros::time!(10:00)),
            article: nimo_domain::cases::ReportArticle::Police,
            police_station: "目黒警察署".into(),
            resident: true,
            circumstances: "見本".into(),
            assigned_to: nurse.id,
            next_due_on: None,
            protection_started_at: None,
        };
        ids.push(cases::create(&app.db, &case, Some(&person), AuditEvent::cli("create")).await.unwrap());
    }
    ids
}

/// Closes a case through the store (the search must find it still).
async fn close(app: &TestApp, id: i64) {
    use nimo_domain::cases::CaseEvent;
    let nurse = nimo_store::accounts::find_by_login(&app.db, "hokenshi").await.unwrap();
    for event in [
        CaseEvent::StartInvestigation { staff: 2 },
        CaseEvent::NoExamNeeded { reason: "見本".into() },
        CaseEvent::Close { reason: "見本".into() },
    ] {
        let case = cases::get(&app.db, id).await.unwrap();
        let input = cases::EventInput {
            event,
            occurred_on: time::macros::date!(2021 - 09 - 01),
            occurred_at: None,
            note: String::new(),
            next_due_on: None,
            actor: nurse.id,
        };
        cases::record_event(&app.db, id, case.revision, &input, AuditEvent::cli("write")).await.unwrap();
    }
}

async fn audit_rows(app: &TestApp, record_type: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'read' AND record_type = $1")
        .bind(record_type)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_search_finds_closed_cases_by_reception_kana_dates_district_and_state_a_page_at_a_time() {
    for_each_backend(|app| async move {
        let west = seed(&app, "西部", "けんさく たろう", 55).await;
        let east = seed(&app, "東部", "ひがし はなこ", 2).await;
        close(&app, west[0]).await;
        let (status, list) = app.get("/municipalities/131105/cases").await;
        assert_eq!(status, 200);
        assert!(
            list.contains("事例を探す（終結した事例を含む）")
                && list.contains("action=\"/municipalities/131105/cases/search\"")
        );
        assert!(!list.contains("けんさく たろう"), "a closed case is not on the open worklist");

        // By kana: the closed case is found, through the blind index (the whole reading, any
        // spacing or width as the index normalises it).
        let reads = audit_rows(&app, "case_search").await;
        let (status, location, page) = app.post_form(SEARCH, &form(&[("kana", "けんさく　たろう")])).await;
        assert_eq!((status, location), (200, None));
        assert!(page.contains("検索結果 1 件"), "{page}");
        assert!(page.contains("けんさく たろう") && page.contains("終結"), "{page}");
        assert!(page.contains(&format!("/municipalities/131105/cases/{}\"", west[0])));
        assert_eq!(audit_rows(&app, "case_search").await, reads + 1, "the search is audited as a read");
        let named: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE record_id LIKE '%けんさく%' OR detail LIKE '%けんさく%'",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        assert_eq!(named, 0, "the audit log holds no name");
        let (_, _, page) = app.post_form(SEARCH, &form(&[("kana", "けんさく")])).await;
        assert!(
            page.contains("検索結果 0 件") && page.contains("条件に合う事例はありません"),
            "a part of a name finds nothing"
        );

        // By 受付番号, as printed or as a number; another year's number finds nothing.
        let reception = format!("R3-{:03}", west[3]);
        let (_, _, page) = app.post_form(SEARCH, &form(&[("reception", &reception)])).await;
        assert!(page.contains("検索結果 1 件") && page.contains(&reception), "{page}");
        let (_, _, page) = app.post_form(SEARCH, &form(&[("reception", &format!("R4-{:03}", west[3]))])).await;
        assert!(page.contains("検索結果 0 件"), "{page}");
        let (status, _, page) = app.post_form(SEARCH, &form(&[("reception", "たろう")])).await;
        assert_eq!(status, 422);
        assert!(page.contains("受付番号は「R4-012」または番号だけの形で入力してください"));
        assert!(page.contains("href=\"#search-reception\""), "the summary links to the field");

        // By dates, 地区 and state.
        let (_, _, page) = app.post_form(SEARCH, &form(&[("from", "2021-04-02"), ("to", "2021-04-04")])).await;
        assert!(page.contains("検索結果 4 件"), "three days of 西部, one of 東部: {page}");
        let (_, _, page) =
            app.post_form(SEARCH, &form(&[("from", "2021-04-01"), ("to", "2021-04-02"), ("district", "東部")])).await;
        assert!(page.contains("検索結果 2 件") && page.contains("ひがし はなこ"), "{page}");
        assert!(!page.contains("けんさく たろう") && !page.contains(&format!("/cases/{}\"", west[1])), "{page}");
        let (_, _, page) = app.post_form(SEARCH, &form(&[("state", "closed")])).await;
        assert!(page.contains("検索結果 1 件"), "{page}");
        let (_, _, page) = app.post_form(SEARCH, &form(&[("state", "open")])).await;
        assert!(page.contains("検索結果 56 件"), "{page}");
        let (status, _, page) = app.post_form(SEARCH, &form(&[("from", "2021-05-01"), ("to", "2021-04-01")])).await;
        assert_eq!(status, 422);
        assert!(page.contains("受理日（まで）は受理日（から）と同じか後の日にしてください"));

        // Hostile and oversized criteria: refused beside their field, nothing searched.
        let long = "あ".repeat(101);
        let (status, _, page) = app.post_form(SEARCH, &form(&[("kana", &long)])).await;
        assert_eq!(status, 422);
        assert!(page.contains("100文字までです（101文字あります）") && !page.contains("検索結果"), "{page}");
        let (status, _, page) =
            app.post_form(SEARCH, &form(&[("kana", "たろう\u{0}"), ("district", "東部\n西部")])).await;
        assert_eq!(status, 422);
        assert!(page.contains("制御文字（U+0000）は使えません") && page.contains("改行は使えません"), "{page}");

        // Paging: 57 cases, 50 a page, newest first; the next page keeps the criteria.
        let (_, _, page) = app.post_form(SEARCH, &form(&[])).await;
        assert!(page.contains("検索結果 57 件（1〜50 件目）") && page.contains("1 / 2 ページ"), "{page}");
        assert!(page.contains("form=\"case-search\" name=\"page\" value=\"1\""), "a next-page button");
        let (_, _, page) = app.post_form(SEARCH, &form(&[("page", "1")])).await;
        assert!(page.contains("検索結果 57 件（51〜57 件目）") && page.contains("2 / 2 ページ"), "{page}");
        assert!(page.contains(&format!("/cases/{}\"", west[0])), "the oldest case is on the last page");
        let _ = east;
    })
    .await;
}

#[tokio::test]
async fn a_search_stays_within_the_district_and_municipality_the_case_pages_allow() {
    for_each_backend(|app| async move {
        for name in ["東部", "西部"] {
            nimo_store::districts::add(&app.db, "131105", name, AuditEvent::cli("district")).await.unwrap();
        }
        let west = seed(&app, "西部", "にし たろう", 1).await;
        let east = seed(&app, "東部", "ひがし はなこ", 1).await;
        let scope = Scope { municipality: Some(meguro()), district: Some("東部".into()), ..Scope::default() };
        let (_, codes) = account_in_scope(&app.db, "east-nurse", Role::Staff, scope, true).await;
        let nurse: Client = TestApp::client_for(&app, "east-nurse", &codes[0]).await;
        let (status, _, page) = nurse.post_form(SEARCH, &form(&[("kana", "にし たろう")])).await;
        assert_eq!(status, 200);
        assert!(page.contains("検索結果 0 件") && !page.contains("にし たろう<"), "another 地区's case is not found");
        let (_, _, page) = nurse.post_form(SEARCH, &form(&[])).await;
        assert!(page.contains("検索結果 1 件") && page.contains("ひがし はなこ"), "{page}");
        assert!(!page.contains(&format!("/cases/{}\"", west[0])));
        assert!(page.contains(&format!("/cases/{}\"", east[0])));
        let (status, _, page) = nurse.post_form(SEARCH, &form(&[("district", "西部")])).await;
        assert_eq!(status, 422, "another 地区 is not offered");
        assert!(page.contains("地区を一覧から選んでください"));
        // Staff of another municipality are refused before anything is read.
        let codes = staff_account(&app.db, "setagaya", "131121").await;
        let other: Client = TestApp::client_for(&app, "setagaya", &codes[0]).await;
        let (status, _, page) = other.post_form(SEARCH, &form(&[("kana", "ひがし はなこ")])).await;
        assert_ne!(status, 200);
        assert!(!page.contains("ひがし はなこ"));
    })
    .await;
}

#[tokio::test]
async fn a_new_case_is_due_the_day_after_receipt_unless_staff_give_a_date() {
    for_each_backend(|app| async move {
        let (_, page) = app.get("/municipalities/131105/cases/new").await;
        assert!(page.contains("空欄なら受理日の翌日になります"), "the form says the rule");
        let intake = form(&[
            ("received_at", "2021-06-30T23:10"),
            ("police_station", "目黒警察署"),
            ("district", "西部"),
            ("resident", "1"),
            ("unknown", "1"),
        ]);
        let (status, location, body) = app.post_form("/municipalities/131105/cases", &intake).await;
        assert_eq!(status, 303, "{body}");
        let (_, case) = app.get(location.unwrap().split('?').next().unwrap()).await;
        assert!(case.contains("<dt>次の期限</dt><dd>2021-07-01</dd>"), "{case}");
        let mut given = intake.clone();
        given.push(("next_due_on".into(), "2021-07-05".into()));
        let (_, location, _) = app.post_form("/municipalities/131105/cases", &given).await;
        let (_, case) = app.get(location.unwrap().split('?').next().unwrap()).await;
        assert!(case.contains("<dt>次の期限</dt><dd>2021-07-05</dd>"), "{case}");
    })
    .await;
}
