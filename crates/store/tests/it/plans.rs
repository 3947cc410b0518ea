//! 退院後支援計画 on every backend: a plan goes from consent through a meeting, start, review and
//! extension to its end, each step with its audit row; a refused step writes nothing; a stale
//! revision is a conflict; minutes and reasons are sealed; reminders and the list honour 地区.

use nimo_domain::plans::{EndReason, Party, PlanError, PlanEvent, PlanState};
use nimo_store::Db;
use nimo_store::audit::AuditEvent;
use nimo_store::people::{self, NewPerson};
use nimo_store::plans::{self, NewMeeting, OpenPlan, PlanInput, PlanRecordError};
use nimo_store::testing::{TestDb, backends};
use nimo_store::{StoreError, cases};
use sqlx::Row;
use time::macros::date;

fn day(text: &str) -> time::Date {
    nimo_domain::calendar::parse_iso_date(text).unwrap()
}

async fn person(db: &Db, district: &str) -> i64 {
    let new = NewPerson {
        municipality: nimo_domain::MunicipalityCode::parse("131105").unwrap(),
        district: district.into(),
        sex: "f".into(),
        name_kana: "みほん はなこ".into(),
        name_kanji: "見本 花子".into(),
        birth_date: Some(date!(1980 - 01 - 31)),
        address: "見本町1-2-3".into(),
        contact: "000-1111-2222".into(),
    };
    let mut tx = db.pool.begin().await.unwrap();
    let id = people::create_in(&mut tx, db.keyring().unwrap(), &new).await.unwrap();
    tx.commit().await.unwrap();
    id
}

fn opening(person_id: i64, district: &str, given: bool) -> OpenPlan {
    OpenPlan {
        municipality: nimo_domain::MunicipalityCode::parse("131105").unwrap(),
        district: district.into(),
        person_id,
        case_id: None,
        given,
        party: Party::Person,
        occurred_on: date!(2022 - 05 - 01),
        note: "病棟で説明した".into(),
        family_view: None,
        actor: 1,
    }
}

fn input(event: PlanEvent, on: &str) -> PlanInput {
    PlanInput { event, occurred_on: day(on), note: String::new(), contents: String::new(), actor: 1 }
}

fn meeting(on: &str) -> NewMeeting {
    NewMeeting {
        held_on: day(on),
        purpose: "pre_discharge".into(),
        person_attended: true,
        family_attended: false,
        participants: vec![
            ("目黒区保健予防課".into(), "保健師".into()),
            ("見本記念病院".into(), "精神保健福祉士".into()),
        ],
        minutes: "本人は一人暮らしを希望".into(),
        police_attended: false,
        police_conditions: Vec::new(),
        actor: 1,
    }
}

async fn count(db: &Db, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&db.pool).await.unwrap()
}

