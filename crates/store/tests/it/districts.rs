//! 地区担当制 on every backend: 地区 are added, renamed and switched off with their audit rows,
//! only staff of the municipality are put in charge, and the caseload counts equal the records
//! seeded, per 地区 and per staff member, and only the viewer's 地区 for a 地区-scoped view.

use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Role, Scope};
use nimo_store::accounts::{self, NewUser};
use nimo_store::audit::AuditEvent;
use nimo_store::cases::{self, NewCase, NewPlan, NewVisit};
use nimo_store::districts::{self, Counts, Duty, View};
use nimo_store::people::NewPerson;
use nimo_store::testing::{TestDb, backends};
use nimo_store::{Db, StoreError};
use sqlx::Row;

fn day(text: &str) -> time::Date {
    nimo_domain::calendar::parse_iso_date(text).unwrap()
}

fn meguro() -> MunicipalityCode {
    MunicipalityCode::parse("131105").unwrap()
}

async fn account(db: &Db, login: &str, role: Role, municipality: Option<&str>, district: Option<&str>) -> i64 {
    let scope = Scope {
        municipality: municipality.map(|m| MunicipalityCode::parse(m).unwrap()),
        district: district.map(str::to_string),
        hospital: None,
    };
    let new = NewUser {
        login,
        display_name: login,
        role,
        scope,
        password: "kawa no nagare 2026",
        must_change_password: false,
    };
    accounts::create_user(db, &new, AuditEvent::cli("user_admin").with_detail("create")).await.unwrap().id
}

async fn case(db: &Db, staff: i64, district: &str, due: Option<&str>) -> (i64, i64) {
    let new = NewCase {
        municipality: meguro(),
        district: district.into(),
        person_id: None,
        received_at: time::macros::datetime!(2022-05-10 10:00),
        article: nimo_domain::cases::ReportArticle::Police,
        police_station: "目黒警察署".into(),
        resident: true,
        circumstances: "見本".into(),
        assigned_to: staff,
        next_due_on: due.map(day),
        protection_started_at: None,
    };
    let person = NewPerson {
        municipality: meguro(),
        district: district.into(),
        sex: "x".into(),
        name_kana: "みほん".into(),
        name_kanji: String::new(),
        birth_date: None,
        address: String::new(),
        contact: String::new(),
    };
    let id = cases::create(db, &new, Some(&person), AuditEvent::cli("create")).await.unwrap();
    (id, cases::get(db, id).await.unwrap().person_id.unwrap())
}

async fn audit_rows(db: &Db, district_id: i64) -> i64 {
    sqlx::query("SELECT COUNT(*) AS n FROM audit_log WHERE record_type = 'district' AND record_id = $1")
        .bind(district_id.to_string())
        .fetch_one(&db.pool)
        .await
        .unwrap()
        .try_get("n")
        .unwrap()
}

fn counts(open: i64, overdue: i64, plans: i64, visits: i64) -> Counts {
    Counts { open, overdue, plans, visits }
}

#[tokio::test]
async fn districts_are_managed_with_audit_rows_and_only_own_staff_are_put_in_charge() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let db = &t.db;
        let a = account(db, "nurse-a", Role::Staff, Some("131105"), None).await;
        let other = account(db, "nurse-other", Role::Staff, Some("131016"), None).await;
        let council = account(db, "council", Role::CouncilMember, Some("131105"), None).await;
        let east = districts::add(db, "131105", "東部", AuditEvent::cli("district")).await.unwrap();
        let west = districts::add(db, "131105", " 西部 ", AuditEvent::cli("district")).await.unwrap();
        let taken = districts::add(db, "131105", "東部", AuditEvent::cli("district")).await.unwrap_err();
        assert!(matches!(taken, StoreError::DistrictNameTaken { .. }), "{backend:?}: {taken}");
        let empty = districts::add(db, "131105", "  ", AuditEvent::cli("district")).await.unwrap_err();
        assert!(matches!(empty, StoreError::InvalidDistrictName), "{backend:?}: {empty}");
        assert_eq!(districts::active_names(db, "131105").await.unwrap(), ["東部", "西部"]);
        assert!(districts::active_names(db, "131016").await.unwrap().is_empty());

        districts::assign(db, "131105", east, a, Duty::Main, "2022-04-01", AuditEvent::cli("district")).await.unwrap();
        for refused in [other, council] {
            let error =
                districts::assign(db, "131105", east, refused, Duty::Deputy, "2022-04-01", AuditEvent::cli("x"))
                    .await
                    .unwrap_err();
            assert!(matches!(error, StoreError::NotMunicipalityStaff { .. }), "{backend:?}: {error}");
        }
        let listed = districts::list(db, "131105").await.unwrap();
        assert_eq!(listed[0].staff.len(), 1, "{backend:?}: only the own staff member");
        assert_eq!((listed[0].staff[0].user_id, listed[0].staff[0].duty), (a, Duty::Main));
        assert_eq!(audit_rows(db, east).await, 2, "{backend:?}: add and assign");

        // Renaming carries the records along; switching off hides it from intake.
        let (case_id, _) = case(db, a, "西部", None).await;
        districts::update(db, "131105", west, Some("西地区"), Some(false), AuditEvent::cli("district")).await.unwrap();
        assert_eq!(cases::get(db, case_id).await.unwrap().district, "西地区", "{backend:?}");
        assert_eq!(districts::active_names(db, "131105").await.unwrap(), ["東部"]);
        let missing = districts::update(db, "131016", west, None, Some(true), AuditEvent::cli("d")).await.unwrap_err();
        assert!(missing.is_not_found(), "{backend:?}: another municipality's 地区 is not found");

        districts::unassign(db, "131105", east, a, AuditEvent::cli("district")).await.unwrap();
        assert!(districts::list(db, "131105").await.unwrap()[0].staff.is_empty());
        assert!(
            districts::unassign(db, "131105", east, a, AuditEvent::cli("district")).await.unwrap_err().is_not_found()
        );
        assert_eq!(audit_rows(db, east).await, 3, "{backend:?}: add, assign, unassign");
        assert_eq!(audit_rows(db, west).await, 2, "{backend:?}: add, rename");
    }
}

