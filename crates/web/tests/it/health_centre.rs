//! The 保健所 a municipality's bed holds name, set on its page through HTTP on every backend: a
//! bad call-back number is refused beside its field and in the summary (what was typed kept,
//! nothing saved), a good one is saved with its audit row and offered again; a 地区-scoped 保健師
//! and a 協議の場 member are refused and not offered the link.

use crate::for_each_backend;
use crate::harness::{TestApp, account_in_scope, form};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Role, Scope};

const PAGE: &str = "/municipalities/131105/health-centre";

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db.pool).await.unwrap()
}

#[tokio::test]
async fn a_manager_sets_the_health_centre_and_a_bad_number_is_refused_beside_its_field() {
    for_each_backend(|app| async move {
        let (_, districts) = app.get("/municipalities/131105/districts").await;
        assert!(districts.contains(&format!("href=\"{PAGE}\"")), "the districts page offers the link");
        let (status, page) = app.get(PAGE).await;
        assert_eq!(status, 200);
        assert!(page.contains("name=\"callback_phone\"") && !page.contains("error-summary"));

        let bad = form(&[("health_centre", "目黒区保健所"), ("callback_phone", "3715-1111")]);
        let (status, _, body) = app.post_form(PAGE, &bad).await;
        assert_eq!(status, 422);
        let summary = body.split("id=\"error-summary\"").nth(1).expect("a summary");
        assert!(summary.contains("href=\"#callback_phone\""), "{summary}");
        let beside = body.split("id=\"callback_phone\"").nth(1).unwrap();
        assert!(beside.contains("class=\"field-error\" role=\"alert\">折り返しの電話番号を「03-3715-1111」の形"));
        assert!(body.contains("value=\"3715-1111\"") && body.contains("value=\"目黒区保健所\""), "typed kept");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'health_centre_set'").await, 0);

        let good = form(&[("health_centre", " 目黒区保健所 "), ("callback_phone", "03-3715-1111")]);
        let (status, location, body) = app.post_form(PAGE, &good).await;
        assert_eq!(
            (status, location.as_deref()),
            (303, Some("/municipalities/131105/health-centre?notice=saved")),
            "{body}"
        );
        let set = nimo_store::municipalities::health_centre(&app.db, &MunicipalityCode::parse("131105").unwrap()).await;
        let set = set.unwrap();
        assert_eq!((set.health_centre.as_str(), set.callback_phone.as_str()), ("目黒区保健所", "03-3715-1111"));
        let audited = "SELECT COUNT(*) FROM audit_log WHERE action = 'health_centre_set' \
                       AND record_type = 'municipality' AND record_id = '131105' AND outcome = 'ok'";
        assert_eq!(count(&app, audited).await, 1);
        let (_, page) = app.get(&location.unwrap()).await;
        assert!(page.contains("保存しました") && page.contains("value=\"03-3715-1111\""), "{page}");
    })
    .await;
}

#[tokio::test]
async fn a_district_nurse_and_a_council_member_may_not_set_it() {
    for_each_backend(|app| async move {
        let meguro = |district: Option<&str>| Scope {
            municipality: Some(MunicipalityCode::parse("131105").unwrap()),
            district: district.map(str::to_string),
            hospital: None,
        };
        let (_, codes) = account_in_scope(&app.db, "east", Role::Staff, meguro(Some("東部")), true).await;
        let nurse = TestApp::client_for(&app, "east", &codes[0]).await;
        let (_, council_codes) = account_in_scope(&app.db, "kyogi", Role::CouncilMember, meguro(None), true).await;
        let council = match council_codes.first() {
            Some(code) => TestApp::client_for(&app, "kyogi", code).await,
            None => TestApp::client_for_password_only(&app, "kyogi").await,
        };
        for client in [&nurse, &council] {
            assert_eq!(client.get(PAGE).await.0, 403);
            let good = form(&[("health_centre", "偽の保健所"), ("callback_phone", "03-0000-0000")]);
            assert_eq!(client.post_form(PAGE, &good).await.0, 403);
        }
        let (status, districts) = nurse.get("/municipalities/131105/districts").await;
        assert_eq!(status, 200);
        assert!(!districts.contains(&format!("href=\"{PAGE}\"")), "not offered");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'health_centre_set'").await, 0);
    })
    .await;
}
