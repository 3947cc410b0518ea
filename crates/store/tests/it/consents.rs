//! 市町村長同意 on every backend: a request goes from receipt through its checks, consent, a visit
//! and a renewal, each step with its audit row; a refused step writes nothing; a stale revision is
//! a conflict; notes and the official are sealed; the list, the clocks and the counts honour the
//! municipality and the 地区.

use nimo_domain::MunicipalityCode;
use nimo_domain::clocks::ClockState;
use nimo_domain::consents::{
    ConsentError, ConsentEvent, ConsentState, EndReason, Excluded, FamilyFinding, ResidenceBasis,
};
use nimo_store::audit::AuditEvent;
use nimo_store::consents::{self, ConsentInput, ConsentRecordError, NewRequest};
use nimo_store::people::{self, NewPerson};
use nimo_store::testing::{TestDb, backends};
use nimo_store::{Db, Record, StoreError};
use time::macros::{date, datetime};
use time::{Duration, OffsetDateTime};

async fn person(db: &Db, code: &str, district: &str) -> i64 {
    let new = NewPerson {
        municipality: MunicipalityCode::parse(code).unwrap(),
        district: district.into(),
        sex: "m".into(),
        name_kana: "みほん じろう".into(),
        name_kanji: "見本 次郎".into(),
        birth_date: Some(date!(1970 - 02 - 03)),
        address: "見本町4-5-6".into(),
        contact: String::new(),
    };
    let mut tx = db.pool.begin().await.unwrap();
    let id = people::create_in(&mut tx, db.keyring().unwrap(), &new).await.unwrap();
    tx.commit().await.unwrap();
    id
}

fn request(code: &str, person_id: i64, at: OffsetDateTime) -> NewRequest {
    NewRequest {
        municipality: MunicipalityCode::parse(code).unwrap(),
        person_id,
        hospital_id: None,
        hospital_name: "見本記念病院".into(),
        requested_at: at,
        admission_on: Some(date!(2026 - 12 - 06)),
        note: "単身、親族の所在不明".into(),
        actor: 1,
    }
}

fn input(event: ConsentEvent, at: OffsetDateTime) -> ConsentInput {
    ConsentInput { event, occurred_at: at, note: "担当: 保健師".into(), actor: 1 }
}

async fn count(db: &Db, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&db.pool).await.unwrap()
}

