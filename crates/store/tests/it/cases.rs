//! Case work on every backend: personal data is stored sealed and found again by blind index,
//! events follow the state machine (a refused one writes nothing, a stale one is a conflict),
//! the worklist honours 地区, and the section-4 counts of the synthetic 目黒区 year equal the
//! seed sheet's figures.

use nimo_domain::access::{Role, Scope};
use nimo_domain::cases::{CaseError, CaseEvent, CaseState, Disposition, Finding, outcomes_fiscal_year};
use nimo_domain::{FiscalYear, MunicipalityCode, demo};
use nimo_store::Db;
use nimo_store::accounts::{self, NewUser};
use nimo_store::audit::AuditEvent;
use nimo_store::cases::{self, EventInput, NewCase, RecordError, figures};
use nimo_store::people::{self, Match, NewPerson};
use nimo_store::synthetic::{self, Staffing};
use nimo_store::testing::{TestDb, backends};
use sqlx::Row;

fn day(text: &str) -> time::Date {
    nimo_domain::calendar::parse_iso_date(text).unwrap()
}

fn meguro() -> MunicipalityCode {
    MunicipalityCode::parse("131105").unwrap()
}

async fn nurse(db: &Db, login: &str, district: Option<&str>) -> i64 {
    let scope = Scope {
        municipality: Some(MunicipalityCode::parse("131105").unwrap()),
        district: district.map(str::to_string),
        hospital: None,
    };
    let new = NewUser {
        login,
        display_name: "目黒 保健師",
        role: Role::Staff,
        scope,
        password: "kawa no nagare 2026",
        must_change_password: false,
    };
    accounts::create_user(db, &new, AuditEvent::cli("user_admin").with_detail("create")).await.unwrap().id
}

fn person(kana: &str, birth: &str) -> NewPerson {
    NewPerson {
        municipality: meguro(),
        district: "東部".into(),
        sex: "f".into(),
        name_kana: kana.into(),
        name_kanji: "見本 花子".into(),
        birth_date: (!birth.is_empty()).then(|| day(birth)),
        address: "見本町1-2-3".into(),
        contact: "000-1111-2222".into(),
    }
}

fn report(assigned_to: i64, district: &str, received_at: &str) -> NewCase {
    NewCase {
        municipality: meguro(),
        district: district.into(),
        person_id: None,
        received_at: nimo_domain::calendar::parse_local_minute(received_at).unwrap(),
        article: nimo_domain::cases::ReportArticle::Police,
        police_station: "目黒警察署".into(),
        resident: true,
        circumstances: "駅前で刃物を持って叫んでいる".into(),
        assigned_to,
        next_due_on: Some(day("2022-05-11")),
        protection_started_at: None,
    }
}

fn step(event: CaseEvent, actor: i64) -> EventInput {
    EventInput {
        event,
        occurred_on: day("2022-05-11"),
        occurred_at: None,
        note: "面接した".into(),
        next_due_on: None,
        actor,
    }
}