#[tokio::test]
async fn the_caseload_counts_the_seeded_records_per_district_and_staff_member() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let db = &t.db;
        let a = account(db, "nurse-a", Role::Staff, Some("131105"), None).await;
        let b = account(db, "nurse-b", Role::Staff, Some("131105"), Some("東部")).await;
        for name in ["東部", "西部", "北部"] {
            districts::add(db, "131105", name, AuditEvent::cli("district")).await.unwrap();
        }
        let (_, west_person) = case(db, a, "西部", Some("2022-05-11")).await;
        let (east_case, east_person) = case(db, b, "東部", Some("2022-07-01")).await;
        // No date given: the case is due the day after receipt (2022-05-11), overdue on 06-01.
        case(db, b, "東部", None).await;
        for (visited_on, actor) in [("2022-05-20", a), ("2022-06-01", a), ("2022-03-31", a)] {
            let visit = NewVisit {
                municipality: meguro(),
                team: Vec::new(),
                district: "西部".into(),
                person_id: west_person,
                case_id: None,
                visited_on: day(visited_on),
                profession: "phn".into(),
                method: "home".into(),
                outcome: "met".into(),
                note: String::new(),
                actor: Some(actor),
            };
            cases::add_visit(db, &visit, AuditEvent::cli("visit")).await.unwrap();
        }
        for consent in ["given", "refused"] {
            let plan = NewPlan {
                municipality: meguro(),
                district: "東部".into(),
                person_id: east_person,
                case_id: Some(east_case),
                consent: consent.into(),
                consent_on: day("2022-05-20"),
                started_on: Some(day("2022-05-30")),
                contents: String::new(),
            };
            cases::add_plan(db, &plan, AuditEvent::cli("plan")).await.unwrap();
        }
        let load = districts::caseload(db, "131105", View::default(), "2022-06-01").await.unwrap();
        assert_eq!(load.fiscal_year.year(), 2022);
        assert_eq!(
            load.districts,
            vec![
                ("東部".to_string(), counts(2, 1, 1, 0)),
                ("西部".to_string(), counts(1, 1, 0, 2)),
                ("北部".to_string(), Counts::default())
            ],
            "{backend:?}"
        );
        let line = |id: i64| load.staff.iter().find(|s| s.user_id == id).unwrap().counts;
        assert_eq!(line(a), counts(1, 1, 0, 2), "{backend:?}");
        assert_eq!(line(b), counts(2, 1, 1, 0), "{backend:?}");
        assert_eq!(load.unassigned, Counts::default());

        let own = View { district: Some("東部"), staff: Some(b) };
        let load = districts::caseload(db, "131105", own, "2022-06-01").await.unwrap();
        assert_eq!(load.districts, vec![("東部".to_string(), counts(2, 1, 1, 0))], "{backend:?}");
        assert_eq!(load.staff.len(), 1, "{backend:?}: only the viewer");
        assert_eq!((load.staff[0].user_id, load.staff[0].counts), (b, counts(2, 1, 1, 0)));
    }
}
