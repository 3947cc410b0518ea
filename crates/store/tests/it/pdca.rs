//! The network's PDCA on every backend: 普及啓発 events written and changed at their revision
//! with their audit rows and counted per fiscal year; section 5 made into actions once; section
//! 6 rows done only by held meetings and events of their month and item; unfinished actions
//! carried into next year once, status kept and linked to the earlier one.

use nimo_domain::pdca::{ActionStatus, EventKind, HeldStatus};
use nimo_domain::sheet::RecordKind;
use nimo_domain::{FiscalYear, demo};
use nimo_store::actions::{self, ActionChange, LinkKind};
use nimo_store::audit::AuditEvent;
use nimo_store::events::{self, EventInput};
use nimo_store::sheets::SaveMode;
use nimo_store::testing::{TestDb, backends};
use nimo_store::{Db, Record, StoreError, schedule, sheets};
use time::Date;
use time::macros::date;

const MEGURO: &str = "131105";

/// What fulfilled a row: the record's kind and id and the day.
type Fulfilled = (RecordKind, i64, String);

fn event(on: Date, title: &str, item: &str, status: HeldStatus) -> EventInput {
    EventInput {
        held_on: on,
        title: title.into(),
        kind: EventKind::Lecture,
        audience: "区民・当事者・家族".into(),
        participants: Some(80),
        partners: vec!["目黒区家族会".into()],
        materials: vec![],
        status,
        schedule_item: item.into(),
    }
}

async fn audit_rows(db: &Db, action: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = $1")
        .bind(action)
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

/// A meeting of a body of the municipality, written as the council's store would.
async fn meeting(db: &Db, seq: i64, on: &str, item: &str, status: &str) -> i64 {
    sqlx::query(
        "INSERT INTO council_body (municipality_code, name, kind, created_at) VALUES ($1, '推進協議会', 'kyogi_no_ba', $2)
         ON CONFLICT (municipality_code, name) DO NOTHING",
    )
    .bind(MEGURO)
    .bind("2022-04-01T00:00:00Z")
    .execute(&db.pool)
    .await
    .unwrap();
    let body: i64 = sqlx::query_scalar("SELECT id FROM council_body WHERE municipality_code = $1")
        .bind(MEGURO)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    sqlx::query_scalar(
        "INSERT INTO council_meeting (municipality_code, body_id, fiscal_year, seq, title, held_on, format, status,
             schedule_item, created_at, updated_at)
         VALUES ($1, $2, 2022, $3, $4, $5, 'in_person', $6, $7, $8, $8) RETURNING id",
    )
    .bind(MEGURO)
    .bind(body)
    .bind(seq)
    .bind(format!("令和4年度第{seq}回目黒区精神保健医療福祉推進協議会"))
    .bind(on)
    .bind(status)
    .bind(item)
    .bind("2022-04-01T00:00:00Z")
    .fetch_one(&db.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn events_change_at_their_revision_with_audit_rows_and_are_counted_per_year() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let first =
            event(date!(2022 - 08 - 20), "精神保健講演会 第1回", "普及啓発（区民・当事者・家族）", HeldStatus::Held);
        let id = events::create(&t.db, MEGURO, &first, AuditEvent::cli("event_create")).await.unwrap();
        let planned = event(date!(2023 - 03 - 10), "関係機関向け講座", "普及啓発（関係機関）", HeldStatus::Planned);
        events::create(&t.db, MEGURO, &planned, AuditEvent::cli("event_create")).await.unwrap();
        let next_year = event(date!(2023 - 04 - 10), "翌年度の講演会", "", HeldStatus::Cancelled);
        events::create(&t.db, MEGURO, &next_year, AuditEvent::cli("event_create")).await.unwrap();

        let stored = events::get(&t.db, MEGURO, id).await.unwrap();
        assert_eq!((stored.input.clone(), stored.revision, stored.fiscal_year), (first.clone(), 1, FiscalYear(2022)));
        let changed = EventInput { participants: Some(120), ..first.clone() };
        events::update(&t.db, MEGURO, id, 1, &changed, AuditEvent::cli("event_update")).await.unwrap();
        let stale = events::update(&t.db, MEGURO, id, 1, &first, AuditEvent::cli("event_update")).await;
        assert!(matches!(stale, Err(StoreError::StaleRevision(Record::Event))), "{backend:?}: {stale:?}");
        let other = events::update(&t.db, "131016", id, 2, &first, AuditEvent::cli("event_update")).await;
        assert!(matches!(other, Err(StoreError::NotFound(_))), "another municipality's id: {other:?}");
        assert!(events::get(&t.db, "131016", id).await.unwrap_err().is_not_found());
        assert_eq!(events::get(&t.db, MEGURO, id).await.unwrap().input.participants, Some(120));
        assert_eq!((audit_rows(&t.db, "event_create").await, audit_rows(&t.db, "event_update").await), (3, 1));

        let years = events::counts_by_year(&t.db, MEGURO).await.unwrap();
        assert_eq!(years.len(), 2, "{years:?}");
        assert_eq!((years[0].fiscal_year, years[0].cancelled, years[0].held), (2023, 1, 0));
        assert_eq!((years[1].fiscal_year, years[1].held, years[1].planned, years[1].participants), (2022, 1, 1, 120));
        let listed = events::list(&t.db, MEGURO, FiscalYear(2022)).await.unwrap();
        assert_eq!(
            listed.iter().map(|e| e.input.title.as_str()).collect::<Vec<_>>(),
            ["精神保健講演会 第1回", "関係機関向け講座"]
        );
    }
}