#[tokio::test]
async fn personal_data_is_sealed_and_found_again_by_kana_and_birth_date() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let staff = nurse(&t.db, "nurse", None).await;
        let new = person("ミホン ハナコ", "1980-01-31");
        let id =
            cases::create(&t.db, &report(staff, "東部", "2022-05-10T14:30"), Some(&new), AuditEvent::cli("create"))
                .await
                .unwrap();
        let dump: Vec<String> = sqlx::query(
            "SELECT COALESCE(name_kana_sealed, '') || COALESCE(name_kanji_sealed, '') || COALESCE(birth_date_sealed, '')
                 || COALESCE(address_sealed, '') || COALESCE(contact_sealed, '') AS t FROM person",
        )
        .fetch_all(&t.db.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get("t").unwrap())
        .collect();
        let text = dump.join("")
            + &sqlx::query_scalar::<_, String>("SELECT circumstances_sealed FROM report23")
                .fetch_one(&t.db.pool)
                .await
                .unwrap();
        for secret in ["ハナコ", "花子", "1980-01-31", "見本町", "000-1111", "刃物"] {
            assert!(!text.contains(secret), "{backend:?}: {secret} stored in the clear");
        }
        let case = cases::get(&t.db, id).await.unwrap();
        assert_eq!(case.circumstances, "駅前で刃物を持って叫んでいる");
        let found = people::get(&t.db, case.person_id.unwrap()).await.unwrap();
        assert_eq!((found.name_kana.as_str(), found.birth_date), ("ミホン ハナコ", Some(day("1980-01-31"))));
        let meguro = MunicipalityCode::parse("131105").unwrap();
        // Hiragana with a full-width space finds the katakana record; a different birth date
        // still finds it, ranked as a kana-only match.
        let anywhere = |_: &str| true;
        let same = people::candidates(&t.db, &meguro, "みほん　はなこ", "1980-01-31", anywhere).await.unwrap().visible;
        assert_eq!(same.iter().map(|(p, m)| (p.id, *m)).collect::<Vec<_>>(), vec![(found.id, Match::KanaAndBirth)]);
        let kana_only =
            people::candidates(&t.db, &meguro, "みほんはなこ", "1990-02-02", anywhere).await.unwrap().visible;
        assert_eq!(kana_only.iter().map(|(_, m)| *m).collect::<Vec<_>>(), vec![Match::Kana]);
        assert!(
            people::candidates(&t.db, &meguro, "べつじん", "1980-01-31", anywhere).await.unwrap().visible.is_empty()
        );
        // Outside the viewer's 地区 a match is only counted, never opened.
        let elsewhere =
            people::candidates(&t.db, &meguro, "みほんはなこ", "1980-01-31", |d: &str| d == "北部").await.unwrap();
        assert_eq!((elsewhere.visible.len(), elsewhere.elsewhere), (0, vec![found.id]));
    }
}

#[tokio::test]
async fn a_case_moves_only_as_the_state_machine_allows_and_a_stale_form_is_a_conflict() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let staff = nurse(&t.db, "nurse", None).await;
        let id = cases::create(
            &t.db,
            &report(staff, "東部", "2022-05-10T14:30"),
            Some(&person("あ", "")),
            AuditEvent::cli("create"),
        )
        .await
        .unwrap();
        let refused = cases::record_event(&t.db, id, 0, &step(CaseEvent::OrderExam, staff), AuditEvent::cli("write"))
            .await
            .unwrap_err();
        assert!(matches!(refused, RecordError::Rule(CaseError::Transition { .. })), "{backend:?}: {refused}");
        assert_eq!(cases::events(&t.db, id).await.unwrap().len(), 1, "a refused event writes nothing");
        cases::record_event(
            &t.db,
            id,
            0,
            &step(CaseEvent::StartInvestigation { staff: 2 }, staff),
            AuditEvent::cli("write"),
        )
        .await
        .unwrap();
        let stale = cases::record_event(&t.db, id, 0, &step(CaseEvent::OrderExam, staff), AuditEvent::cli("write"))
            .await
            .unwrap_err();
        assert!(
            matches!(stale, RecordError::Store(nimo_store::StoreError::StaleRevision(nimo_store::Record::Case))),
            "{backend:?}: {stale}"
        );
        for (revision, event) in [
            CaseEvent::OrderExam,
            CaseEvent::Examine {
                first: Finding::NeedsSochi,
                second: Some(Finding::NeedsSochi),
                disposition: Disposition::Sochi,
                hospital: "見本記念病院".into(),
                reason: String::new(),
            },
            CaseEvent::FollowUpContact,
            CaseEvent::Close { reason: "措置解除、通院継続".into() },
        ]
        .into_iter()
        .enumerate()
        {
            let revision = i64::try_from(revision).unwrap() + 1;
            cases::record_event(&t.db, id, revision, &step(event, staff), AuditEvent::cli("write")).await.unwrap();
        }
        let case = cases::get(&t.db, id).await.unwrap();
        assert_eq!((case.status.state, case.status.disposition), (CaseState::Closed, Some(Disposition::Sochi)));
        assert_eq!(case.closed_on, Some(day("2022-05-11")));
        assert_eq!(case.hospital, "見本記念病院");
        let events = cases::events(&t.db, id).await.unwrap();
        assert_eq!(events.len(), 6);
        assert_eq!(events.last().unwrap().note, "措置解除、通院継続\n面接した");
        let audited: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE record_type = 'case' AND record_id = $1")
                .bind(id.to_string())
                .fetch_one(&t.db.pool)
                .await
                .unwrap();
        assert_eq!(audited, 6, "{backend:?}: intake and five events, each with its audit row");
        let timeline = cases::timeline(&t.db, case.person_id.unwrap()).await.unwrap();
        assert_eq!(timeline.len(), 6);
        assert!(timeline.iter().any(|e| e.detail == "措置入院（見本記念病院）"));
    }
}