#[tokio::test]
async fn a_request_goes_from_receipt_to_consent_visit_and_renewal_with_audit_rows() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let pid = person(&t.db, "131105", "東部").await;
        let t0 = datetime!(2026-12-06 10:00 +9);
        let id = consents::receive(&t.db, &request("131105", pid, t0), AuditEvent::cli("create")).await.unwrap();
        let w = |e, at| input(e, at);
        let audit = || AuditEvent::cli("write");
        // Consent before the checks is refused and writes nothing.
        let official = || "健康推進部長 見本 一郎".to_string();
        let early = ConsentEvent::Decide { consent: true, official: official(), period_end: None };
        let refused = consents::record(&t.db, id, 0, &w(early, t0), audit()).await.unwrap_err();
        assert!(matches!(refused, ConsentRecordError::Rule(ConsentError::ChecksMissing)), "{refused}");
        assert_eq!(consents::get(&t.db, id).await.unwrap().revision, 0, "{backend:?}");
        let residence = ConsentEvent::CheckResidence(ResidenceBasis::Residence);
        consents::record(&t.db, id, 0, &w(residence, t0 + Duration::minutes(10)), audit()).await.unwrap();
        let family = ConsentEvent::CheckFamily {
            finding: FamilyFinding::NoFamily,
            excluded: vec![Excluded::Missing, Excluded::Abuser],
        };
        consents::record(&t.db, id, 1, &w(family, t0 + Duration::minutes(20)), audit()).await.unwrap();
        let period = datetime!(2027-03-07 00:00 +9);
        let decide = ConsentEvent::Decide { consent: true, official: official(), period_end: Some(period) };
        consents::record(&t.db, id, 2, &w(decide, t0 + Duration::hours(1)), audit()).await.unwrap();
        // A stale revision is a conflict.
        let stale = consents::record(&t.db, id, 2, &w(ConsentEvent::Visit, t0 + Duration::days(1)), audit()).await;
        assert!(matches!(stale, Err(ConsentRecordError::Store(StoreError::StaleRevision(Record::Consent)))));
        // The visit clock runs after consent, and stops with the visit.
        let now = t0 + Duration::days(6);
        let clocks = consents::running_clocks(&t.db, "131105", Some("東部"), now).await.unwrap();
        assert_eq!(clocks.len(), 1, "{backend:?}");
        assert_eq!(
            (clocks[0].clock.rule.id, clocks[0].clock.state_at(now)),
            ("mayor_consent_visit", ClockState::DueSoon)
        );
        assert_eq!(clocks[0].link, format!("/municipalities/131105/consents/{id}"));
        assert!(!clocks[0].label.contains("見本 次郎") && !clocks[0].label.contains("みほん"));
        consents::record(&t.db, id, 3, &w(ConsentEvent::Visit, t0 + Duration::days(2)), audit()).await.unwrap();
        consents::record(&t.db, id, 4, &w(ConsentEvent::Refer, t0 + Duration::days(3)), audit()).await.unwrap();
        let renew = ConsentEvent::RequestRenewal { period_end: datetime!(2027-09-07 00:00 +9) };
        consents::record(&t.db, id, 5, &w(renew, period - Duration::days(20)), audit()).await.unwrap();
        let waiting = consents::running_clocks(&t.db, "131105", None, period - Duration::days(3)).await.unwrap();
        assert_eq!(waiting.iter().map(|c| c.clock.rule.id).collect::<Vec<_>>(), ["mayor_consent_renewal"]);
        assert_eq!(waiting[0].clock.deadline, Some(period));
        let yes = ConsentEvent::DecideRenewal { consent: true, official: official() };
        consents::record(&t.db, id, 6, &w(yes, period - Duration::days(2)), audit()).await.unwrap();
        let got = consents::get(&t.db, id).await.unwrap();
        assert_eq!((got.status.state, got.status.renewals, got.revision), (ConsentState::Consented, 1, 7));
        assert_eq!(got.status.period_end, Some(datetime!(2027-09-07 00:00 +9)));
        assert_eq!((got.district.as_str(), got.note.as_str()), ("東部", "単身、親族の所在不明"));
        let audited = count(
            &t.db,
            &format!("SELECT COUNT(*) FROM audit_log WHERE record_type = 'mayor_consent' AND record_id = '{id}'"),
        )
        .await;
        assert_eq!(audited, 8, "{backend:?}: receive and seven events");
        let events = consents::events(&t.db, id).await.unwrap();
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "receive",
                "check_residence",
                "check_family",
                "decide",
                "visit",
                "refer",
                "request_renewal",
                "decide_renewal"
            ]
        );
        assert!(events[2].detail.contains("行方の知れない者"), "{}", events[2].detail);
        assert_eq!(events[3].official, official());
        // Sealed: neither the note nor the official is stored in the clear.
        let raw: String = sqlx::query_scalar("SELECT official_sealed FROM mayor_consent_event WHERE kind = 'decide'")
            .fetch_one(&t.db.pool)
            .await
            .unwrap();
        assert!(!raw.contains("見本"));
        let note: String =
            sqlx::query_scalar("SELECT note_sealed FROM mayor_consent").fetch_one(&t.db.pool).await.unwrap();
        assert!(!note.contains("親族"));
        // The 年度 counts: R8 (2026) has the request, the consent and the visit; R8 also the renewal (2027-03).
        let counts = consents::counts(&t.db, "131105", 2026).await.unwrap();
        assert_eq!((counts.requests, counts.consents, counts.visits, counts.renewals), (1, 1, 1, 1), "{backend:?}");
        assert_eq!(consents::counts(&t.db, "131105", 2025).await.unwrap(), Default::default());
        let end = ConsentEvent::End(EndReason::Discharged);
        consents::record(&t.db, id, 7, &w(end, period), audit()).await.unwrap();
        assert!(consents::running_clocks(&t.db, "131105", None, period).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn lists_and_clocks_stay_within_the_municipality_and_the_district() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let t0 = datetime!(2026-12-06 10:00 +9);
        let east = person(&t.db, "131105", "東部").await;
        let west = person(&t.db, "131105", "西部").await;
        let other = person(&t.db, "131091", "北部").await;
        let a = consents::receive(&t.db, &request("131105", east, t0), AuditEvent::cli("create")).await.unwrap();
        let b = consents::receive(&t.db, &request("131105", west, t0 - Duration::hours(5)), AuditEvent::cli("create"))
            .await
            .unwrap();
        consents::receive(&t.db, &request("131091", other, t0), AuditEvent::cli("create")).await.unwrap();
        // A person of another municipality cannot be named in a request.
        let wrong = consents::receive(&t.db, &request("131105", other, t0), AuditEvent::cli("create")).await;
        assert!(matches!(wrong, Err(ConsentRecordError::Store(StoreError::NotFound(_)))));
        let now = t0 + Duration::hours(2);
        let all = consents::list(&t.db, "131105", None, now).await.unwrap();
        assert_eq!(
            all.iter().map(|i| i.id).collect::<Vec<_>>(),
            [b, a],
            "{backend:?}: the older request is more urgent"
        );
        assert_eq!(all[0].person_kana, "みほん じろう");
        let east_only = consents::list(&t.db, "131105", Some("東部"), now).await.unwrap();
        assert_eq!(east_only.iter().map(|i| i.id).collect::<Vec<_>>(), [a]);
        let clocks = consents::running_clocks(&t.db, "131105", Some("西部"), now).await.unwrap();
        assert_eq!(clocks.len(), 1);
        assert_eq!(clocks[0].clock.state_at(now), ClockState::Running);
        assert_eq!(consents::of_person(&t.db, east).await.unwrap().len(), 1);
        assert_eq!(consents::counts(&t.db, "131105", 2026).await.unwrap().requests, 2);
    }
}
