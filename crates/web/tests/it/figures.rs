//! A derived section-4 figure through HTTP: the sheet links each derived value to the records it
//! counts; staff keep an entered value over it only with a reason (a missing reason or value is
//! refused beside the field and saves nothing; a stale form is a 409), and can derive it again;
//! a 地区 nurse sees only her 地区's records; the council sees the figure but not the records.

use crate::for_each_backend;
use crate::harness::{Client, TestApp, account_in_scope, form_fields, set};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Role, Scope};

const FIGURE: &str = "/municipalities/131105/sheets/2022/figures/report23.residents.sochi";

async fn demo_year(app: &TestApp) {
    let nurse = nimo_store::accounts::find_by_login(&app.db, "hokenshi").await.unwrap();
    let staffing = nimo_store::synthetic::Staffing { anywhere: vec![nurse.id], districts: vec![] };
    nimo_store::synthetic::meguro_year(&app.db, "131105", nimo_domain::FiscalYear(2021), &staffing).await.unwrap();
}

async fn overrides(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM figure_override").fetch_one(&app.db.pool).await.unwrap()
}

/// The override form of a figure page, filled in.
fn override_form(page: &str, value: &str, reason: &str) -> Vec<(String, String)> {
    let at = page.find("/override\"").expect("an override form");
    let mut fields: Vec<(String, String)> = form_fields(&page[at..]).into_iter().filter(|(k, _)| k != "csrf").collect();
    set(&mut fields, "value", value);
    set(&mut fields, "reason", reason);
    fields
}

#[tokio::test]
async fn a_derived_figure_links_to_its_records_and_an_entered_value_needs_a_reason() {
    for_each_backend(|app| async move {
        demo_year(&app).await;
        let (_, sheet) = app.get("/municipalities/131105/sheets/2022").await;
        assert!(sheet.contains(&format!("href=\"{FIGURE}\"")), "the derived badge links to the figure");

        let (status, page) = app.get(FIGURE).await;
        assert_eq!(status, 200);
        assert!(page.contains("そのうち措置入院") && page.contains("<strong>6</strong> 件"), "{page}");
        assert!(page.contains("令和3年度（2021-04-01 〜 2022-03-31）"));
        let sochi: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM report23 WHERE resident = 1 AND disposition = 'sochi' AND fiscal_year = 2021",
        )
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
        assert_eq!(sochi.len(), 6);
        for id in &sochi {
            assert!(page.contains(&format!("href=\"/municipalities/131105/cases/{id}\"")), "case {id} is listed");
        }
        assert_eq!(page.matches("<td>措置入院</td>").count(), 6);
        let listed: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'read' AND record_type = 'case_list' AND record_id LIKE 'figure:%'",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        assert_eq!(listed, 1, "the list of counted records is audited");

        // No reason, no value: refused beside each field, nothing saved.
        let (status, _, body) = app.post_form(&format!("{FIGURE}/override"), &override_form(&page, "", "")).await;
        assert_eq!(status, 422);
        assert!(body.contains("シートに載せる値を入力してください") && body.contains("入力値を使う理由を入力してください"));
        let (status, _, body) = app.post_form(&format!("{FIGURE}/override"), &override_form(&page, "七", "理由")).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(overrides(&app).await, 0);
        assert!(app.get("/municipalities/131105/sheets/2022").await.1.contains("そのうち措置入院 6件"));

        let reason = "都が受理した夜間の通報1件を含む";
        let (status, location, _) =
            app.post_form(&format!("{FIGURE}/override"), &override_form(&page, "7", reason)).await;
        assert_eq!(status, 303);
        assert!(location.unwrap().ends_with("notice=overridden"));
        let (_, sheet) = app.get("/municipalities/131105/sheets/2022").await;
        assert!(sheet.contains("そのうち措置入院 7件（全件フォロー） <a class=\"badge entered\""), "{sheet}");
        assert!(sheet.contains(reason));
        let (_, json) = app.get("/api/v1/municipalities/131105/sheets/2022").await;
        let json: serde_json::Value = serde_json::from_str(&json).unwrap();
        let line = &json["sheet"]["outcomes"]["indicators"][1]["breakdown"][2];
        assert_eq!((line["key"].as_str(), &line["value"]["source"]), (Some("report23.residents.sochi"), &"entered".into()));
        assert_eq!(line["value"]["value"], 7);
        // The page it came from is stale now: the same form again is a conflict, and changes nothing.
        let (status, _, body) =
            app.post_form(&format!("{FIGURE}/override"), &override_form(&page, "8", "別の理由")).await;
        assert_eq!(status, 409);
        assert!(body.contains("他の職員が先にこのシートを保存しました"));
        assert!(app.get("/municipalities/131105/sheets/2022").await.1.contains("そのうち措置入院 7件"));

        // Back to the derived value.
        let (_, page) = app.get(FIGURE).await;
        assert!(page.contains(&format!("入力値（理由: {reason}）")));
        let csrf_only = Vec::new();
        assert_eq!(app.post_form(&format!("{FIGURE}/derive"), &csrf_only).await.0, 303);
        assert_eq!(overrides(&app).await, 0);
        let (_, sheet) = app.get("/municipalities/131105/sheets/2022").await;
        assert!(sheet.contains("そのうち措置入院 6件（全件フォロー） <a class=\"badge\""));
        let writes: Vec<String> = sqlx::query_scalar(
            "SELECT detail FROM audit_log WHERE action = 'write' AND record_type = 'sheet' ORDER BY id",
        )
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
        assert_eq!(writes, ["override:report23.residents.sochi", "derive:report23.residents.sochi"]);
        assert_eq!(app.get("/municipalities/131105/sheets/2022/figures/report23.nothing").await.0, 404);
    })
    .await;
}

#[tokio::test]
async fn a_district_nurse_sees_her_districts_records_and_the_council_none() {
    for_each_backend(|app| async move {
        demo_year(&app).await;
        let meguro = || Some(MunicipalityCode::parse("131105").unwrap());
        let east_scope = Scope { municipality: meguro(), district: Some("東部".into()), ..Scope::default() };
        let (_, codes) = account_in_scope(&app.db, "east-nurse", Role::Staff, east_scope, true).await;
        let east: Client = TestApp::client_for(&app, "east-nurse", &codes[0]).await;
        let (status, page) = east.get(FIGURE).await;
        assert_eq!(status, 200);
        let own: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM report23 WHERE resident = 1 AND disposition = 'sochi' AND district = '東部'",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        assert_eq!(page.matches("<td>東部</td>").count() as i64, own);
        assert!(!page.contains("<td>西部</td>") && !page.contains("<td>北部</td>"));
        assert!(page.contains(&format!("担当地区以外の {} 件は表示していません", 6 - own)), "{page}");

        let (_, codes) = account_in_scope(
            &app.db,
            "council",
            Role::CouncilMember,
            Scope { municipality: meguro(), ..Scope::default() },
            true,
        )
        .await;
        let council = TestApp::client_for(&app, "council", &codes[0]).await;
        let (status, page) = council.get(FIGURE).await;
        assert_eq!(status, 200);
        assert!(page.contains("<strong>6</strong> 件") && page.contains("事例を扱う職員だけが見られます"));
        assert!(!page.contains("/cases/") && !page.contains("/override\""), "no records, no form");
        let fields = vec![("value".to_string(), "1".to_string()), ("reason".to_string(), "x".to_string())];
        assert_eq!(council.post_form(&format!("{FIGURE}/override"), &fields).await.0, 403);
        assert_eq!(overrides(&app).await, 0);
    })
    .await;
}
