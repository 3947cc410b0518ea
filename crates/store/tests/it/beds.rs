//! The bed finder's storage on every backend: the hold invariant under concurrency, expiry under
//! a moved clock, decline and accept, postings (refused below the active holds, imports all or
//! nothing), search ranking, API tokens and the placement statistics.

use nimo_domain::beds::{AdmissionType, CaseRef, Criteria, DeclineReason, HoldState, Sex, WardType};
use nimo_store::beds::{self, Hospital, NewHold, Ward};
use nimo_store::testing::{TestDb, backends};
use nimo_store::{Db, PostingRefusal, StoreError};

const NOW: i64 = 1_795_000_000;
const TTL: i64 = 30 * 60;

pub async fn seed(db: &Db, hospital: &str, lat: f64, wards: &[(&str, i64)]) {
    let h = Hospital {
        id: hospital.into(),
        name: format!("{hospital}（架空）"),
        phone: "03-0000-0000".into(),
        municipality_code: nimo_domain::MunicipalityCode::parse("131105").unwrap(),
        area: "区南西部".into(),
        latitude: lat,
        longitude: 139.70,
        emergency: true,
        okyu_designated: false,
        physical_care: false,
        sochi_designation: nimo_domain::beds::SochiDesignation::Shitei,
        night_holiday: true,
    };
    beds::upsert_hospital(db, &h, nimo_store::audit::AuditEvent::cli("hospital_admin")).await.unwrap();
    for (ward, free) in wards {
        let w = Ward {
            id: (*ward).into(),
            hospital_id: hospital.into(),
            name: format!("{ward}病棟"),
            ward_type: WardType::Kyukyu,
            sex: Sex::Mixed,
            min_age: 16,
            max_age: 120,
            admissions: AdmissionType::ALL.to_vec(),
            seclusion_rooms: 0,
        };
        beds::upsert_ward(db, &w, NOW, nimo_store::audit::AuditEvent::cli("hospital_admin")).await.unwrap();
        beds::post_availability_at(db, ward, *free, "cli", "cli", NOW).await.unwrap();
    }
}

fn hold_for(ward: &str, user: i64) -> NewHold {
    NewHold {
        ward_id: ward.into(),
        case_ref: CaseRef::parse("R4-023").unwrap(),
        admission: AdmissionType::Sochi,
        placed_by: user,
        searched_at: NOW - 120,
        case_id: None,
        admission_reason: None,
    }
}

async fn count(db: &Db, ward: &str, state: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM bed_hold WHERE ward_id = $1 AND state = $2")
        .bind(ward)
        .bind(state)
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn concurrent_holds_never_exceed_the_free_beds() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        seed(&t.db, "h-a", 35.64, &[("w-a", 3)]).await;
        let tasks: Vec<_> = (0..40)
            .map(|i| {
                let db = t.db.clone();
                tokio::spawn(async move { beds::place_hold_at(&db, &hold_for("w-a", i), TTL, "test", NOW).await })
            })
            .collect();
        let (mut won, mut refused) = (0, 0);
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => won += 1,
                Err(StoreError::NoBedLeft { .. }) => refused += 1,
                Err(other) => panic!("{backend:?}: {other}"),
            }
        }
        assert_eq!((won, refused), (3, 37), "{backend:?}");
        assert_eq!(count(&t.db, "w-a", "held").await, 3, "{backend:?}");
    }
}

#[tokio::test]
async fn an_unanswered_hold_expires_and_frees_its_bed() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        seed(&t.db, "h-a", 35.64, &[("w-a", 1)]).await;
        let hold = beds::place_hold_at(&t.db, &hold_for("w-a", 1), TTL, "test", NOW).await.unwrap();
        assert_eq!(hold.expires_at, NOW + TTL);
        let full = beds::place_hold_at(&t.db, &hold_for("w-a", 2), TTL, "test", NOW + TTL - 1).await;
        assert!(matches!(full, Err(StoreError::NoBedLeft { .. })), "{backend:?}: still held one second before expiry");
        // Lazily, without the background task: the next hold finds the bed free.
        let again = beds::place_hold_at(&t.db, &hold_for("w-a", 2), TTL, "test", NOW + TTL).await.unwrap();
        assert_eq!(beds::get_hold(&t.db, hold.id).await.unwrap().state, HoldState::Expired, "{backend:?}");
        // The task's sweep marks the second one once it is due, and only then.
        assert_eq!(beds::expire_due_at(&t.db, NOW + 2 * TTL - 1).await.unwrap(), 0);
        assert_eq!(beds::expire_due_at(&t.db, NOW + 2 * TTL).await.unwrap(), 1);
        let expired = beds::get_hold(&t.db, again.id).await.unwrap();
        assert_eq!(expired.state, HoldState::Expired);
        // An expired hold cannot be accepted.
        let late = beds::accept_at(&t.db, expired.id, 9, "test", NOW + 2 * TTL + 5).await;
        assert!(
            matches!(late, Err(StoreError::HoldNotWaiting { state: HoldState::Expired, .. })),
            "{backend:?}: {late:?}"
        );
    }
}

