//! The bed finder through HTTP on every backend: the contention test (N ≥ 50 clients with their
//! own API tokens racing for the last K beds), expiry across a restart, decline, the hospital's
//! scope, CSRF on cookie-authenticated JSON, token refusals, and the whole browser flow from a
//! search to the statistics.

use crate::harness::{TestApp, account_in_scope, for_each_backend};
use nimo_domain::access::{Role, Scope};
use nimo_domain::beds::{AdmissionType, Sex, WardType};
use nimo_store::audit::AuditEvent;
use nimo_store::beds::{self, Hospital, Ward};
use nimo_store::testing::{TestDb, backends};
use std::sync::Arc;

/// The hospital of the hospital accounts (as in the demo), and another one.
pub const OWN_HOSPITAL: &str = "h-meguro-1";
pub const OTHER_HOSPITAL: &str = "h-setagaya-1";
pub const OWN_WARD: &str = "h-meguro-1-a";
pub const OTHER_WARD: &str = "h-setagaya-1-a";

pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Two hospitals with a ward each (two free beds), plus wards `extra` of the own hospital with
/// their free beds.
pub async fn seed_beds(db: &nimo_store::Db, extra: &[(&str, i64)]) {
    for (id, lat, ward, free) in [(OWN_HOSPITAL, 35.633, OWN_WARD, 2), (OTHER_HOSPITAL, 35.646, OTHER_WARD, 2)] {
        let hospital = Hospital {
            id: id.into(),
            name: format!("{id}病院（架空）"),
            phone: "03-0000-1001".into(),
            municipality_code: nimo_domain::MunicipalityCode::parse("131105").unwrap(),
            area: "区南西部".into(),
            latitude: lat,
            longitude: 139.688,
            emergency: true,
            okyu_designated: true,
            physical_care: false,
            sochi_designation: nimo_domain::beds::SochiDesignation::Shitei,
            night_holiday: true,
        };
        beds::upsert_hospital(db, &hospital, nimo_store::audit::AuditEvent::cli("hospital_admin"))
            .await
            .expect("hospital");
        let mut wards = vec![(ward.to_string(), free)];
        if id == OWN_HOSPITAL {
            wards.extend(extra.iter().map(|(w, f)| (w.to_string(), *f)));
        }
        for (ward_id, free) in wards {
            let ward = Ward {
                id: ward_id.clone(),
                hospital_id: id.into(),
                name: format!("{ward_id} 救急病棟"),
                ward_type: WardType::Kyukyu,
                sex: Sex::Mixed,
                min_age: 16,
                max_age: 120,
                admissions: AdmissionType::ALL.to_vec(),
                seclusion_rooms: 0,
            };
            beds::upsert_ward(db, &ward, now(), nimo_store::audit::AuditEvent::cli("hospital_admin"))
                .await
                .expect("ward");
            beds::post_availability_at(db, &ward_id, free, "cli", "cli", now()).await.expect("posting");
        }
    }
}

/// A new enrolled account of a role and scope with an API token.
pub async fn token_for(db: &nimo_store::Db, login: &str, role: Role, scope: Scope) -> (i64, String) {
    let (user, _) = account_in_scope(db, login, role, scope, true).await;
    (
        user.id,
        nimo_store::tokens::create_token(db, user.id, "test", now(), AuditEvent::cli("token_create"))
            .await
            .expect("token"),
    )
}

pub fn staff_scope() -> Scope {
    Scope { municipality: Some(nimo_domain::MunicipalityCode::parse("131105").unwrap()), ..Scope::default() }
}

pub fn hospital_scope(hospital: &str) -> Scope {
    Scope { hospital: Some(hospital.into()), ..Scope::default() }
}

pub fn api_client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client")
}

pub async fn held(db: &nimo_store::Db, ward: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM bed_hold WHERE ward_id = $1 AND state = 'held'")
        .bind(ward)
        .fetch_one(&db.pool)
        .await
        .expect("count")
}