#[tokio::test]
async fn section_5_becomes_actions_once() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let sheet = demo::meguro_r4();
        let fy = sheet.fiscal_year;
        let made = actions::from_sheet(
            &t.db,
            MEGURO,
            fy,
            &sheet.strengths,
            date!(2022 - 04 - 15),
            AuditEvent::cli("action_from_sheet"),
        );
        assert_eq!(made.await.unwrap(), 7, "{backend:?}: 3 + 3 + 1 actions of the seed");
        let again = actions::from_sheet(
            &t.db,
            MEGURO,
            fy,
            &sheet.strengths,
            date!(2022 - 05 - 01),
            AuditEvent::cli("action_from_sheet"),
        );
        assert_eq!(again.await.unwrap(), 0, "nothing is made twice");
        let listed = actions::list(&t.db, MEGURO, fy).await.unwrap();
        assert_eq!(listed.len(), 7);
        assert_eq!(listed[0].display(), "①地域関係機関に向けた普及啓発（新規）");
        assert_eq!(listed[6].display(), "措置入院者等の退院後支援の強化（拡充）");
        assert!(listed.iter().all(|a| a.status == ActionStatus::NotStarted && a.steps.len() == 1));
        assert_eq!(audit_rows(&t.db, "action_from_sheet").await, 2);
    }
}

#[tokio::test]
async fn schedule_rows_are_done_only_by_held_records_of_their_month_and_item() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let mut sheet = demo::meguro_r4();
        sheets::save(&t.db, &sheet, SaveMode::Create, AuditEvent::cli("import")).await.unwrap();
        let held = meeting(&t.db, 1, "2022-07-12", "協議の場", "held").await;
        meeting(&t.db, 2, "2023-02-14", "協議の場", "planned").await;
        meeting(&t.db, 3, "2022-07-20", "協議の場", "cancelled").await;
        let lecture = events::create(
            &t.db,
            MEGURO,
            &event(date!(2022 - 08 - 20), "精神保健講演会 第1回", "普及啓発(区民・当事者・家族)", HeldStatus::Held),
            AuditEvent::cli("event_create"),
        )
        .await
        .unwrap();
        let wrong_month = event(date!(2022 - 10 - 01), "十月の講演会", "普及啓発", HeldStatus::Held);
        events::create(&t.db, MEGURO, &wrong_month, AuditEvent::cli("event_create")).await.unwrap();
        let cancelled = event(date!(2022 - 12 - 03), "第3回", "普及啓発（区民・当事者・家族）", HeldStatus::Cancelled);
        events::create(&t.db, MEGURO, &cancelled, AuditEvent::cli("event_create")).await.unwrap();

        assert_eq!(schedule::apply(&t.db, &mut sheet).await.unwrap(), 2, "{backend:?}");
        let done: Vec<(String, Vec<Fulfilled>)> = sheet
            .schedule
            .iter()
            .map(|r| {
                (r.month.iso(), r.done.iter().map(|h| (h.record.kind, h.record.id, h.on.iso())).collect::<Vec<_>>())
            })
            .filter(|(_, d)| !d.is_empty())
            .collect();
        assert_eq!(
            done,
            vec![
                ("2022-07".to_string(), vec![(RecordKind::Meeting, held, "2022-07-12".to_string())]),
                ("2022-08".to_string(), vec![(RecordKind::Event, lecture, "2022-08-20".to_string())]),
            ]
        );
        let stored = sheets::load(&t.db, &sheet.municipality.code, sheet.fiscal_year).await.unwrap();
        assert!(stored.sheet.schedule.iter().all(|r| r.done.is_empty()), "done is never stored with the sheet");
    }
}

