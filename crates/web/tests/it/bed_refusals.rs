//! Refused tries in the bed finder are audited: withdrawing someone else's hold, answering another
//! hospital's hold (page and API), and a hospital import naming a ward that is not the hospital's
//! own, whose answer does not tell another hospital's ward from one that does not exist.

use crate::beds::{OTHER_WARD, OWN_HOSPITAL, OWN_WARD, api_client, held, hospital_scope, seed_beds, token_for};
use crate::harness::{Client, TestApp, account_in_scope, for_each_backend};
use nimo_domain::access::{Role, Scope};

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db.pool).await.unwrap()
}

async fn denied(app: &TestApp, record_type: &str, record_id: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'denied' AND outcome = 'denied'
         AND record_type = $1 AND record_id = $2",
    )
    .bind(record_type)
    .bind(record_id)
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

async fn hospital_client(app: &TestApp, login: &str) -> Client {
    let (_, codes) = account_in_scope(&app.db, login, Role::HospitalStaff, hospital_scope(OWN_HOSPITAL), true).await;
    TestApp::client_for(app, login, &codes[0]).await
}

#[tokio::test]
async fn a_try_at_someone_elses_hold_is_refused_and_audited() {
    for_each_backend(|app| async move {
        seed_beds(&app.db, &[]).await;
        let hold = |ward: &str| {
            [("ward_id", ward), ("case_ref", "R4-041"), ("admission", "sochi")]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Vec<_>>()
        };
        let (status, location, _) = app.post_form("/beds/holds", &hold(OWN_WARD)).await;
        assert_eq!(status, 303);
        let own = location.unwrap().trim_start_matches("/beds/holds?placed=").to_string();
        let (_, location, _) = app.post_form("/beds/holds", &hold(OTHER_WARD)).await;
        let other = location.unwrap().trim_start_matches("/beds/holds?placed=").to_string();
        // Another nurse withdrawing it: 404 like a hold that does not exist, both audited.
        let scope =
            Scope { municipality: Some(nimo_domain::MunicipalityCode::parse("131105").unwrap()), ..Scope::default() };
        let (_, codes) = account_in_scope(&app.db, "hold-nurse", Role::Staff, scope, true).await;
        let nurse = TestApp::client_for(&app, "hold-nurse", &codes[0]).await;
        assert_eq!(nurse.post_form(&format!("/beds/holds/{own}/cancel"), &[]).await.0, 404);
        assert_eq!(held(&app.db, OWN_WARD).await, 1, "the hold stays");
        assert_eq!(denied(&app, "bed_hold", &own).await, 1, "the try is audited");
        assert_eq!(nurse.post_form("/beds/holds/999999/cancel", &[]).await.0, 404);
        assert_eq!(denied(&app, "bed_hold", "999999").await, 1);
        // A hospital answering another hospital's hold, on its page and through the API.
        let hospital = hospital_client(&app, "hold-byoin").await;
        let routes =
            count(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'denied' AND record_type = 'route'").await;
        assert_eq!(hospital.post_form(&format!("/hospital/holds/{other}/accept"), &[]).await.0, 403);
        let decline = vec![("reason".to_string(), "full".to_string())];
        assert_eq!(hospital.post_form(&format!("/hospital/holds/{other}/decline"), &decline).await.0, 403);
        let (_, token) = token_for(&app.db, "hold-byoin-api", Role::HospitalStaff, hospital_scope(OWN_HOSPITAL)).await;
        let api = api_client()
            .post(format!("{}/api/v1/holds/{other}/accept", app.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(api.status().as_u16(), 403);
        assert_eq!(held(&app.db, OTHER_WARD).await, 1, "the other hospital's hold is untouched");
        let after =
            count(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'denied' AND record_type = 'route'").await;
        assert_eq!(after - routes, 3, "each try audited");
    })
    .await;
}

#[tokio::test]
async fn an_import_naming_another_hospitals_ward_is_audited_and_reads_like_an_unknown_ward() {
    for_each_backend(|app| async move {
        seed_beds(&app.db, &[]).await;
        let hospital = hospital_client(&app, "import-scope-byoin").await;
        let upload = |ward: &'static str| {
            let hospital = &hospital;
            async move {
                let body = format!("ward_id,free_beds\n{OWN_WARD},1\n{ward},0\n");
                let form = reqwest::multipart::Form::new()
                    .text("csrf", hospital.csrf.clone())
                    .part("file", reqwest::multipart::Part::bytes(body.into_bytes()).file_name("beds.csv"));
                let response =
                    hospital.client.post(format!("{}/hospital/import", hospital.base)).multipart(form).send().await;
                let response = response.unwrap();
                (response.status().as_u16(), response.text().await.unwrap())
            }
        };
        let error = |page: &str, ward: &str| {
            let at = page.find("2件目").expect("the row is named");
            page[at..at + page[at..].find('<').unwrap()].replace(ward, "WARD")
        };
        let postings = count(&app, "SELECT COUNT(*) FROM ward_posting").await;
        let (status, foreign) = upload(OTHER_WARD).await;
        assert_eq!(status, 422);
        let (status, unknown) = upload("h-nowhere-9-z").await;
        assert_eq!(status, 422);
        assert_eq!(error(&foreign, OTHER_WARD), error(&unknown, "h-nowhere-9-z"), "one answer for both");
        assert!(error(&foreign, OTHER_WARD).contains("自院の病棟として登録されていません"), "{foreign}");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM ward_posting").await, postings, "nothing posted");
        assert_eq!(denied(&app, "ward", OTHER_WARD).await, 1, "the foreign ward is audited as refused");
        assert_eq!(denied(&app, "ward", "h-nowhere-9-z").await, 1, "and so is the unknown one");
    })
    .await;
}