async fn hold_state(db: &nimo_store::Db, id: i64) -> String {
    sqlx::query_scalar("SELECT state FROM bed_hold WHERE id = $1").bind(id).fetch_one(&db.pool).await.expect("state")
}

fn hold_body(ward: &str) -> serde_json::Value {
    serde_json::json!({ "ward_id": ward, "case_ref": "R4-023", "admission": "sochi" })
}

/// POST /api/v1/holds with a token; returns status and JSON.
pub async fn post_hold(base: &str, token: &str, ward: &str) -> (u16, serde_json::Value) {
    let response = api_client()
        .post(format!("{base}/api/v1/holds"))
        .bearer_auth(token)
        .json(&hold_body(ward))
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(serde_json::Value::Null))
}

#[tokio::test]
async fn concurrent_clients_over_http_win_exactly_the_last_k_beds() {
    const CLIENTS: usize = 60;
    const ROUNDS: [(&str, i64); 3] = [("h-meguro-1-k1", 1), ("h-meguro-1-k3", 3), ("h-meguro-1-k7", 7)];
    for_each_backend(|app| async move {
        seed_beds(&app.db, &ROUNDS).await;
        // Six staff accounts with ten tokens each: sixty clients, each with its own token.
        let mut tokens = Vec::new();
        for user in 0..6 {
            let (user_id, _) = token_for(&app.db, &format!("race-{user}"), Role::Staff, staff_scope()).await;
            for _ in 0..CLIENTS / 6 {
                tokens.push(nimo_store::tokens::create_token(&app.db, user_id, "race", now(), AuditEvent::cli("token_create")).await.expect("token"));
            }
        }
        for (ward, k) in ROUNDS {
            let barrier = Arc::new(tokio::sync::Barrier::new(CLIENTS));
            let tasks: Vec<_> = tokens
                .iter()
                .cloned()
                .map(|token| {
                    let (base, ward, barrier) = (app.base.clone(), ward.to_string(), barrier.clone());
                    tokio::spawn(async move {
                        let client = api_client();
                        barrier.wait().await;
                        let response = client
                            .post(format!("{base}/api/v1/holds"))
                            .bearer_auth(&token)
                            .json(&hold_body(&ward))
                            .send()
                            .await
                            .expect("request");
                        response.status().as_u16()
                    })
                })
                .collect();
            let mut statuses = Vec::new();
            for task in tasks {
                statuses.push(task.await.expect("task"));
            }
            let winners = statuses.iter().filter(|s| **s == 201).count() as i64;
            let refused = statuses.iter().filter(|s| **s == 409).count();
            let other: Vec<&u16> = statuses.iter().filter(|s| !matches!(**s, 201 | 409)).collect();
            let rows = held(&app.db, ward).await;
            let over_booking = (rows - k).max(0);
            eprintln!(
                "bed contention on {:?}: ward {ward}, free beds K={k}: attempts={}, winners={winners}, refused(409)={refused}, \
                 other={}, over-booking={over_booking}, hold rows={rows}",
                app.backend,
                statuses.len(),
                other.len()
            );
            assert!(other.is_empty(), "{:?}: unexpected statuses {other:?}", app.backend);
            assert_eq!(winners, k, "{:?}: exactly K winners", app.backend);
            assert_eq!(refused, CLIENTS - k as usize, "{:?}: the rest get 409", app.backend);
            assert_eq!(rows, k, "{:?}: the database holds K holds", app.backend);
        }
    })
    .await;
}

/// Serves the router on a new port with its own pool on `url`; returns the base URL and the
/// server task (abort it to stop the server).
async fn start_server(
    url: &str,
    clock: nimo_web::clock::Clock,
) -> (String, tokio::task::JoinHandle<()>, tokio::task::JoinHandle<()>) {
    let db = nimo_store::Db::connect(url).await.expect("connect");
    let settings = nimo_web::BedSettings { expiry_interval_seconds: 1, ..nimo_web::BedSettings::default() };
    let state = nimo_web::AppState::new(db).with_beds(settings).with_clock(clock);
    let expiry = nimo_web::spawn_hold_expiry(&state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let service = nimo_web::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, service).await;
    });
    (base, server, expiry)
}

