//! Admissions on every backend: an admission and its events are written with their audit rows and
//! read back through the domain's state machine; a refused event or a stale form writes nothing;
//! the clocks come from the replayed events; the board's query honours 地区 and leaves out
//! admissions long discharged.

use nimo_domain::admissions::{AdmissionError, AdmissionEvent, AdmissionState, FormEntry, HospitalRef, NoticeKind};
use nimo_domain::beds::AdmissionType;
use nimo_domain::clocks::ClockState;
use nimo_store::admissions::{self, AdmissionRecordError, NewAdmission};
use nimo_store::audit::AuditEvent;
use nimo_store::people::{self, NewPerson};
use nimo_store::testing::{TestDb, backends};
use nimo_store::{Db, Record, StoreError};
use time::macros::{date, datetime};
use time::{Duration, OffsetDateTime};

async fn person(db: &Db, district: &str) -> i64 {
    let new = NewPerson {
        municipality: nimo_domain::MunicipalityCode::parse("131105").unwrap(),
        district: district.into(),
        sex: "m".into(),
        name_kana: "みほん たろう".into(),
        name_kanji: "見本 太郎".into(),
        birth_date: Some(date!(1990 - 04 - 01)),
        address: "見本町4-5-6".into(),
        contact: "000-3333-4444".into(),
    };
    let mut tx = db.pool.begin().await.unwrap();
    let id = people::create_in(&mut tx, db.keyring().unwrap(), &new).await.unwrap();
    tx.commit().await.unwrap();
    id
}

fn kinkyu(person_id: i64, district: &str, at: OffsetDateTime) -> NewAdmission {
    NewAdmission {
        municipality: nimo_domain::MunicipalityCode::parse("131105").unwrap(),
        district: district.into(),
        person_id,
        case_id: None,
        hospital: HospitalRef::Typed("見本記念病院".into()),
        entry: FormEntry::plain(AdmissionType::KinkyuSochi),
        admitted_at: at,
        actor: 1,
    }
}

async fn count(db: &Db, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&db.pool).await.unwrap()
}

#[tokio::test]
async fn an_admission_and_its_events_read_back_through_the_state_machine() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let pid = person(&t.db, "東部").await;
        let at = datetime!(2024-06-01 22:15 +09:00);
        let id = admissions::admit(&t.db, &kinkyu(pid, "東部", at), AuditEvent::cli("create")).await.unwrap();
        let a = admissions::get(&t.db, id).await.unwrap();
        assert_eq!((a.status.form, a.status.admitted_at, a.revision), (AdmissionType::KinkyuSochi, at, 0));
        assert_eq!(a.hospital_name, "見本記念病院");
        // The 72 hours run from the instant of admission.
        let clock = a.clocks().into_iter().find(|c| c.deadline == Some(at + Duration::hours(72)));
        assert!(clock.is_some(), "{backend:?}: {:?}", a.clocks());
        assert_eq!(clock.unwrap().state_at(at + Duration::hours(73)), ClockState::Overdue);

        let exam = at + Duration::hours(30);
        let change = AdmissionEvent::ChangeForm(FormEntry::plain(AdmissionType::Sochi));
        let next = admissions::record(&t.db, id, 0, exam, &change, 1, AuditEvent::cli("update")).await.unwrap();
        assert_eq!(next.form, AdmissionType::Sochi);
        let a = admissions::get(&t.db, id).await.unwrap();
        assert_eq!((a.status.form, a.status.form_since, a.revision), (AdmissionType::Sochi, exam, 1));
        assert_eq!(a.events.len(), 1);
        assert_eq!(a.events[0].event, change);
        let stopped = a.clocks().into_iter().find(|c| c.deadline == Some(at + Duration::hours(72))).unwrap();
        assert_eq!(stopped.state_at(at + Duration::hours(73)), ClockState::Stopped, "{backend:?}");

        let notice = AdmissionEvent::Notice(NoticeKind::PeriodicReport);
        admissions::record(&t.db, id, 1, exam + Duration::days(1), &notice, 1, AuditEvent::cli("update"))
            .await
            .unwrap();
        let lift = AdmissionEvent::LiftSochi { then: None };
        let done = admissions::record(&t.db, id, 2, exam + Duration::days(20), &lift, 1, AuditEvent::cli("update"))
            .await
            .unwrap();
        assert_eq!(done.state, AdmissionState::Discharged);
        let a = admissions::get(&t.db, id).await.unwrap();
        assert_eq!(
            a.events.iter().map(|e| e.event.code()).collect::<Vec<_>>(),
            ["change_form", "notice", "lift_sochi"]
        );
        assert_eq!(a.status.discharged_at, Some(exam + Duration::days(20)));
        let audits = format!("SELECT COUNT(*) FROM audit_log WHERE record_type = 'admission' AND record_id = '{id}'");
        assert_eq!(count(&t.db, &audits).await, 4, "{backend:?}");
    }
}