#[tokio::test]
async fn the_worklist_shows_open_cases_of_the_district_with_overdue_marked() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let staff = nurse(&t.db, "nurse", None).await;
        let east = cases::create(&t.db, &report(staff, "東部", "2022-05-10T14:30"), None, AuditEvent::cli("create"))
            .await
            .unwrap();
        let mut later = report(staff, "西部", "2022-05-12T10:00");
        later.next_due_on = Some(day("2022-06-30"));
        let west = cases::create(&t.db, &later, None, AuditEvent::cli("create")).await.unwrap();
        let all = cases::worklist(&t.db, "131105", None, "2022-05-20").await.unwrap();
        assert_eq!(all.iter().map(|w| (w.case_id, w.overdue)).collect::<Vec<_>>(), vec![(east, true), (west, false)]);
        let only_east = cases::worklist(&t.db, "131105", Some("東部"), "2022-05-20").await.unwrap();
        assert_eq!(only_east.iter().map(|w| w.case_id).collect::<Vec<_>>(), vec![east], "{backend:?}");
        assert!(cases::worklist(&t.db, "131016", None, "2022-05-20").await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn the_synthetic_meguro_year_derives_the_seed_sheets_section_4() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let staffing = Staffing { anywhere: vec![nurse(&t.db, "nurse", None).await], districts: vec![] };
        let seed = demo::meguro_r4();
        let fy = outcomes_fiscal_year(seed.fiscal_year);
        assert_eq!(fy, FiscalYear(2021));
        let summary = synthetic::meguro_year(&t.db, "131105", fy, &staffing).await.unwrap();
        assert_eq!(summary.cases, 40);
        let counts = figures::section4_counts(&t.db, "131105", fy).await.unwrap();
        let mut derived = seed.clone();
        let keys = nimo_domain::cases::apply_derived(&mut derived, &counts, &[]);
        assert_eq!(keys.len(), 8, "{backend:?}: {keys:?}");
        // Every derived value equals the seed's entered value: only the source differs.
        for (a, b) in seed.outcomes.indicators.iter().zip(&derived.outcomes.indicators) {
            for (x, y) in a.breakdown.iter().zip(&b.breakdown) {
                assert_eq!(x.value.value, y.value.value, "{backend:?}: {:?}", x.key);
            }
            assert_eq!(a.actual.as_ref().map(|m| m.value.value), b.actual.as_ref().map(|m| m.value.value));
        }
        assert_eq!(counts.report23.as_ref().unwrap().in_area, 40);
        // The next year has no records: nothing is derived for it.
        let empty = figures::section4_counts(&t.db, "131105", FiscalYear(2022)).await.unwrap();
        assert!(nimo_domain::cases::derived_values(&empty).is_empty(), "{backend:?}");
        let (sochi, total) =
            figures::counted_records(&t.db, "131105", fy, "report23.residents.sochi", None).await.unwrap();
        assert_eq!((sochi.len(), total), (6, 6));
        assert!(sochi.iter().all(|r| r.kind == "case" && r.code == "sochi"), "{backend:?}");
        let worklist = cases::worklist(&t.db, "131105", None, "2022-04-01").await.unwrap();
        assert_eq!(worklist.len(), 3, "{backend:?}: the last three cases stay in follow-up");
    }
}