#[tokio::test]
async fn a_hold_expires_after_a_restart_even_if_nobody_looks() {
    for backend in backends() {
        let database = TestDb::new(backend).await.expect("database");
        seed_beds(&database.db, &[("h-meguro-1-one", 1)]).await;
        let (_, staff) = token_for(&database.db, "restart-staff", Role::Staff, staff_scope()).await;
        let clock = nimo_web::clock::Clock::default();
        let (base, server, expiry) = start_server(&database.url, clock.clone()).await;
        let (status, hold) = post_hold(&base, &staff, "h-meguro-1-one").await;
        assert_eq!(status, 201, "{backend:?}: {hold}");
        let id = hold["id"].as_i64().expect("hold id");
        assert_eq!(post_hold(&base, &staff, "h-meguro-1-one").await.0, 409, "{backend:?}: the only bed is held");
        // Stop the server (and its expiry task), as a restart would.
        server.abort();
        expiry.abort();
        let _ = server.await;
        assert_eq!(hold_state(&database.db, id).await, "held");
        // A new server on the same database, 31 minutes later: its task expires the hold
        // without any request.
        let later = nimo_web::clock::Clock::default();
        later.advance(time::Duration::minutes(31));
        let (base, server, expiry) = start_server(&database.url, later).await;
        let mut state = String::new();
        for _ in 0..50 {
            state = hold_state(&database.db, id).await;
            if state == "expired" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(state, "expired", "{backend:?}: the background task expired the hold after the restart");
        let (status, _) = post_hold(&base, &staff, "h-meguro-1-one").await;
        assert_eq!(status, 201, "{backend:?}: the bed is free again");
        server.abort();
        expiry.abort();
    }
}

#[tokio::test]
async fn decline_frees_the_bed_and_accept_records_the_admission() {
    for_each_backend(|app| async move {
        seed_beds(&app.db, &[("h-meguro-1-one", 1)]).await;
        let (_, staff) = token_for(&app.db, "decline-staff", Role::Staff, staff_scope()).await;
        let (_, hospital) =
            token_for(&app.db, "decline-byoin", Role::HospitalStaff, hospital_scope(OWN_HOSPITAL)).await;
        let (status, hold) = post_hold(&app.base, &staff, "h-meguro-1-one").await;
        assert_eq!(status, 201);
        assert_eq!(post_hold(&app.base, &staff, "h-meguro-1-one").await.0, 409);
        let decline = |id: i64, reason: &'static str| {
            let (base, hospital) = (app.base.clone(), hospital.clone());
            async move {
                api_client()
                    .post(format!("{base}/api/v1/holds/{id}/decline"))
                    .bearer_auth(&hospital)
                    .json(&serde_json::json!({ "reason": reason }))
                    .send()
                    .await
                    .expect("request")
            }
        };
        let id = hold["id"].as_i64().unwrap();
        assert_eq!(decline(id, "whatever").await.status().as_u16(), 422, "an unknown reason is refused");
        assert_eq!(hold_state(&app.db, id).await, "held", "a refused decline changes nothing");
        let answer = decline(id, "no_staff").await;
        assert_eq!(answer.status().as_u16(), 200);
        let answer: serde_json::Value = answer.json().await.unwrap();
        assert_eq!((answer["state"].as_str(), answer["decline_reason"].as_str()), (Some("declined"), Some("no_staff")));
        let (status, second) = post_hold(&app.base, &staff, "h-meguro-1-one").await;
        assert_eq!(status, 201, "{:?}: the declined bed is free again", app.backend);
        let second = second["id"].as_i64().unwrap();
        let accepted = api_client()
            .post(format!("{}/api/v1/holds/{second}/accept", app.base))
            .bearer_auth(&hospital)
            .send()
            .await
            .unwrap();
        assert_eq!(accepted.status().as_u16(), 200);
        assert_eq!(hold_state(&app.db, second).await, "accepted");
        assert_eq!(decline(second, "full").await.status().as_u16(), 409, "an accepted hold cannot be declined");
        assert_eq!(post_hold(&app.base, &staff, "h-meguro-1-one").await.0, 409, "the admission took the bed");
    })
    .await;
}

