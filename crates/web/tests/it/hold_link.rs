//! A hold placed on the bed search with a typed 受付番号, through HTTP on every backend: when the
//! number is a case of the placer's municipality within the placer's 地区, the hold is linked to
//! the case (`bed_hold.case_id`), so that its acceptance is the person's admission on their
//! page; a number outside the placer's scope, or of no case, links nothing.

use crate::beds::{OWN_HOSPITAL, OWN_WARD, hospital_scope, seed_beds};
use crate::for_each_backend;
use crate::harness::{TestApp, account_in_scope, form};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Role, Scope};

/// Takes a report in for 西部; returns (case id, person id, 受付番号).
async fn a_case(app: &TestApp) -> (i64, i64, String) {
    let intake = form(&[
        ("received_at", "2022-04-10T10:00"),
        ("police_station", "目黒警察署"),
        ("district", "西部"),
        ("name_kana", "みほん はなこ"),
        ("sex", "f"),
    ]);
    let (status, location, body) = app.post_form("/municipalities/131105/cases", &intake).await;
    assert_eq!(status, 303, "{body}");
    let id: i64 = location.unwrap().split('?').next().unwrap().rsplit('/').next().unwrap().parse().unwrap();
    let case = nimo_store::cases::get(&app.db, id).await.unwrap();
    (id, case.person_id.unwrap(), nimo_domain::cases::reception_number(case.fiscal_year, id))
}

/// Places a hold on the own ward with a typed 受付番号; returns the hold's `case_id`.
async fn typed_hold(app: &TestApp, client: &crate::harness::Client, case_ref: &str) -> Option<i64> {
    let hold = form(&[("ward_id", OWN_WARD), ("case_ref", case_ref), ("admission", "sochi")]);
    let (status, location, body) = client.post_form("/beds/holds", &hold).await;
    assert_eq!(status, 303, "{body}");
    let id: i64 = location.unwrap().trim_start_matches("/beds/holds?placed=").parse().unwrap();
    sqlx::query_scalar("SELECT case_id FROM bed_hold WHERE id = $1").bind(id).fetch_one(&app.db.pool).await.unwrap()
}

#[tokio::test]
async fn a_typed_reception_number_in_scope_links_the_hold_to_its_case() {
    for_each_backend(|app| async move {
        seed_beds(&app.db, &[("h-meguro-1-b", 2)]).await;
        let (case, person, reception) = a_case(&app).await;
        let meguro = |district: Option<&str>| Scope {
            municipality: Some(MunicipalityCode::parse("131105").unwrap()),
            district: district.map(str::to_string),
            hospital: None,
        };
        // A 東部 nurse typing the 西部 case's number: placed, but not linked.
        let (_, codes) = account_in_scope(&app.db, "east", Role::Staff, meguro(Some("東部")), true).await;
        let east = TestApp::client_for(&app, "east", &codes[0]).await;
        assert_eq!(typed_hold(&app, &east, &reception).await, None, "a case outside the placer's 地区");
        let nurse =
            crate::harness::Client { base: app.base.clone(), client: app.client.clone(), csrf: app.csrf.clone() };
        assert_eq!(typed_hold(&app, &nurse, "R4-999").await, None, "no such case");

        let hold = form(&[("ward_id", "h-meguro-1-b"), ("case_ref", &reception), ("admission", "sochi")]);
        let (status, location, body) = app.post_form("/beds/holds", &hold).await;
        assert_eq!(status, 303, "{body}");
        let id: i64 = location.unwrap().trim_start_matches("/beds/holds?placed=").parse().unwrap();
        let linked: Option<i64> = sqlx::query_scalar("SELECT case_id FROM bed_hold WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        assert_eq!(linked, Some(case), "typed in scope: linked");

        // The hospital accepts it: the person's page shows the admission.
        let (_, codes) =
            account_in_scope(&app.db, "ward-nurse", Role::HospitalStaff, hospital_scope(OWN_HOSPITAL), true).await;
        let hospital = TestApp::client_for(&app, "ward-nurse", &codes[0]).await;
        let (status, _, body) =
            hospital.post_form(&format!("/hospital/holds/{id}/accept"), &form(&[("confirm", "1")])).await;
        assert!(status == 303 || status == 200, "{status} {body}");
        let (_, page) = app.get(&format!("/municipalities/131105/people/{person}")).await;
        assert!(page.contains("入院（仮押さえの受入れ）") && page.contains("h-meguro-1-b 救急病棟"), "{page}");
    })
    .await;
}
