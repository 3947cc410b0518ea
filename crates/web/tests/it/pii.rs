//! Every page that shows case records writes its audit row: a sweep over the policy table, so
//! that a case-work page added later is covered without anyone remembering to add it here. Each
//! GET route that needs a case permission (and the figure page, which lists counted records) is
//! fetched by a 保健師 with its parameters naming seeded records; a page answered 200 must have
//! added a `read` row (a print: `print`) with her as the actor. Forms that show no record are
//! listed as exempt.

use crate::for_each_backend;
use nimo_domain::access::Permission;
use nimo_store::audit::AuditEvent;
use nimo_web::policy::POLICY;

/// GET pages under a case permission that show no personal data (an empty form, a redirect, the
/// legal clock rules' reference table).
const EXEMPT: &[&str] =
    &["/cases", "/plans", "/clocks", "/consents", "/municipalities/{code}/cases/new", "/clocks/rules"];

fn path_of(pattern: &str) -> String {
    let mut path = String::new();
    let mut rest = pattern;
    while let Some(start) = rest.find('{') {
        let end = start + rest[start..].find('}').expect("a closed path parameter");
        path.push_str(&rest[..start]);
        path.push_str(match &rest[start + 1..end] {
            "code" => "131105",
            "fy" => "2022",
            "key" => "report23.in_area",
            // Every other parameter names the first record of its kind: one of each is seeded.
            _ => "1",
        });
        rest = &rest[end + 1..];
    }
    path.push_str(rest);
    path
}

#[tokio::test]
async fn every_page_with_case_records_is_audited_before_it_is_answered() {
    for_each_backend(|app| async move {
        let nurse = nimo_store::accounts::find_by_login(&app.db, "hokenshi").await.unwrap();
        let person = nimo_store::people::NewPerson {
            municipality: nimo_domain::MunicipalityCode::parse("131105").unwrap(),
            district: "東部".into(),
            sex: "f".into(),
            name_kana: "みほん はなこ".into(),
            name_kanji: String::new(),
            birth_date: None,
            address: String::new(),
            contact: String::new(),
        };
        let case = nimo_store::cases::NewCase {
            municipality: nimo_domain::MunicipalityCode::parse("131105").unwrap(),
            district: "東部".into(),
            person_id: None,
            received_at: time::macros::datetime!(2021-06-01 10:00),
            article: nimo_domain::cases::ReportArticle::Police,
            police_station: "目黒警察署".into(),
            resident: true,
            circumstances: "見本".into(),
            assigned_to: nurse.id,
            next_due_on: None,
            protection_started_at: None,
        };
        let id = nimo_store::cases::create(&app.db, &case, Some(&person), AuditEvent::cli("create")).await.unwrap();
        assert_eq!(id, 1);
        let plan = nimo_store::cases::NewPlan {
            municipality: nimo_domain::MunicipalityCode::parse("131105").unwrap(),
            district: "東部".into(),
            person_id: 1,
            case_id: Some(1),
            consent: "given".into(),
            consent_on: time::macros::date!(2021 - 06 - 20),
            started_on: Some(time::macros::date!(2021 - 07 - 01)),
            contents: "見本".into(),
        };
        assert_eq!(nimo_store::cases::add_plan(&app.db, &plan, AuditEvent::cli("create")).await.unwrap(), 1);
        let request = nimo_store::consents::NewRequest {
            municipality: nimo_domain::MunicipalityCode::parse("131105").unwrap(),
            person_id: 1,
            hospital_id: None,
            hospital_name: "見本病院".into(),
            requested_at: time::macros::datetime!(2021-06-02 10:00 +9),
            admission_on: None,
            note: String::new(),
            actor: nurse.id,
        };
        assert_eq!(nimo_store::consents::receive(&app.db, &request, AuditEvent::cli("create")).await.unwrap(), 1);
        let admission = nimo_store::admissions::NewAdmission {
            municipality: nimo_domain::MunicipalityCode::parse("131105").unwrap(),
            district: "東部".into(),
            person_id: 1,
            case_id: Some(1),
            hospital: nimo_domain::admissions::HospitalRef::Typed("見本病院".into()),
            entry: nimo_domain::admissions::FormEntry::plain(nimo_domain::beds::AdmissionType::Sochi),
            admitted_at: time::macros::datetime!(2021-06-02 15:00 +9),
            actor: nurse.id,
        };
        assert_eq!(nimo_store::admissions::admit(&app.db, &admission, AuditEvent::cli("create")).await.unwrap(), 1);

        let actor = format!("user:{}", nurse.id);
        let reads = || async {
            // A print (a PDF of a case or plan) is audited as `print`, the way other reads are.
            let n: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action IN ('read', 'print') AND actor = $1")
                    .bind(&actor)
                    .fetch_one(&app.db.pool)
                    .await
                    .unwrap();
            n
        };
        let mut swept = Vec::new();
        for (method, pattern, permission) in POLICY {
            let case_page = matches!(permission, Permission::CaseRead | Permission::CaseWrite);
            if *method != "GET" || !(case_page || pattern.contains("/figures/")) || EXEMPT.contains(pattern) {
                continue;
            }
            let before = reads().await;
            let (status, body) = app.get(&path_of(pattern)).await;
            assert_eq!(status, 200, "{pattern}: {body}");
            assert!(reads().await > before, "{pattern} answered 200 without a read row in the audit log");
            swept.push(*pattern);
        }
        for page in [
            "/municipalities/{code}/cases",
            "/municipalities/{code}/cases/{case_id}",
            "/municipalities/{code}/people/{person_id}",
            "/municipalities/{code}/people/{person_id}/merge",
            "/municipalities/{code}/sheets/{fy}/figures/{key}",
            "/municipalities/{code}/plans",
            "/municipalities/{code}/plans/{plan_id}",
            "/municipalities/{code}/people/{person_id}/plans",
            "/municipalities/{code}/cases/{case_id}/print.pdf",
            "/municipalities/{code}/plans/{plan_id}/print.pdf",
            "/municipalities/{code}/consents",
            "/municipalities/{code}/consents/{consent_id}",
            "/municipalities/{code}/people/{person_id}/consents",
        ] {
            assert!(swept.contains(&page), "{page} was swept: {swept:?}");
        }
        eprintln!("audited pages swept on {:?}: {}", app.backend, swept.len());
    })
    .await;
}