#[tokio::test]
async fn a_refused_event_or_a_stale_form_writes_nothing() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let pid = person(&t.db, "東部").await;
        let at = datetime!(2024-06-01 10:00 +09:00);
        let id = admissions::admit(&t.db, &kinkyu(pid, "東部", at), AuditEvent::cli("create")).await.unwrap();
        // 緊急措置 → 応急 is not a change the law provides.
        let wrong = AdmissionEvent::ChangeForm(FormEntry::plain(AdmissionType::Okyu));
        let error = admissions::record(&t.db, id, 0, at + Duration::hours(1), &wrong, 1, AuditEvent::cli("update"))
            .await
            .unwrap_err();
        assert!(matches!(error, AdmissionRecordError::Rule(AdmissionError::FormChange { .. })), "{error:?}");
        // Before the admission itself.
        let early = AdmissionEvent::Discharge;
        let error = admissions::record(&t.db, id, 0, at - Duration::hours(1), &early, 1, AuditEvent::cli("update"))
            .await
            .unwrap_err();
        assert_eq!(error.to_string(), AdmissionError::BeforeLastEvent.to_string());
        let error = admissions::record(&t.db, id, 5, at + Duration::hours(1), &early, 1, AuditEvent::cli("update"))
            .await
            .unwrap_err();
        assert!(matches!(error, AdmissionRecordError::Store(StoreError::StaleRevision(Record::Admission))));
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM admission_event").await, 0);
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM audit_log WHERE record_type = 'admission'").await, 1);
        // A listed hospital must be one of the bed finder's; a typed one must not be blank.
        let mut listed = kinkyu(pid, "東部", at);
        listed.hospital = HospitalRef::Listed("h-nowhere".into());
        let error = admissions::admit(&t.db, &listed, AuditEvent::cli("create")).await.unwrap_err();
        assert!(matches!(error, AdmissionRecordError::UnknownHospital));
        listed.hospital = HospitalRef::Typed("  ".into());
        let error = admissions::admit(&t.db, &listed, AuditEvent::cli("create")).await.unwrap_err();
        assert!(matches!(error, AdmissionRecordError::Rule(AdmissionError::NoHospital)));
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM admission").await, 1, "{backend:?}");
    }
}

#[tokio::test]
async fn the_board_query_honours_the_district_and_drops_long_discharged_admissions() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let east = person(&t.db, "東部").await;
        let west = person(&t.db, "西部").await;
        let now = datetime!(2025-03-01 12:00 +09:00);
        let audit = || AuditEvent::cli("create");
        let a = admissions::admit(&t.db, &kinkyu(east, "東部", now - Duration::hours(10)), audit()).await.unwrap();
        let b = admissions::admit(&t.db, &kinkyu(west, "西部", now - Duration::hours(5)), audit()).await.unwrap();
        let old = admissions::admit(&t.db, &kinkyu(east, "東部", now - Duration::days(900)), audit()).await.unwrap();
        let out = AdmissionEvent::Discharge;
        admissions::record(&t.db, old, 0, now - Duration::days(899), &out, 1, audit()).await.unwrap();
        let ids = |list: Vec<admissions::Admission>| list.into_iter().map(|a| a.id).collect::<Vec<_>>();
        assert_eq!(ids(admissions::open_in(&t.db, "131105", None, now).await.unwrap()), [a, b], "{backend:?}");
        assert_eq!(ids(admissions::open_in(&t.db, "131105", Some("西部"), now).await.unwrap()), [b]);
        assert!(admissions::open_in(&t.db, "131113", None, now).await.unwrap().is_empty());
        assert_eq!(ids(admissions::of_person(&t.db, east).await.unwrap()), [old, a]);
    }
}