#[tokio::test]
async fn an_override_needs_a_reason() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let fy = FiscalYear(2022);
        let refused =
            figures::set_override(&t.db, "131105", fy, "report23.in_area", " ", None, AuditEvent::cli("write")).await;
        assert!(refused.is_err());
        figures::set_override(
            &t.db,
            "131105",
            fy,
            "report23.in_area",
            "都が受理した夜間の通報を含む",
            None,
            AuditEvent::cli("write"),
        )
        .await
        .unwrap();
        let stored = figures::overrides(&t.db, "131105", fy).await.unwrap();
        assert_eq!(
            stored,
            vec![("report23.in_area".to_string(), "都が受理した夜間の通報を含む".to_string())],
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn merging_people_moves_their_cases() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let staff = nurse(&t.db, "nurse", Some("東部")).await;
        let a = cases::create(
            &t.db,
            &report(staff, "東部", "2022-05-10T14:30"),
            Some(&person("みほん", "")),
            AuditEvent::cli("create"),
        )
        .await
        .unwrap();
        let b = cases::create(
            &t.db,
            &report(staff, "東部", "2022-06-10T14:30"),
            Some(&person("みほん", "1980-01-01")),
            AuditEvent::cli("create"),
        )
        .await
        .unwrap();
        let keep = cases::get(&t.db, a).await.unwrap().person_id.unwrap();
        let gone = cases::get(&t.db, b).await.unwrap().person_id.unwrap();
        people::merge(&t.db, keep, gone, AuditEvent::cli("merge")).await.unwrap();
        assert_eq!(cases::get(&t.db, b).await.unwrap().person_id, Some(keep), "{backend:?}");
        assert_eq!(people::get(&t.db, gone).await.unwrap().merged_into, Some(keep));
        assert!(people::merge(&t.db, keep, gone, AuditEvent::cli("merge")).await.is_err(), "merged once only");
    }
}

#[tokio::test]
async fn a_stored_date_or_code_that_does_not_parse_is_corrupt_naming_its_column() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let staff = nurse(&t.db, "nurse", None).await;
        let id = cases::create(&t.db, &report(staff, "東部", "2022-05-10T14:30"), None, AuditEvent::cli("create"))
            .await
            .unwrap();
        let case = cases::get(&t.db, id).await.unwrap();
        assert_eq!((case.municipality, case.received_at.to_string()), (meguro(), "2022-05-10 14:30:00.0".into()));
        for (column, bad) in [("received_at", "2022-05-10 14:30"), ("next_due_on", "2022-02-30")] {
            sqlx::query(&format!("UPDATE report23 SET {column} = $1 WHERE id = $2"))
                .bind(bad)
                .bind(id)
                .execute(&t.db.pool)
                .await
                .unwrap();
            match cases::get(&t.db, id).await {
                Err(nimo_store::StoreError::Corrupt(named)) => assert_eq!(named, format!("report23.{column}")),
                other => panic!("{backend:?} {column}: {other:?}"),
            }
            let good = if column == "received_at" { "2022-05-10T14:30" } else { "2022-05-11" };
            sqlx::query(&format!("UPDATE report23 SET {column} = $1 WHERE id = $2"))
                .bind(good)
                .bind(id)
                .execute(&t.db.pool)
                .await
                .unwrap();
        }
        cases::get(&t.db, id).await.unwrap();
    }
}
