//! The bed finder's pages through HTTP as staff and hospitals use them: search, hold, accept,
//! withdraw, the hospital's all-or-nothing import, and the live updates of its page.

use crate::beds::{
    OTHER_WARD, OWN_HOSPITAL, OWN_WARD, api_client, held, hospital_scope, now, post_hold, seed_beds, staff_scope,
    token_for,
};
use crate::harness::{TestApp, account_in_scope, for_each_backend};
use nimo_domain::access::{Role, Scope};
use nimo_store::beds;

#[tokio::test]
async fn staff_find_and_hold_a_bed_the_hospital_accepts_it_and_the_time_shows_in_the_statistics() {
    for_each_backend(|app| async move {
        seed_beds(&app.db, &[]).await;
        let (status, page) = app.get("/beds?go=1&admission=sochi&sex=female&age=34&from=131105").await;
        assert_eq!(status, 200);
        assert!(page.contains("h-meguro-1病院（架空）") && page.contains("03-0000-1001"), "results with phone");
        assert!(
            page.contains("<noscript><meta http-equiv=\"refresh\""),
            "results refresh by polling only without scripts (which update the results alone)"
        );
        let (status, page) = app.get("/beds?go=1&age=二百").await;
        assert_eq!(status, 422);
        assert!(page.contains("年齢: 0から120までの整数"), "the error names the field");
        let searched_at = (now() - 300).to_string();
        let form: Vec<(String, String)> = [
            ("ward_id", OWN_WARD),
            ("case_ref", "Ｒ４－０２３"),
            ("admission", "sochi"),
            ("searched_at", searched_at.as_str()),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let (status, location, _) = app.post_form("/beds/holds", &form).await;
        assert_eq!(status, 303, "{:?}", app.backend);
        let location = location.unwrap();
        assert!(location.starts_with("/beds/holds?placed="), "{location}");
        let (_, mine) = app.get(&location).await;
        assert!(mine.contains("R4-023") && mine.contains("仮押さえ中"));
        // The hospital sees the hold on its page (which refreshes itself) and accepts it.
        let (_, codes) =
            account_in_scope(&app.db, "flow-byoin", Role::HospitalStaff, hospital_scope(OWN_HOSPITAL), true).await;
        let hospital = TestApp::client_for(&app, "flow-byoin", &codes[0]).await;
        let (status, inbox) = hospital.get("/hospital").await;
        assert_eq!(status, 200);
        assert!(inbox.contains("R4-023") && inbox.contains("受け入れる"), "the hold is in the inbox");
        assert!(inbox.contains("<noscript><meta http-equiv=\"refresh\""));
        let id = location.trim_start_matches("/beds/holds?placed=");
        // Accepting needs its confirmation: without the ticked box nothing changes.
        let (status, _, page) = hospital.post_form(&format!("/hospital/holds/{id}/accept"), &[]).await;
        assert_eq!(status, 422);
        assert!(page.contains(&format!("番号 {id} の受入れ: 「受け入れを確定する」にチェック")), "{page}");
        assert_eq!(held(&app.db, OWN_WARD).await, 1, "still waiting");
        let confirm = vec![("confirm".to_string(), "1".to_string())];
        let (status, location, _) = hospital.post_form(&format!("/hospital/holds/{id}/accept"), &confirm).await;
        assert_eq!((status, location.as_deref()), (303, Some("/hospital?notice=accepted")));
        let (_, mine) = app.get("/beds/holds").await;
        assert!(mine.contains("受入決定"));
        let (status, stats) = app.get("/beds/stats").await;
        assert_eq!(status, 200);
        assert!(stats.contains("h-meguro-1病院（架空）"), "the placement is in the statistics");
        assert!(!stats.contains("R4-023"), "no case reference in the statistics");
        // The median is the one placement: about five minutes from the search.
        let minutes: Vec<f64> =
            stats.split("分<").filter_map(|part| part.rsplit('>').next().and_then(|n| n.parse::<f64>().ok())).collect();
        assert!(minutes.first().is_some_and(|m| (4.9..=6.0).contains(m)), "{minutes:?}");
        // The hospital may not use the staff pages, nor staff the hospital page.
        assert_eq!(hospital.get("/beds").await.0, 403);
        assert_eq!(app.get("/hospital").await.0, 403);
    })
    .await;
}

#[tokio::test]
async fn staff_withdraw_their_own_hold_and_the_bed_is_free_again() {
    for_each_backend(|app| async move {
        seed_beds(&app.db, &[]).await;
        let form: Vec<(String, String)> = [("ward_id", OWN_WARD), ("case_ref", "R4-031"), ("admission", "sochi")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let (status, location, _) = app.post_form("/beds/holds", &form).await;
        assert_eq!(status, 303);
        let id = location.unwrap().trim_start_matches("/beds/holds?placed=").to_string();
        let (_, mine) = app.get("/beds/holds").await;
        assert!(mine.contains(&format!("action=\"/beds/holds/{id}/cancel\"")), "a waiting hold can be withdrawn");
        // Another staff member cannot withdraw it.
        let (_, codes) = account_in_scope(
            &app.db,
            "other-nurse",
            Role::Staff,
            Scope { municipality: Some(nimo_domain::MunicipalityCode::parse("131105").unwrap()), ..Scope::default() },
            true,
        )
        .await;
        let other = TestApp::client_for(&app, "other-nurse", &codes[0]).await;
        assert_eq!(other.post_form(&format!("/beds/holds/{id}/cancel"), &[]).await.0, 404);
        assert_eq!(held(&app.db, OWN_WARD).await, 1);
        // Withdrawing needs its confirmation: without the ticked box nothing changes.
        let (status, _, page) = app.post_form(&format!("/beds/holds/{id}/cancel"), &[]).await;
        assert_eq!(status, 422);
        assert!(page.contains(&format!("番号 {id} の取り消し: 「取り消してよい」にチェック")), "{page}");
        assert_eq!(held(&app.db, OWN_WARD).await, 1, "still held");
        let confirm = vec![("confirm".to_string(), "1".to_string())];
        let (status, location, _) = app.post_form(&format!("/beds/holds/{id}/cancel"), &confirm).await;
        assert_eq!((status, location.as_deref()), (303, Some("/beds/holds?notice=cancelled")));
        assert_eq!(held(&app.db, OWN_WARD).await, 0, "the bed is free again");
        let (_, mine) = app.get("/beds/holds?notice=cancelled").await;
        assert!(mine.contains("仮押さえを取り消しました") && mine.contains("取消"));
        assert!(!mine.contains(&format!("action=\"/beds/holds/{id}/cancel\"")));
        // Twice: refused with its state, nothing changes.
        let (status, _, page) = app.post_form(&format!("/beds/holds/{id}/cancel"), &confirm).await;
        assert_eq!(status, 409);
        assert!(page.contains(&format!("番号 {id} の仮押さえは「取消」のため取り消せません")), "{page}");
        // The hospital sees it withdrawn and cannot accept it any more.
        let (_, codes) =
            account_in_scope(&app.db, "cancel-byoin", Role::HospitalStaff, hospital_scope(OWN_HOSPITAL), true).await;
        let hospital = TestApp::client_for(&app, "cancel-byoin", &codes[0]).await;
        let (status, _, _) = hospital.post_form(&format!("/hospital/holds/{id}/accept"), &confirm).await;
        assert_eq!(status, 409);
    })
    .await;
}

#[tokio::test]
async fn a_hospital_import_is_all_or_nothing() {
    for_each_backend(|app| async move {
        seed_beds(&app.db, &[("h-meguro-1-b", 1)]).await;
        let (_, codes) =
            account_in_scope(&app.db, "import-byoin", Role::HospitalStaff, hospital_scope(OWN_HOSPITAL), true).await;
        let hospital = TestApp::client_for(&app, "import-byoin", &codes[0]).await;
        let upload = |body: &'static str, name: &'static str| {
            let hospital = &hospital;
            async move {
                let form = reqwest::multipart::Form::new()
                    .text("csrf", hospital.csrf.clone())
                    .part("file", reqwest::multipart::Part::bytes(body.as_bytes().to_vec()).file_name(name));
                let response = hospital
                    .client
                    .post(format!("{}/hospital/import", hospital.base))
                    .multipart(form)
                    .send()
                    .await
                    .unwrap();
                (response.status().as_u16(), response.text().await.unwrap())
            }
        };
        let before = beds::wards_of_hospital_at(&app.db, OWN_HOSPITAL, now()).await.unwrap();
        let (status, page) = upload("ward_id,free_beds\nh-meguro-1-a,4\nh-setagaya-1-a,0\n", "beds.csv").await;
        assert_eq!(status, 422, "{:?}", app.backend);
        assert!(
            page.contains("2件目")
                && page.contains("h-setagaya-1-a")
                && page.contains("自院の病棟として登録されていません"),
            "the row is named"
        );
        let (status, page) = upload("ward_id,free_beds\nh-meguro-1-a,4\nh-meguro-1-b,x\n", "beds.csv").await;
        assert_eq!(status, 422);
        assert!(page.contains("CSV 3行目 free_beds"));
        assert_eq!(beds::wards_of_hospital_at(&app.db, OWN_HOSPITAL, now()).await.unwrap(), before, "nothing changed");
        let (status, _) = upload(
            r#"[{"ward_id":"h-meguro-1-a","free_beds":4},{"ward_id":"h-meguro-1-b","free_beds":0}]"#,
            "beds.json",
        )
        .await;
        assert_eq!(status, 303);
        let posted: Vec<i64> = beds::wards_of_hospital_at(&app.db, OWN_HOSPITAL, now())
            .await
            .unwrap()
            .iter()
            .map(|w| w.availability.posted)
            .collect();
        assert_eq!(posted, vec![4, 0]);
    })
    .await;
}

/// Reads an event stream until a `changed` event or the timeout; true when one came.
async fn changed_within(stream: &mut reqwest::Response, millis: u64) -> bool {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_millis(millis);
    loop {
        match tokio::time::timeout_at(deadline, stream.chunk()).await {
            Ok(Ok(Some(chunk))) => {
                if String::from_utf8_lossy(&chunk).contains("event: changed") {
                    return true;
                }
            }
            Ok(_) | Err(_) => return false,
        }
    }
}

#[tokio::test]
async fn the_hospital_sees_its_own_holds_live_through_server_sent_events() {
    for_each_backend(|app| async move {
        seed_beds(&app.db, &[]).await;
        let (_, staff) = token_for(&app.db, "live-staff", Role::Staff, staff_scope()).await;
        // The stream is a page's: it takes the hospital's session (a token works on /api/v1 only).
        let (_, codes) =
            account_in_scope(&app.db, "live-byoin", Role::HospitalStaff, hospital_scope(OWN_HOSPITAL), true).await;
        let hospital = TestApp::client_for(&app, "live-byoin", &codes[0]).await;
        let mut stream =
            hospital.client.get(format!("{}/hospital/events", app.base)).send().await.expect("event stream");
        assert_eq!(stream.status().as_u16(), 200);
        assert!(
            stream.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"),
            "{:?}",
            stream.headers()
        );
        assert_eq!(post_hold(&app.base, &staff, OTHER_WARD).await.0, 201);
        assert!(!changed_within(&mut stream, 500).await, "another hospital's hold is not announced here");
        assert_eq!(post_hold(&app.base, &staff, OWN_WARD).await.0, 201);
        assert!(changed_within(&mut stream, 5000).await, "{:?}: the own hold is announced at once", app.backend);
        // The page that listens carries the script and keeps its polling fallback.
        let (status, script) = app.get("/assets/live.js").await;
        assert_eq!(status, 200);
        assert!(script.contains("EventSource") && script.contains("nimo-live"));
        let staff_stream = app.client.get(format!("{}/hospital/events", app.base)).send().await;
        assert_eq!(staff_stream.unwrap().status().as_u16(), 403, "staff do not get the hospital's stream");
        let token_stream = api_client().get(format!("{}/hospital/events", app.base)).bearer_auth(&staff).send().await;
        assert_eq!(token_stream.unwrap().status().as_u16(), 401, "a token does not open a page's stream");
    })
    .await;
}

#[tokio::test]
async fn a_posting_with_a_doubled_or_unknown_field_changes_nothing() {
    for_each_backend(|app| async move {
        seed_beds(&app.db, &[("h-meguro-1-b", 1)]).await;
        let (_, codes) =
            account_in_scope(&app.db, "double-byoin", Role::HospitalStaff, hospital_scope(OWN_HOSPITAL), true).await;
        let hospital = TestApp::client_for(&app, "double-byoin", &codes[0]).await;
        let before = beds::wards_of_hospital_at(&app.db, OWN_HOSPITAL, now()).await.unwrap();
        let path = format!("/hospital/wards/{OWN_WARD}/availability");
        for extra in [("free_beds", "9"), ("note", "x")] {
            let form = vec![("free_beds".to_string(), "3".to_string()), (extra.0.to_string(), extra.1.to_string())];
            let (status, _, _) = hospital.post_form(&path, &form).await;
            assert_eq!(status, 422, "{:?} {extra:?}", app.backend);
        }
        assert_eq!(beds::wards_of_hospital_at(&app.db, OWN_HOSPITAL, now()).await.unwrap(), before, "nothing posted");
        let form = vec![("free_beds".to_string(), "3".to_string())];
        assert_eq!(hospital.post_form(&path, &form).await.0, 303, "{:?}: the plain form posts", app.backend);
    })
    .await;
}