#[tokio::test]
async fn the_placer_withdraws_a_hold_and_the_bed_is_free_at_once() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        seed(&t.db, "h-a", 35.64, &[("w-a", 1)]).await;
        let hold = beds::place_hold_at(&t.db, &hold_for("w-a", 1), TTL, "test", NOW).await.unwrap();
        // Someone else cannot withdraw it, nor learn that it exists.
        let other = beds::cancel_at(&t.db, hold.id, 2, "test", NOW + 60).await;
        assert!(matches!(other, Err(StoreError::NotFound(_))), "{backend:?}: {other:?}");
        let missing = beds::cancel_at(&t.db, hold.id + 100, 1, "test", NOW + 60).await;
        assert!(matches!(missing, Err(StoreError::NotFound(_))), "{backend:?}: {missing:?}");
        let cancelled = beds::cancel_at(&t.db, hold.id, 1, "test", NOW + 60).await.unwrap();
        assert_eq!((cancelled.state, cancelled.decided_at), (HoldState::Cancelled, Some(NOW + 60)));
        // The bed is free for the next hold at once; the withdrawn one can be neither withdrawn
        // again nor accepted.
        beds::place_hold_at(&t.db, &hold_for("w-a", 2), TTL, "test", NOW + 61).await.unwrap();
        let again = beds::cancel_at(&t.db, hold.id, 1, "test", NOW + 62).await;
        assert!(
            matches!(again, Err(StoreError::HoldNotWaiting { state: HoldState::Cancelled, .. })),
            "{backend:?}: {again:?}"
        );
        let accept = beds::accept_at(&t.db, hold.id, 9, "test", NOW + 62).await;
        assert!(
            matches!(accept, Err(StoreError::HoldNotWaiting { state: HoldState::Cancelled, .. })),
            "{backend:?}: {accept:?}"
        );
        // An expired hold is expired, not cancelled.
        let late = beds::place_hold_at(&t.db, &hold_for("w-a", 3), TTL, "test", NOW + 2 * TTL).await.unwrap();
        let after = beds::cancel_at(&t.db, late.id, 3, "test", NOW + 3 * TTL).await;
        assert!(
            matches!(after, Err(StoreError::HoldNotWaiting { state: HoldState::Expired, .. })),
            "{backend:?}: {after:?}"
        );
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'hold_cancel'")
            .fetch_one(&t.db.pool)
            .await
            .unwrap();
        assert_eq!(rows, 1, "{backend:?}");
        // The statistics leave withdrawn holds out.
        let stats = beds::placement_stats(&t.db).await.unwrap();
        assert!(stats.iter().all(|m| m.declines == 0), "{backend:?}");
    }
}

#[tokio::test]
async fn accept_that_comes_after_the_expiry_finds_the_hold_expired() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        seed(&t.db, "h-a", 35.64, &[("w-a", 1)]).await;
        let hold = beds::place_hold_at(&t.db, &hold_for("w-a", 1), TTL, "test", NOW).await.unwrap();
        let late = beds::accept_at(&t.db, hold.id, 9, "test", NOW + TTL).await;
        assert!(
            matches!(late, Err(StoreError::HoldNotWaiting { state: HoldState::Expired, .. })),
            "{backend:?}: {late:?}"
        );
        assert_eq!(beds::get_hold(&t.db, hold.id).await.unwrap().state, HoldState::Expired, "marked, not rolled back");
    }
}

