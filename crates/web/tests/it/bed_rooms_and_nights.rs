//! The bed finder's 保護室 and 夜間・休日 band through HTTP (issue 14, item 6): hospital staff
//! record a ward's 保護室 and post the free ones with the beds (page and API), the search can ask
//! for a free one; in the 夜間・休日 band (Japan time, national holidays included) hospitals that
//! take no admissions then rank after those that do, and the page says so.

use crate::beds::{
    OTHER_HOSPITAL, OTHER_WARD, OWN_HOSPITAL, OWN_WARD, api_client, hospital_scope, seed_beds, staff_scope, token_for,
};
use crate::harness::{TestApp, account_in_scope, for_each_backend, form};
use nimo_domain::access::Role;
use time::macros::datetime;

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

async fn seclusion(db: &nimo_store::Db, ward: &str) -> (i64, i64) {
    sqlx::query_as("SELECT seclusion_rooms, seclusion_free FROM ward WHERE id = $1")
        .bind(ward)
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn hospital_staff_record_seclusion_rooms_post_the_free_ones_and_the_search_can_require_one() {
    for_each_backend(|app| async move {
        seed_beds(&app.db, &[]).await;
        let (_, codes) =
            account_in_scope(&app.db, "rooms-byoin", Role::HospitalStaff, hospital_scope(OWN_HOSPITAL), true).await;
        let hospital = TestApp::client_for(&app, "rooms-byoin", &codes[0]).await;
        let rooms = |n: &str| form(&[("seclusion_rooms", n)]);
        let (status, _, page) = hospital.post_form(&format!("/hospital/wards/{OWN_WARD}/rooms"), &rooms("多い")).await;
        assert_eq!(status, 422);
        assert!(page.contains("の保護室数: 0から100までの整数で入力してください"), "{page}");
        assert_eq!(seclusion(&app.db, OWN_WARD).await, (0, 0), "nothing changed");
        let (status, location, _) =
            hospital.post_form(&format!("/hospital/wards/{OWN_WARD}/rooms"), &rooms("３")).await;
        assert_eq!((status, location.as_deref()), (303, Some("/hospital/settings?notice=rooms")));
        // Another hospital's ward is refused by the policy layer.
        let (status, _, _) = hospital.post_form(&format!("/hospital/wards/{OTHER_WARD}/rooms"), &rooms("2")).await;
        assert_eq!(status, 403);
        assert_eq!(seclusion(&app.db, OTHER_WARD).await, (0, 0));
        // The free ones are posted with the beds; more than the ward has is refused beside it.
        let (_, page) = hospital.get("/hospital").await;
        assert!(page.contains("保護室 空き <strong>0</strong>／3室") && page.contains("name=\"seclusion_free\""));
        let post = |free: &str| form(&[("free_beds", "2"), ("seclusion_free", free)]);
        let path = format!("/hospital/wards/{OWN_WARD}/availability");
        let (status, _, page) = hospital.post_form(&path, &post("4")).await;
        assert_eq!(status, 422);
        assert!(page.contains("保護室の空き: 保護室の空きは0からこの病棟の保護室数（3室）まで"), "{page}");
        assert_eq!(seclusion(&app.db, OWN_WARD).await, (3, 0));
        let (status, _, _) = hospital.post_form(&path, &post("1")).await;
        assert_eq!(status, 303);
        assert_eq!(seclusion(&app.db, OWN_WARD).await, (3, 1));
        // Staff ask for a free 保護室: only that ward; the page shows it.
        let (_, token) = token_for(&app.db, "rooms-staff", Role::Staff, staff_scope()).await;
        assert_eq!(wards(&search(&app.base, &token, "seclusion").await), vec![OWN_WARD.to_string()]);
        assert_eq!(wards(&search(&app.base, &token, "").await).len(), 2, "without it, both");
        let (_, page) = app.get("/beds?go=1&seclusion=1").await;
        assert!(page.contains("保護室 空き1／3室") && !page.contains(&format!("value=\"{OTHER_WARD}\"")), "{page}");
        // The hospital's system posts them through the API too; none free, none offered.
        let (_, hospital_token) =
            token_for(&app.db, "rooms-system", Role::HospitalStaff, hospital_scope(OWN_HOSPITAL)).await;
        let put = |body: serde_json::Value| {
            api_client()
                .put(format!("{}/api/v1/wards/{OWN_WARD}/availability", app.base))
                .bearer_auth(&hospital_token)
                .json(&body)
                .send()
        };
        let response = put(serde_json::json!({ "free_beds": 2, "seclusion_free": 9 })).await.unwrap();
        assert_eq!(response.status().as_u16(), 409, "more than the ward's rooms");
        assert!(response.text().await.unwrap().contains("seclusion-above-rooms"));
        let response = put(serde_json::json!({ "free_beds": 2, "seclusion_free": -1 })).await.unwrap();
        assert_eq!(response.status().as_u16(), 422);
        assert!(response.text().await.unwrap().contains("seclusion_free"));
        assert_eq!(seclusion(&app.db, OWN_WARD).await, (3, 1), "neither changed anything");
        let response = put(serde_json::json!({ "free_beds": 2, "seclusion_free": 0 })).await.unwrap();
        assert_eq!(response.status().as_u16(), 200);
        assert!(wards(&search(&app.base, &token, "seclusion").await).is_empty());
        // Fewer rooms lower the free ones with them.
        hospital.post_form(&path, &post("3")).await;
        hospital.post_form(&format!("/hospital/wards/{OWN_WARD}/rooms"), &rooms("1")).await;
        assert_eq!(seclusion(&app.db, OWN_WARD).await, (1, 1));
    })
    .await;
}

/// Moves the app's clock to an instant.
fn clock_at(app: &TestApp, at: time::OffsetDateTime) {
    app.clock.advance(time::Duration::seconds(at.unix_timestamp() - app.clock.unix()));
}

#[tokio::test]
async fn in_the_night_and_holiday_band_hospitals_that_take_no_admissions_then_rank_last_and_the_page_says_so() {
    for_each_backend(|app| async move {
        seed_beds(&app.db, &[]).await;
        // The other hospital (nearer to 目黒区's centre) takes no admissions at night or on holidays.
        sqlx::query("UPDATE hospital SET night_holiday = 0 WHERE id = $1")
            .bind(OTHER_HOSPITAL)
            .execute(&app.db.pool)
            .await
            .unwrap();
        nimo_store::beds::reload_snapshot(&app.db).await;
        let (_, token) = token_for(&app.db, "band-staff", Role::Staff, staff_scope()).await;
        let query = "from=131105&admission=iryo_hogo";
        // A weekday's daytime (Monday 11:00 JST): nearest first, no band.
        clock_at(&app, datetime!(2026-12-14 11:00 +9));
        let day = search(&app.base, &token, query).await;
        assert_eq!(wards(&day), vec![OTHER_WARD.to_string(), OWN_WARD.to_string()]);
        assert!(day["night_band"].is_null());
        assert_eq!(day["results"][0]["open_now"], true);
        for (at, reason) in [
            (datetime!(2026-12-14 22:00 +9), "夜間（17時〜翌9時）"),
            (datetime!(2026-12-12 12:00 +9), "休日（土曜・日曜）"),
            (datetime!(2027-01-11 11:00 +9), "休日（成人の日）"),
        ] {
            clock_at(&app, at);
            let night = search(&app.base, &token, query).await;
            assert_eq!(wards(&night), vec![OWN_WARD.to_string(), OTHER_WARD.to_string()], "{at}");
            assert_eq!(night["night_band"], reason, "{at}");
            assert_eq!(night["results"][1]["open_now"], false);
        }
        // The page, signed in at that moment, says why the order changed.
        let (_, codes) = account_in_scope(&app.db, "band-page", Role::Staff, staff_scope(), true).await;
        let staff = TestApp::client_for(&app, "band-page", &codes[0]).await;
        let (status, page) = staff.get(&format!("/beds?go=1&{query}")).await;
        assert_eq!(status, 200);
        assert!(page.contains("いまは休日（成人の日）の時間帯です"), "{page}");
        assert!(page.contains("夜間・休日は受入なし"));
        let own = page.find(&format!("value=\"{OWN_WARD}\"")).unwrap();
        let other = page.find(&format!("value=\"{OTHER_WARD}\"")).unwrap();
        assert!(own < other, "the hospital that takes admissions now comes first");
    })
    .await;
}