#[tokio::test]
async fn a_plan_goes_from_consent_to_its_end_with_audit_rows() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let pid = person(&t.db, "東部").await;
        let id = plans::open(&t.db, &opening(pid, "東部", true), AuditEvent::cli("create")).await.unwrap();
        let mut draft = input(PlanEvent::Draft, "2022-05-02");
        draft.contents = "クライシスプラン: 不眠が続いたら主治医へ".into();
        plans::record(&t.db, id, 0, &draft, AuditEvent::cli("write")).await.unwrap();
        plans::add_meeting(&t.db, id, 1, &meeting("2022-05-10"), AuditEvent::cli("write")).await.unwrap();
        // Too long a period is refused and writes nothing.
        let long = PlanEvent::Start { period_end: date!(2022 - 11 - 21), next_review: None };
        let error =
            plans::record(&t.db, id, 2, &input(long, "2022-05-20"), AuditEvent::cli("write")).await.unwrap_err();
        assert!(matches!(error, PlanRecordError::Rule(PlanError::Invalid { field: "period_end", .. })), "{error}");
        assert_eq!(plans::get(&t.db, id).await.unwrap().revision, 2, "{backend:?}: nothing saved");
        let start = PlanEvent::Start { period_end: date!(2022 - 11 - 20), next_review: Some(date!(2022 - 08 - 01)) };
        plans::record(&t.db, id, 2, &input(start, "2022-05-20"), AuditEvent::cli("write")).await.unwrap();
        // A stale revision is a conflict.
        let stale = plans::record(
            &t.db,
            id,
            2,
            &input(PlanEvent::Review { next_review: None }, "2022-08-01"),
            AuditEvent::cli("write"),
        )
        .await;
        assert!(matches!(stale, Err(PlanRecordError::Store(StoreError::StaleRevision(nimo_store::Record::Plan)))));
        plans::record(
            &t.db,
            id,
            3,
            &input(PlanEvent::Review { next_review: Some(date!(2022 - 11 - 01)) }, "2022-08-01"),
            AuditEvent::cli("write"),
        )
        .await
        .unwrap();
        let extend =
            PlanEvent::Extend {
                new_end: date!(2023 - 03 - 31), reason: "服薬が安定しない".into(), consent: true
            };
        // An extension needs a 支援会議 held for it.
        let refused = plans::record(&t.db, id, 4, &input(extend.clone(), "2022-11-01"), AuditEvent::cli("write"))
            .await
            .unwrap_err();
        assert!(matches!(refused, PlanRecordError::Rule(PlanError::Invalid { field: "state", .. })), "{refused}");
        let mut for_extension = meeting("2022-10-25");
        for_extension.purpose = "extension".into();
        plans::add_meeting(&t.db, id, 4, &for_extension, AuditEvent::cli("write")).await.unwrap();
        plans::record(&t.db, id, 5, &input(extend, "2022-11-01"), AuditEvent::cli("write")).await.unwrap();
        plans::record(
            &t.db,
            id,
            6,
            &input(PlanEvent::End { reason: EndReason::PeriodOver }, "2023-03-31"),
            AuditEvent::cli("write"),
        )
        .await
        .unwrap();
        let plan = plans::get(&t.db, id).await.unwrap();
        assert_eq!(plan.status.state, PlanState::Ended, "{backend:?}");
        assert_eq!(plan.status.period_end, Some(date!(2023 - 03 - 31)));
        assert_eq!(plan.status.extensions, 1);
        assert_eq!(plan.contents, "クライシスプラン: 不眠が続いたら主治医へ");
        let audited =
            count(&t.db, &format!("SELECT COUNT(*) FROM audit_log WHERE record_type = 'plan' AND record_id = '{id}'"))
                .await;
        assert_eq!(audited, 8, "{backend:?}: open, draft, 2 meetings, start, review, extend, end");
        let events = plans::events(&t.db, id).await.unwrap();
        assert_eq!(
            events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
            ["consent", "draft", "start", "review", "extend", "end"]
        );
        assert_eq!(events[4].note, "服薬が安定しない");
        let meetings = plans::meetings(&t.db, id).await.unwrap();
        assert_eq!(meetings[0].participants[1], ("見本記念病院".to_string(), "精神保健福祉士".to_string()));
        assert_eq!(meetings[0].minutes, "本人は一人暮らしを希望");
        // Sealed at rest: the raw columns hold no clear text.
        let raw: String = sqlx::query("SELECT minutes_sealed FROM plan_meeting")
            .fetch_one(&t.db.pool)
            .await
            .unwrap()
            .try_get("minutes_sealed")
            .unwrap();
        assert!(!raw.contains("一人暮らし"));
        let notes: Vec<String> = sqlx::query("SELECT note_sealed FROM plan_event")
            .fetch_all(&t.db.pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get("note_sealed").unwrap())
            .collect();
        assert!(notes.iter().all(|n| !n.contains("服薬") && !n.contains("病棟")));
        // The timeline has every event and the meeting.
        let timeline = cases::timeline(&t.db, pid).await.unwrap();
        assert_eq!(timeline.len(), 8, "{backend:?}: {timeline:?}");
        assert!(timeline.iter().any(|e| e.what == "退院後支援計画 支援会議" && e.detail.contains("2機関")));
        // Nothing after the end.
        let after = plans::record(
            &t.db,
            id,
            7,
            &input(PlanEvent::Review { next_review: None }, "2023-04-01"),
            AuditEvent::cli("write"),
        )
        .await;
        assert!(matches!(after, Err(PlanRecordError::Rule(PlanError::Transition { .. }))));
    }
}