#[tokio::test]
async fn decline_frees_the_bed_and_accept_consumes_it_until_the_next_posting() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        seed(&t.db, "h-a", 35.64, &[("w-a", 1)]).await;
        let first = beds::place_hold_at(&t.db, &hold_for("w-a", 1), TTL, "test", NOW).await.unwrap();
        let declined = beds::decline_at(&t.db, first.id, 9, DeclineReason::NoStaff, "test", NOW + 60).await.unwrap();
        assert_eq!(declined.state, HoldState::Declined);
        assert_eq!(declined.decline_reason, Some(DeclineReason::NoStaff));
        let second = beds::place_hold_at(&t.db, &hold_for("w-a", 2), TTL, "test", NOW + 61).await.unwrap();
        let accepted = beds::accept_at(&t.db, second.id, 9, "test", NOW + 120).await.unwrap();
        assert_eq!(accepted.state, HoldState::Accepted);
        assert!(matches!(
            beds::decline_at(&t.db, second.id, 9, DeclineReason::Full, "test", NOW + 121).await,
            Err(StoreError::HoldNotWaiting { state: HoldState::Accepted, .. })
        ));
        // The admission takes the posted bed: no hold until the hospital posts again.
        let none = beds::place_hold_at(&t.db, &hold_for("w-a", 3), TTL, "test", NOW + 130).await;
        assert!(matches!(none, Err(StoreError::NoBedLeft { .. })), "{backend:?}");
        beds::post_availability_at(&t.db, "w-a", 1, "user:9", "test", NOW + 200).await.unwrap();
        beds::place_hold_at(&t.db, &hold_for("w-a", 3), TTL, "test", NOW + 201).await.unwrap();
        let wards = beds::wards_of_hospital_at(&t.db, "h-a", NOW + 202).await.unwrap();
        assert_eq!((wards[0].availability.active_holds, wards[0].availability.admissions), (1, 0), "{backend:?}");
    }
}

#[tokio::test]
async fn postings_below_the_active_holds_and_imports_with_a_foreign_ward_change_nothing() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        seed(&t.db, "h-a", 35.64, &[("w-a", 2), ("w-b", 1)]).await;
        seed(&t.db, "h-b", 35.70, &[("w-x", 4)]).await;
        beds::place_hold_at(&t.db, &hold_for("w-a", 1), TTL, "test", NOW).await.unwrap();
        beds::place_hold_at(&t.db, &hold_for("w-a", 2), TTL, "test", NOW).await.unwrap();
        let low = beds::post_availability_at(&t.db, "w-a", 1, "user:9", "test", NOW + 1).await;
        assert!(
            matches!(
                low,
                Err(StoreError::Posting {
                    row: 1,
                    refusal: PostingRefusal::BelowActiveHolds { free: 1, active: 2, .. }
                })
            ),
            "{backend:?}: {low:?}"
        );
        let postings = vec![("w-b".to_string(), 5), ("w-x".to_string(), 0)];
        let foreign = beds::post_many_at(&t.db, Some("h-a"), &postings, "user:9", "test", NOW + 2).await;
        assert!(
            matches!(foreign, Err(StoreError::Posting { row: 2, refusal: PostingRefusal::NotOwnWard(_) })),
            "{backend:?}: {foreign:?}"
        );
        let wards = beds::wards_of_hospital_at(&t.db, "h-a", NOW + 3).await.unwrap();
        let posted: Vec<i64> = wards.iter().map(|w| w.availability.posted).collect();
        assert_eq!(posted, vec![2, 1], "{backend:?}: nothing changed");
        beds::post_many_at(&t.db, Some("h-a"), &[("w-b".into(), 5)], "user:9", "test", NOW + 4).await.unwrap();
        assert_eq!(beds::postings(&t.db, "w-b", 10).await.unwrap()[0], (5, NOW + 4, "user:9".to_string()));
    }
}

#[tokio::test]
async fn search_filters_and_ranks_stale_postings_last() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        seed(&t.db, "h-near", 35.64, &[("w-near", 1)]).await;
        seed(&t.db, "h-far", 35.80, &[("w-far", 1)]).await;
        seed(&t.db, "h-full", 35.64, &[("w-full", 0)]).await;
        let criteria = Criteria { from: Some((35.64, 139.70)), age: Some(30), ..Criteria::default() };
        let hits = beds::search_at(&t.db, &criteria, 3600, 50, NOW + 60).await.unwrap().hits;
        let ids: Vec<&str> = hits.iter().map(|h| h.status.ward.id.as_str()).collect();
        assert_eq!(ids, vec!["w-near", "w-far"], "{backend:?}: nearest first, full wards left out");
        // The near ward's posting goes stale: it ranks after the fresh far one.
        beds::post_availability_at(&t.db, "w-far", 1, "cli", "cli", NOW + 7000).await.unwrap();
        let hits = beds::search_at(&t.db, &criteria, 3600, 50, NOW + 7200).await.unwrap().hits;
        let ids: Vec<(&str, bool)> = hits.iter().map(|h| (h.status.ward.id.as_str(), h.stale)).collect();
        assert_eq!(ids, vec![("w-far", false), ("w-near", true)], "{backend:?}");
        let children = Criteria { age: Some(12), ..Criteria::default() };
        assert!(beds::search_at(&t.db, &children, 3600, 50, NOW).await.unwrap().hits.is_empty());
    }
}