#[tokio::test]
async fn unfinished_actions_carry_over_once_with_their_status_and_links_are_checked() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let sheet = demo::meguro_r4();
        let fy = sheet.fiscal_year;
        let today = date!(2022 - 09 - 01);
        actions::from_sheet(&t.db, MEGURO, fy, &sheet.strengths, today, AuditEvent::cli("action_from_sheet"))
            .await
            .unwrap();
        let listed = actions::list(&t.db, MEGURO, fy).await.unwrap();
        let held = meeting(&t.db, 1, "2022-07-12", "協議の場", "held").await;
        let move_to = |status, links: Vec<(LinkKind, i64)>| ActionChange {
            owner: "保健予防課 精神保健係".into(),
            status,
            progress: "講演会を3回開催".into(),
            links,
        };
        let done = listed[0].id;
        actions::update(
            &t.db,
            MEGURO,
            done,
            1,
            &move_to(ActionStatus::Done, vec![(LinkKind::Meeting, held)]),
            today,
            AuditEvent::cli("action_update"),
        )
        .await
        .unwrap();
        let going = listed[1].id;
        actions::update(
            &t.db,
            MEGURO,
            going,
            1,
            &move_to(ActionStatus::InProgress, vec![]),
            today,
            AuditEvent::cli("action_update"),
        )
        .await
        .unwrap();
        let stale = actions::update(
            &t.db,
            MEGURO,
            going,
            1,
            &move_to(ActionStatus::Done, vec![]),
            today,
            AuditEvent::cli("action_update"),
        )
        .await;
        assert!(matches!(stale, Err(StoreError::StaleRevision(Record::Action))), "{stale:?}");
        let foreign = actions::update(
            &t.db,
            MEGURO,
            going,
            2,
            &move_to(ActionStatus::Done, vec![(LinkKind::Event, 999)]),
            today,
            AuditEvent::cli("action_update"),
        )
        .await;
        assert!(matches!(foreign, Err(StoreError::UnknownCode("link"))), "{foreign:?}");

        let first = actions::get(&t.db, MEGURO, done).await.unwrap();
        assert_eq!(first.links.len(), 1);
        assert_eq!(
            (first.links[0].kind, first.links[0].id, first.links[0].status),
            (LinkKind::Meeting, held, "実施済")
        );
        assert_eq!(
            first.steps.iter().map(|s| s.status).collect::<Vec<_>>(),
            [ActionStatus::NotStarted, ActionStatus::Done]
        );

        let carried =
            actions::carry_over(&t.db, MEGURO, fy, date!(2023 - 03 - 31), AuditEvent::cli("action_carry_over"))
                .await
                .unwrap();
        assert_eq!(carried, 6, "{backend:?}: every action but the 完了 one");
        let again = actions::carry_over(&t.db, MEGURO, fy, date!(2023 - 03 - 31), AuditEvent::cli("action_carry_over"))
            .await
            .unwrap();
        assert_eq!(again, 0);
        let next = actions::list(&t.db, MEGURO, fy.next()).await.unwrap();
        assert_eq!(next.len(), 6);
        let continued = next.iter().find(|a| a.carried_from == Some(going)).expect("the 実施中 one continues");
        assert_eq!(
            (continued.status, continued.owner.as_str(), continued.links.len()),
            (ActionStatus::InProgress, "保健予防課 精神保健係", 0)
        );
        assert!(next.iter().all(|a| a.carried_from != Some(done)));
        let next_sheet = sheet.copy_to_next_year();
        let from_copy = actions::from_sheet(
            &t.db,
            MEGURO,
            fy.next(),
            &next_sheet.strengths,
            date!(2023 - 04 - 01),
            AuditEvent::cli("action_from_sheet"),
        );
        assert_eq!(from_copy.await.unwrap(), 1, "only the 完了 one is made again from next year's copy");
    }
}
