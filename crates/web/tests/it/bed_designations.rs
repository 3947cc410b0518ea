//! The bed finder's designations through HTTP (issue 14, item 6): 措置入院 and 緊急措置入院 only in
//! a hospital set up by the 国等 or a 指定病院 (法29条1項, 29条の2, 19条の8) — the search does not
//! offer the others and the server refuses a hold there (422 naming the designation, audited,
//! nothing held) — and the hospital's own settings page that records its designations.

use crate::beds::{
    OTHER_WARD, OWN_HOSPITAL, OWN_WARD, api_client, held, hospital_scope, seed_beds, staff_scope, token_for,
};
use crate::harness::{TestApp, account_in_scope, for_each_backend, form};
use nimo_domain::access::Role;

async fn hold(base: &str, token: &str, ward: &str, admission: &str) -> (u16, serde_json::Value) {
    let body = serde_json::json!({ "ward_id": ward, "case_ref": "R4-023", "admission": admission });
    let response =
        api_client().post(format!("{base}/api/v1/holds")).bearer_auth(token).json(&body).send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(serde_json::Value::Null))
}

async fn search(base: &str, token: &str, query: &str) -> serde_json::Value {
    let response = api_client()
        .get(format!("{base}/api/v1/beds/search?{query}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.expect("json")
}

fn wards(results: &serde_json::Value) -> Vec<String> {
    results["results"].as_array().unwrap().iter().map(|r| r["ward_id"].as_str().unwrap().to_string()).collect()
}

async fn set_designation(db: &nimo_store::Db, hospital: &str, code: &str) {
    sqlx::query("UPDATE hospital SET sochi_designation = $1 WHERE id = $2")
        .bind(code)
        .bind(hospital)
        .execute(&db.pool)
        .await
        .unwrap();
    // Written past the store, so the server's bed snapshot is told to read the wards again.
    nimo_store::beds::reload_snapshot(db).await;
}

#[tokio::test]
async fn sochi_is_offered_and_held_only_in_a_kokuto_hospital_or_a_shitei_byoin() {
    for_each_backend(|app| async move {
        seed_beds(&app.db, &[]).await;
        let (_, token) = token_for(&app.db, "designations", Role::Staff, staff_scope()).await;
        set_designation(&app.db, OWN_HOSPITAL, "none").await;
        for admission in ["sochi", "kinkyu_sochi"] {
            let found = search(&app.base, &token, &format!("admission={admission}")).await;
            assert_eq!(wards(&found), vec![OTHER_WARD.to_string()], "{admission}: the undesignated hospital is not offered");
            let (status, problem) = hold(&app.base, &token, OWN_WARD, admission).await;
            assert_eq!(status, 422, "{admission}: {problem}");
            let text = problem.to_string();
            assert!(text.contains("admission") && text.contains("国等の設置する精神科病院でも指定病院でもない"), "{text}");
            assert!(text.contains("法29条"), "the refusal names the article: {text}");
        }
        assert_eq!(held(&app.db, OWN_WARD).await, 0, "nothing was held");
        let refused: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'hold_place' AND outcome = 'failed' AND detail = 'admission_not_accepted'",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        assert_eq!(refused, 2, "each refusal is audited");
        // The same search page says nothing of the ward either.
        let (status, page) = app.get("/beds?go=1&admission=sochi").await;
        assert_eq!(status, 200);
        assert!(!page.contains(&format!("value=\"{OWN_WARD}\"")) && page.contains(&format!("value=\"{OTHER_WARD}\"")));
        // A 医療保護入院 needs no designation; 国等の設置 and 指定病院 both take 措置.
        assert_eq!(hold(&app.base, &token, OWN_WARD, "iryo_hogo").await.0, 201);
        set_designation(&app.db, OWN_HOSPITAL, "kokuto").await;
        assert_eq!(hold(&app.base, &token, OWN_WARD, "kinkyu_sochi").await.0, 201);
        let found = search(&app.base, &token, "admission=sochi&include_full").await;
        assert!(wards(&found).contains(&OWN_WARD.to_string()));
        let own = found["results"].as_array().unwrap().iter().find(|r| r["ward_id"] == OWN_WARD).unwrap().clone();
        assert_eq!(own["sochi_designation"], "kokuto");
        assert_eq!(hold(&app.base, &token, OTHER_WARD, "sochi").await.0, 201, "指定病院");
    })
    .await;
}

#[tokio::test]
async fn hospital_staff_record_their_designations_and_the_search_follows_them() {
    for_each_backend(|app| async move {
        seed_beds(&app.db, &[]).await;
        let (_, codes) =
            account_in_scope(&app.db, "settings-byoin", Role::HospitalStaff, hospital_scope(OWN_HOSPITAL), true).await;
        let hospital = TestApp::client_for(&app, "settings-byoin", &codes[0]).await;
        let (status, page) = hospital.get("/hospital").await;
        assert_eq!(status, 200);
        assert!(page.contains("href=\"/hospital/settings\""), "the hospital page leads to its settings");
        let (status, page) = hospital.get("/hospital/settings").await;
        assert_eq!(status, 200);
        assert!(page.contains("指定病院（法19条の8）") && page.contains("法33条の6（R6.4前は法33条の7）"), "rules with sources");
        assert!(page.contains("要確認"), "what is not verified says so");
        // A code not on the list changes nothing.
        let bad = form(&[("sochi_designation", "kenritsu"), ("night_holiday", "1")]);
        let (status, _, page) = hospital.post_form("/hospital/settings", &bad).await;
        assert_eq!(status, 422);
        assert!(page.contains("措置入院の指定: 選択肢から選んでください"), "{page}");
        let kept: String = sqlx::query_scalar("SELECT sochi_designation FROM hospital WHERE id = $1")
            .bind(OWN_HOSPITAL)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        assert_eq!(kept, "shitei");
        // Neither 国等 nor 指定, no 応急入院指定, no nights: the search stops offering 措置 and 応急.
        let none = form(&[("sochi_designation", "none")]);
        let (status, location, _) = hospital.post_form("/hospital/settings", &none).await;
        assert_eq!((status, location.as_deref()), (303, Some("/hospital/settings?notice=saved")));
        let row: (String, i64, i64) = sqlx::query_as(
            "SELECT sochi_designation, okyu_designated, night_holiday FROM hospital WHERE id = $1",
        )
        .bind(OWN_HOSPITAL)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        assert_eq!(row, ("none".to_string(), 0, 0));
        let audited: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'hospital_admin' AND record_id = $1 AND detail = 'sochi:none/okyu:0/night:0'",
        )
        .bind(OWN_HOSPITAL)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        assert_eq!(audited, 1);
        for admission in ["sochi", "okyu"] {
            let (_, page) = app.get(&format!("/beds?go=1&admission={admission}")).await;
            assert!(!page.contains(&format!("value=\"{OWN_WARD}\"")), "{admission}");
        }
        let (_, page) = app.get("/beds?go=1&admission=iryo_hogo").await;
        assert!(page.contains(&format!("value=\"{OWN_WARD}\"")));
        // Staff cannot change a hospital's settings.
        let (status, _, _) = app.post_form("/hospital/settings", &form(&[("sochi_designation", "kokuto")])).await;
        assert_ne!(status, 303);
    })
    .await;
}