#[tokio::test]
async fn a_hospital_user_cannot_change_another_hospitals_ward_or_hold() {
    for_each_backend(|app| async move {
        seed_beds(&app.db, &[]).await;
        let (_, hospital) = token_for(&app.db, "scope-byoin", Role::HospitalStaff, hospital_scope(OWN_HOSPITAL)).await;
        let (_, staff) = token_for(&app.db, "scope-staff", Role::Staff, staff_scope()).await;
        let put = |ward: &'static str, free: i64| {
            let (base, hospital) = (app.base.clone(), hospital.clone());
            async move {
                api_client()
                    .put(format!("{base}/api/v1/wards/{ward}/availability"))
                    .bearer_auth(&hospital)
                    .json(&serde_json::json!({ "free_beds": free }))
                    .send()
                    .await
                    .expect("request")
                    .status()
                    .as_u16()
            }
        };
        let posted = |ward: &'static str| {
            let db = app.db.clone();
            async move {
                let hospital = beds::hospital_of_ward(&db, ward).await.unwrap();
                let wards = beds::wards_of_hospital_at(&db, &hospital, now()).await.unwrap();
                wards.iter().find(|w| w.ward.id == ward).unwrap().availability.posted
            }
        };
        assert_eq!(put(OTHER_WARD, 9).await, 403, "{:?}", app.backend);
        assert_eq!(posted(OTHER_WARD).await, 2, "the other hospital's ward is unchanged");
        assert_eq!(put("no-such-ward", 9).await, 403, "an unknown ward is refused like another's");
        assert_eq!(put(OWN_WARD, 501).await, 422, "out of range");
        assert_eq!(put(OWN_WARD, 5).await, 200);
        assert_eq!(posted(OWN_WARD).await, 5);
        // Holds on the other hospital's ward cannot be answered either.
        let (_, hold) = post_hold(&app.base, &staff, OTHER_WARD).await;
        let id = hold["id"].as_i64().unwrap();
        let accept = api_client()
            .post(format!("{}/api/v1/holds/{id}/accept", app.base))
            .bearer_auth(&hospital)
            .send()
            .await
            .unwrap();
        assert_eq!(accept.status().as_u16(), 403);
        assert_eq!(hold_state(&app.db, id).await, "held");
        // The same through the hospital page's form, signed in with a cookie.
        let (user, codes) =
            account_in_scope(&app.db, "scope-byoin-web", Role::HospitalStaff, hospital_scope(OWN_HOSPITAL), true).await;
        assert_eq!(user.scope.hospital.as_deref(), Some(OWN_HOSPITAL));
        let browser = TestApp::client_for(&app, "scope-byoin-web", &codes[0]).await;
        let form = vec![("free_beds".to_string(), "7".to_string())];
        let (status, _, _) = browser.post_form(&format!("/hospital/wards/{OTHER_WARD}/availability"), &form).await;
        assert_eq!(status, 403);
        assert_eq!(posted(OTHER_WARD).await, 2);
        let (status, location, _) = browser.post_form(&format!("/hospital/wards/{OWN_WARD}/availability"), &form).await;
        assert_eq!((status, location.as_deref()), (303, Some("/hospital?notice=posted")));
        assert_eq!(posted(OWN_WARD).await, 7);
        // Fewer free beds than holds waiting is a conflict with the ward's state (409, the field
        // named), not a malformed value; nothing changes.
        post_hold(&app.base, &staff, OWN_WARD).await;
        assert_eq!(put(OWN_WARD, 0).await, 409, "below the holds waiting");
        assert_eq!(posted(OWN_WARD).await, 7);
        // Staff may search and hold but never post a hospital's beds.
        let staff_put = api_client()
            .put(format!("{}/api/v1/wards/{OWN_WARD}/availability", app.base))
            .bearer_auth(&staff)
            .json(&serde_json::json!({ "free_beds": 0 }))
            .send()
            .await
            .unwrap();
        assert_eq!(staff_put.status().as_u16(), 403);
    })
    .await;
}