#[tokio::test]
async fn reminders_and_the_list_honour_the_district_and_refusal_declines() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let east = person(&t.db, "東部").await;
        let west = person(&t.db, "西部").await;
        let a = plans::open(&t.db, &opening(east, "東部", true), AuditEvent::cli("create")).await.unwrap();
        let b = plans::open(&t.db, &opening(west, "西部", true), AuditEvent::cli("create")).await.unwrap();
        let declined = plans::open(&t.db, &opening(west, "西部", false), AuditEvent::cli("create")).await.unwrap();
        assert_eq!(plans::get(&t.db, declined).await.unwrap().status.state.code(), "declined");
        for (id, end) in [(a, date!(2022 - 06 - 10)), (b, date!(2022 - 09 - 30))] {
            let mut draft = input(PlanEvent::Draft, "2022-05-02");
            draft.contents = "内容".into();
            plans::record(&t.db, id, 0, &draft, AuditEvent::cli("write")).await.unwrap();
            plans::add_meeting(&t.db, id, 1, &meeting("2022-05-03"), AuditEvent::cli("write")).await.unwrap();
            let start = PlanEvent::Start { period_end: end, next_review: None };
            plans::record(&t.db, id, 2, &input(start, "2022-05-09"), AuditEvent::cli("write")).await.unwrap();
        }
        let all = plans::list(&t.db, "131105", None, "2022-06-01", 14).await.unwrap();
        assert_eq!(
            all.iter().map(|p| p.plan_id).collect::<Vec<_>>(),
            [a, b],
            "{backend:?}: declined plans are not open"
        );
        let due = plans::reminders(&t.db, "131105", None, "2022-06-01", 14).await.unwrap();
        assert_eq!(due.iter().map(|p| (p.plan_id, p.due_soon, p.overdue)).collect::<Vec<_>>(), [(a, true, false)]);
        let overdue = plans::reminders(&t.db, "131105", Some("西部"), "2022-10-01", 14).await.unwrap();
        assert_eq!(overdue.iter().map(|p| (p.plan_id, p.overdue)).collect::<Vec<_>>(), [(b, true)], "{backend:?}");
        assert!(plans::list(&t.db, "131105", Some("北部"), "2022-06-01", 14).await.unwrap().is_empty());
        assert_eq!(all[0].person_kana, "みほん はなこ");
    }
}

#[tokio::test]
async fn a_family_view_is_kept_sealed_beside_the_consent_and_police_need_the_conditions() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let pid = person(&t.db, "東部").await;
        // The family's answer alone opens nothing.
        let mut by_family = opening(pid, "東部", true);
        by_family.party = Party::Family;
        let refused = plans::open(&t.db, &by_family, AuditEvent::cli("create")).await.unwrap_err();
        assert!(matches!(refused, PlanRecordError::Rule(PlanError::Invalid { field: "party", .. })), "{refused}");
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM discharge_plan").await, 0, "{backend:?}");
        let mut with_view = opening(pid, "東部", true);
        with_view.family_view = Some(("parent".into(), "母は自宅への退院に不安がある".into()));
        let id = plans::open(&t.db, &with_view, AuditEvent::cli("create")).await.unwrap();
        let events = plans::events(&t.db, id).await.unwrap();
        assert_eq!(events[0].family_view, Some(("親", "母は自宅への退院に不安がある".to_string())));
        let raw: String = sqlx::query("SELECT family_view_sealed FROM plan_event")
            .fetch_one(&t.db.pool)
            .await
            .unwrap()
            .try_get("family_view_sealed")
            .unwrap();
        assert!(!raw.is_empty() && !raw.contains("不安"));
        // A meeting with the police: refused until every condition is confirmed.
        let mut police = meeting("2022-05-10");
        police.participants.push(("目黒警察署".into(), "生活安全課".into()));
        let refused = plans::add_meeting(&t.db, id, 0, &police, AuditEvent::cli("write")).await.unwrap_err();
        assert!(
            matches!(refused, PlanRecordError::Rule(PlanError::Invalid { field: "police_attended", .. })),
            "{refused}"
        );
        police.police_conditions = nimo_domain::plans::police::CONDITIONS.iter().map(|(c, _)| c.to_string()).collect();
        plans::add_meeting(&t.db, id, 0, &police, AuditEvent::cli("write")).await.unwrap();
        let meetings = plans::meetings(&t.db, id).await.unwrap();
        assert!(meetings[0].police_attended && meetings[0].police_conditions.len() == 4, "{backend:?}");
    }
}