#[tokio::test]
async fn placement_times_give_a_median_and_p90_per_hospital_and_month() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        seed(&t.db, "h-a", 35.64, &[("w-a", 10)]).await;
        // Ten placements taking 1..=10 minutes from search to acceptance.
        for minutes in 1..=10 {
            let mut new = hold_for("w-a", minutes);
            new.searched_at = NOW;
            let hold = beds::place_hold_at(&t.db, &new, TTL, "test", NOW).await.unwrap();
            beds::accept_at(&t.db, hold.id, 9, "test", NOW + minutes * 60).await.unwrap();
            beds::post_availability_at(&t.db, "w-a", 10, "cli", "cli", NOW + minutes * 60).await.unwrap();
        }
        let declined = beds::place_hold_at(&t.db, &hold_for("w-a", 20), TTL, "test", NOW + 700).await.unwrap();
        beds::decline_at(&t.db, declined.id, 9, DeclineReason::Full, "test", NOW + 701).await.unwrap();
        beds::place_hold_at(&t.db, &hold_for("w-a", 21), TTL, "test", NOW + 800).await.unwrap();
        beds::expire_due_at(&t.db, NOW + 800 + TTL).await.unwrap();
        let stats = beds::placement_stats(&t.db).await.unwrap();
        assert_eq!(stats.len(), 1, "{backend:?}: {stats:?}");
        let month = &stats[0];
        assert_eq!(month.placements, 10);
        assert_eq!((month.median_seconds, month.p90_seconds), (Some(300), Some(540)));
        assert_eq!((month.declines, month.expiries), (1, 1));
    }
}

#[tokio::test]
async fn a_hospital_or_ward_whose_audit_row_cannot_be_written_is_not_added() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        seed(&t.db, "h-a", 35.64, &[("w-a", 1)]).await;
        let rows = |sql: &'static str| {
            let db = t.db.clone();
            async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(&db.pool).await.unwrap() }
        };
        let audited = "SELECT COUNT(*) FROM audit_log WHERE action = 'hospital_admin'
                       AND ((record_type = 'hospital' AND record_id = 'h-a') OR (record_type = 'ward' AND record_id = 'w-a'))";
        assert_eq!(rows(audited).await, 2, "{backend:?}: each with its row");
        nimo_store::testing::refuse_audit_appends(&t.db).await.unwrap();
        let audit = || nimo_store::audit::AuditEvent::cli("hospital_admin");
        let mut hospital = beds::hospital(&t.db, "h-a").await.unwrap();
        hospital.id = "h-b".into();
        assert!(beds::upsert_hospital(&t.db, &hospital, audit()).await.is_err(), "{backend:?}");
        hospital.id = "h-a".into();
        hospital.name = "改名（架空）".into();
        assert!(beds::upsert_hospital(&t.db, &hospital, audit()).await.is_err());
        let ward = Ward {
            id: "w-b".into(),
            hospital_id: "h-a".into(),
            name: "B病棟".into(),
            ward_type: WardType::Kaiho,
            sex: Sex::Mixed,
            min_age: 18,
            max_age: 120,
            admissions: vec![AdmissionType::Nini],
            seclusion_rooms: 0,
        };
        assert!(beds::upsert_ward(&t.db, &ward, NOW, audit()).await.is_err());
        assert_eq!(rows("SELECT COUNT(*) FROM hospital").await, 1, "{backend:?}: no second hospital");
        assert_eq!(rows("SELECT COUNT(*) FROM hospital WHERE name = 'h-a（架空）'").await, 1, "not renamed");
        assert_eq!(rows("SELECT COUNT(*) FROM ward").await, 1, "no second ward");
    }
}