#[tokio::test]
async fn tokens_of_disabled_accounts_and_unknown_tokens_are_refused() {
    for_each_backend(|app| async move {
        seed_beds(&app.db, &[]).await;
        let (user_id, staff) = token_for(&app.db, "token-staff", Role::Staff, staff_scope()).await;
        let search = |token: String| {
            let base = app.base.clone();
            async move {
                api_client()
                    .get(format!("{base}/api/v1/beds/search?admission=sochi&from=131105"))
                    .bearer_auth(token)
                    .send()
                    .await
                    .unwrap()
            }
        };
        let answer = search(staff.clone()).await;
        assert_eq!(answer.status().as_u16(), 200);
        let results: serde_json::Value = answer.json().await.unwrap();
        assert_eq!(results["results"].as_array().map(Vec::len), Some(2), "{results}");
        assert_eq!(search("nimo_0000".into()).await.status().as_u16(), 401);
        let forged = format!("nimo_{}", "0".repeat(64));
        assert_eq!(search(forged).await.status().as_u16(), 401);
        nimo_store::accounts::set_disabled(&app.db, user_id, true, AuditEvent::cli("user_admin")).await.unwrap();
        assert_eq!(search(staff).await.status().as_u16(), 401, "disabling the account revoked its token");
        let failures: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'token_failed'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        assert_eq!(failures, 3, "each refused token is audited");
        let bad = api_client()
            .get(format!("{}/api/v1/beds/search?age=abc", app.base))
            .bearer_auth(token_for(&app.db, "token-staff-2", Role::Staff, staff_scope()).await.1)
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status().as_u16(), 422);
        assert_eq!(bad.headers()["content-type"], "application/problem+json");
        let bad: serde_json::Value = bad.json().await.unwrap();
        assert_eq!(bad["errors"][0]["field"], "age", "{bad}");
        assert!(bad["errors"][0]["detail"].as_str().is_some_and(|m| m.contains("年齢")), "{bad}");
    })
    .await;
}

#[tokio::test]
async fn cookie_authenticated_json_needs_the_csrf_header_and_names_stay_out() {
    for_each_backend(|app| async move {
        seed_beds(&app.db, &[]).await;
        let url = format!("{}/api/v1/holds", app.base);
        let without = app.client.post(&url).json(&hold_body(OWN_WARD)).send().await.unwrap();
        assert_eq!(without.status().as_u16(), 403, "{:?}", app.backend);
        let wrong =
            app.client.post(&url).header("x-csrf-token", "nope").json(&hold_body(OWN_WARD)).send().await.unwrap();
        assert_eq!(wrong.status().as_u16(), 403);
        assert_eq!(held(&app.db, OWN_WARD).await, 0);
        let name = serde_json::json!({ "ward_id": OWN_WARD, "case_ref": "目黒 花子", "admission": "sochi" });
        let refused = app.client.post(&url).header("x-csrf-token", &app.csrf).json(&name).send().await.unwrap();
        assert_eq!(refused.status().as_u16(), 422);
        assert_eq!(refused.headers()["content-type"], "application/problem+json");
        let refused: serde_json::Value = refused.json().await.unwrap();
        let fields: Vec<&str> =
            refused["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["case_ref"], "{refused}");
        assert!(refused["errors"][0]["detail"].as_str().is_some_and(|m| m.contains("受付番号")), "{refused}");
        let right =
            app.client.post(&url).header("x-csrf-token", &app.csrf).json(&hold_body(OWN_WARD)).send().await.unwrap();
        assert_eq!(right.status().as_u16(), 201);
        assert_eq!(held(&app.db, OWN_WARD).await, 1);
    })
    .await;
}
