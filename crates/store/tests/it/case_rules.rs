//! The corrected 23条 rules in the store, on every backend: only reports under 23条 are the
//! sheet's 23条通報 (counts and the records behind them), the staff count and a review flag are
//! kept with the event, and the flag stays on the case through the next examination.

use nimo_domain::FiscalYear;
use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Role, Scope};
use nimo_domain::cases::{CaseEvent, Disposition, Finding, ReportArticle, ReviewFlag};
use nimo_store::accounts::{self, NewUser};
use nimo_store::audit::AuditEvent;
use nimo_store::cases::{self, EventInput, NewCase, figures};
use nimo_store::testing::{TestDb, backends};

fn meguro() -> MunicipalityCode {
    MunicipalityCode::parse("131105").unwrap()
}

fn report(assigned_to: i64, article: ReportArticle) -> NewCase {
    NewCase {
        municipality: meguro(),
        district: "東部".into(),
        person_id: None,
        received_at: nimo_domain::calendar::parse_local_minute("2021-06-01T10:00").unwrap(),
        article,
        police_station: "目黒警察署".into(),
        resident: true,
        circumstances: "見本".into(),
        assigned_to,
        next_due_on: None,
        protection_started_at: None,
    }
}

fn step(event: CaseEvent, actor: i64) -> EventInput {
    let occurred_on = nimo_domain::calendar::parse_iso_date("2021-06-02").unwrap();
    EventInput { event, occurred_on, occurred_at: None, note: String::new(), next_due_on: None, actor }
}

fn exam(second: Option<Finding>, disposition: Disposition, reason: &str) -> CaseEvent {
    CaseEvent::Examine {
        first: Finding::NeedsSochi,
        second,
        disposition,
        hospital: "見本記念病院".into(),
        reason: reason.into(),
    }
}

#[tokio::test]
async fn only_23_jou_reports_count_and_a_flag_stays_on_its_case() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let scope = Scope { municipality: Some(meguro()), district: None, hospital: None };
        let new = NewUser {
            login: "rules",
            display_name: "目黒 保健師",
            role: Role::Staff,
            scope,
            password: "kawa no nagare 2026",
            must_change_password: false,
        };
        let staff = accounts::create_user(&t.db, &new, AuditEvent::cli("user_admin")).await.unwrap().id;
        let police =
            cases::create(&t.db, &report(staff, ReportArticle::Police), None, AuditEvent::cli("create")).await.unwrap();
        let citizen = cases::create(&t.db, &report(staff, ReportArticle::Citizen), None, AuditEvent::cli("create"))
            .await
            .unwrap();
        assert_eq!(cases::get(&t.db, citizen).await.unwrap().article, ReportArticle::Citizen);
        let counts = figures::section4_counts(&t.db, "131105", FiscalYear(2021)).await.unwrap();
        assert_eq!(counts.report23.map(|r| (r.in_area, r.residents)), Some((1, 1)), "{backend:?}");
        let (listed, total) =
            figures::counted_records(&t.db, "131105", FiscalYear(2021), "report23.in_area", None).await.unwrap();
        assert_eq!((listed.iter().map(|c| c.id).collect::<Vec<_>>(), total), (vec![police], 1));

        let write = || AuditEvent::cli("write");
        for (revision, event) in
            [CaseEvent::StartInvestigation { staff: 3 }, CaseEvent::OrderExam].into_iter().enumerate()
        {
            cases::record_event(&t.db, police, revision as i64, &step(event, staff), write()).await.unwrap();
        }
        let disputed = exam(Some(Finding::NoSochi), Disposition::KinkyuSochi, "急変");
        cases::record_event(&t.db, police, 2, &step(disputed, staff), write()).await.unwrap();
        assert_eq!(cases::get(&t.db, police).await.unwrap().review, Some(ReviewFlag::KinkyuAfterNoSochi));
        // The full 措置診察 that follows does not clear the question.
        let full = exam(Some(Finding::NeedsSochi), Disposition::Sochi, "");
        cases::record_event(&t.db, police, 3, &step(full, staff), write()).await.unwrap();
        let case = cases::get(&t.db, police).await.unwrap();
        assert_eq!(
            (case.status.disposition, case.review),
            (Some(Disposition::Sochi), Some(ReviewFlag::KinkyuAfterNoSochi))
        );
        let events = cases::events(&t.db, police).await.unwrap();
        let staff_of = |kind: &str| events.iter().find(|e| e.kind == kind).and_then(|e| e.staff);
        assert_eq!(staff_of("start_investigation"), Some(3));
        assert_eq!(events.iter().filter(|e| e.review.is_some()).count(), 1, "only the disputed exam is flagged");
        assert!(events.iter().any(|e| e.note == "急変"), "the reason is kept, sealed, with the event");
        assert_eq!(cases::get(&t.db, citizen).await.unwrap().review, None);
    }
}
