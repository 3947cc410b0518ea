//! The records the matrix names: a second municipality's sheet, cases, people and plans in two
//! municipalities and two 地区, two hospitals with a ward and a hold each, and an organisation of
//! the resource directory (id 1, named by `{org_id}`) in the own municipality.

use super::*;
use nimo_store::audit::AuditEvent;

/// Adds the 千代田区 sheet: the 目黒区 demo sheet under another municipality.
pub(super) async fn seed_other_sheet(db: &nimo_store::Db) {
    let mut sheet = nimo_domain::demo::meguro_r4();
    sheet.municipality.code = code_of(OTHER);
    sheet.municipality.name = "千代田区".into();
    sheets::save(db, &sheet, sheets::SaveMode::Create, AuditEvent::cli("import")).await.expect("the 千代田区 sheet");
}

/// Adds one 23条 case with its person and a 退院後支援計画 in each municipality (ids 1 in 目黒区, 2 in
/// 千代田区, both 東部), then one in another 地区 of 目黒区 (id 3, 西部), and lists 目黒区's 東部 as
/// 地区 1.
pub(super) async fn seed_cases(db: &nimo_store::Db, staff: i64) {
    let records = [
        (OWN, OWN_RECORD, OWN_DISTRICT),
        (OTHER, OTHER_RECORD, OWN_DISTRICT),
        (OWN, OTHER_DISTRICT_RECORD, OTHER_DISTRICT),
    ];
    for (code, expected, district) in records {
        let person = nimo_store::people::NewPerson {
            municipality: nimo_domain::MunicipalityCode::parse(code).unwrap(),
            district: district.into(),
            sex: "x".into(),
            name_kana: "みほん".into(),
            name_kanji: String::new(),
            birth_date: None,
            address: String::new(),
            contact: String::new(),
        };
        let case = nimo_store::cases::NewCase {
            municipality: nimo_domain::MunicipalityCode::parse(code).unwrap(),
            district: district.into(),
            person_id: None,
            received_at: time::macros::datetime!(2021-06-01 10:00),
            article: nimo_domain::cases::ReportArticle::Police,
            police_station: "見本警察署".into(),
            resident: true,
            circumstances: String::new(),
            assigned_to: staff,
            next_due_on: None,
            protection_started_at: None,
        };
        let audit = AuditEvent::cli("create");
        let id = nimo_store::cases::create(db, &case, Some(&person), audit).await.expect("a seeded case");
        assert_eq!(id.to_string(), expected, "seeded case id");
        let person_id = nimo_store::cases::get(db, id).await.expect("case").person_id.expect("person");
        assert_eq!(person_id.to_string(), expected, "seeded person id");
        let plan = nimo_store::plans::OpenPlan {
            municipality: nimo_domain::MunicipalityCode::parse(code).unwrap(),
            district: district.into(),
            person_id,
            case_id: Some(id),
            given: true,
            party: nimo_domain::plans::Party::Person,
            occurred_on: time::macros::date!(2021 - 07 - 01),
            note: String::new(),
            family_view: None,
            actor: staff,
        };
        let audit = AuditEvent::cli("create");
        let plan_id = nimo_store::plans::open(db, &plan, audit).await.expect("a seeded plan");
        assert_eq!(plan_id.to_string(), expected, "seeded plan id");
    }
    let district =
        nimo_store::districts::add(db, OWN, OWN_DISTRICT, AuditEvent::cli("district")).await.expect("a listed 地区");
    assert_eq!(district, 1, "the 地区 that `{{district_id}}` names");
}

/// Seeds two hospitals (the hospital account's and another) with a ward and a hold each.
pub(super) async fn seed_beds(db: &nimo_store::Db) -> Fixtures {
    crate::beds::seed_beds(db, &[]).await;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut ids = Vec::new();
    for ward in [OWN_WARD, OTHER_WARD] {
        let new = nimo_store::beds::NewHold {
            ward_id: ward.into(),
            case_ref: nimo_domain::beds::CaseRef::parse("R4-001").unwrap(),
            admission: nimo_domain::beds::AdmissionType::IryoHogo,
            placed_by: 1,
            searched_at: now,
            case_id: None,
            admission_reason: None,
        };
        let hold = nimo_store::beds::place_hold_at(db, &new, 24 * 3600, "test", now).await.expect("hold");
        ids.push(hold.id.to_string());
    }
    Fixtures { own_hold: ids[0].clone(), other_hold: ids[1].clone() }
}

/// Adds the directory's organisation 1 to the own municipality (`{org_id}` names it; in the other
/// municipality it names nothing, a 404 for whoever the policy lets through).
pub(super) async fn seed_directory(db: &nimo_store::Db) {
    let mut org = nimo_domain::directory::Organisation::empty(nimo_domain::directory::OrgType::Hokenjo);
    org.reference = "hokenjo".into();
    org.name = "目黒区保健所（架空）".into();
    let ids = nimo_store::directory::import(db, OWN, &[org], AuditEvent::cli("directory")).await.expect("directory");
    assert_eq!(ids, 1);
}
