//! The 協議の場's records on every backend: meetings numbered 第n回 per body and fiscal year,
//! changes refused on a stale revision, bad input refused with nothing written, the audit row
//! in the same transaction, section 4 ① counted from held 協議の場 meetings, and section 3's
//! record kept through a save and a load.

use nimo_domain::FiscalYear;
use nimo_domain::sheet::{HistoryEvent, RecordKind, RecordRef};
use nimo_store::audit::AuditEvent;
use nimo_store::council::{self, BodyInput, actions, meetings};
use nimo_store::testing::{TestDb, backends, refuse_audit_appends};
use nimo_store::{Db, Record, StoreError, sheets};

const MEGURO: &str = "131105";

async fn body(db: &Db, name: &str, kind: &str) -> i64 {
    let input = BodyInput { name: name.into(), kind: kind.into(), parent_id: None, active: true };
    council::create_body(db, MEGURO, &input, AuditEvent::cli("write")).await.unwrap()
}

fn meeting(body_id: i64, held_on: &str, format: &str, status: &str) -> meetings::MeetingInput {
    meetings::MeetingInput {
        body_id,
        held_on: held_on.into(),
        format: format.into(),
        status: status.into(),
        decisions: vec!["地域移行の部会を設ける".into(), String::new(), "次回は7月".into()],
        ..Default::default()
    }
}

async fn count(db: &Db, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&db.pool).await.unwrap()
}

#[tokio::test]
async fn meetings_are_numbered_per_body_and_fiscal_year_and_titled_by_default() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let db = &t.db;
        let kyogi = body(db, "目黒区精神保健福祉医療推進協議会", "kyogi_no_ba").await;
        let renraku = body(db, "関係機関連絡会", "renrakukai").await;
        let a =
            meetings::create(db, MEGURO, &meeting(kyogi, "2022-01-20", "written", "held"), AuditEvent::cli("write"))
                .await
                .unwrap();
        let b =
            meetings::create(db, MEGURO, &meeting(kyogi, "2022-07-12", "in_person", "held"), AuditEvent::cli("write"))
                .await
                .unwrap();
        let c = meetings::create(
            db,
            MEGURO,
            &meeting(kyogi, "2023-02-10", "in_person", "planned"),
            AuditEvent::cli("write"),
        )
        .await
        .unwrap();
        let d =
            meetings::create(db, MEGURO, &meeting(renraku, "2022-10-01", "online", "held"), AuditEvent::cli("write"))
                .await
                .unwrap();
        let seq = |m: &meetings::MeetingDetail| (m.meeting.fiscal_year, m.meeting.seq, m.meeting.title.clone());
        let first = meetings::load(db, MEGURO, a).await.unwrap();
        assert_eq!(
            seq(&first),
            (FiscalYear(2021), 1, "令和3年度第1回目黒区精神保健福祉医療推進協議会".into()),
            "{backend:?}"
        );
        assert_eq!(first.decisions, ["地域移行の部会を設ける", "次回は7月"], "empty lines are dropped, order kept");
        assert_eq!(seq(&meetings::load(db, MEGURO, b).await.unwrap()).1, 1, "a new fiscal year starts at 第1回");
        assert_eq!(seq(&meetings::load(db, MEGURO, c).await.unwrap()).1, 2);
        assert_eq!(seq(&meetings::load(db, MEGURO, d).await.unwrap()).1, 1, "another body counts apart");
        let listed = meetings::list(db, MEGURO, Some(FiscalYear(2022))).await.unwrap();
        assert_eq!(listed.iter().map(|m| m.id).collect::<Vec<_>>(), [b, d, c]);
        assert!(
            meetings::load(db, "131016", a).await.unwrap_err().is_not_found(),
            "another municipality's is not found"
        );

        // Section 4 ① of the R4 sheet counts R3's held 協議の場 meetings: the 書面開催 one.
        let counts = nimo_store::cases::figures::section4_counts(db, MEGURO, FiscalYear(2021)).await.unwrap();
        assert_eq!(counts.council_meetings, Some(1), "{backend:?}");
        let counts = nimo_store::cases::figures::section4_counts(db, MEGURO, FiscalYear(2022)).await.unwrap();
        assert_eq!(counts.council_meetings, Some(1), "the 連絡会 and the planned meeting do not count");
        let counts = nimo_store::cases::figures::section4_counts(db, MEGURO, FiscalYear(2020)).await.unwrap();
        assert_eq!(counts.council_meetings, None, "no meeting recorded: the entered value stays");
    }
}

#[tokio::test]
async fn a_stale_or_bad_change_changes_nothing_and_a_write_needs_its_audit_row() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let db = &t.db;
        let kyogi = body(db, "協議会", "kyogi_no_ba").await;
        let id =
            meetings::create(db, MEGURO, &meeting(kyogi, "2022-07-12", "in_person", "held"), AuditEvent::cli("write"))
                .await
                .unwrap();
        let mut changed = meeting(kyogi, "2022-07-12", "in_person", "held");
        changed.minutes = "議事録".into();
        let next = meetings::update(db, MEGURO, id, 1, &changed, AuditEvent::cli("write")).await.unwrap();
        assert_eq!(next, 2);
        changed.minutes = "古いフォームからの変更".into();
        let stale = meetings::update(db, MEGURO, id, 1, &changed, AuditEvent::cli("write")).await.unwrap_err();
        assert!(matches!(stale, StoreError::StaleRevision(Record::Meeting)), "{backend:?}: {stale:?}");
        assert_eq!(meetings::load(db, MEGURO, id).await.unwrap().minutes, "議事録");

        let rows =
            (count(db, "council_meeting").await, count(db, "meeting_decision").await, count(db, "audit_log").await);
        for (field, input) in [
            ("held_on", meetings::MeetingInput { held_on: "2022-13-01".into(), ..changed.clone() }),
            ("format", meetings::MeetingInput { format: "fax".into(), ..changed.clone() }),
            ("title", meetings::MeetingInput { title: "あ".repeat(151), ..changed.clone() }),
            ("decisions", meetings::MeetingInput { decisions: vec!["a\u{7}".into()], ..changed.clone() }),
            ("body_id", meetings::MeetingInput { body_id: 999, ..changed.clone() }),
            ("present", meetings::MeetingInput { present: vec![999], ..changed.clone() }),
        ] {
            let error = meetings::create(db, MEGURO, &input, AuditEvent::cli("write")).await.unwrap_err();
            let named = match error {
                StoreError::InvalidDate(f) | StoreError::UnknownCode(f) | StoreError::InvalidText(f) => f,
                other => panic!("{field}: {other:?}"),
            };
            assert_eq!(named, field, "{backend:?}");
        }
        let after =
            (count(db, "council_meeting").await, count(db, "meeting_decision").await, count(db, "audit_log").await);
        assert_eq!(after, rows, "{backend:?}: a refused input writes nothing");

        // Action items: the menu code must be on the year's menu; a stale change is refused.
        let item = actions::ActionInput {
            title: "病床確保の仕組みを検討".into(),
            owner: "保健予防課".into(),
            due_on: "2022-09-30".into(),
            status: "open".into(),
            menu_code: "6".into(),
        };
        let bad = actions::ActionInput { menu_code: "99".into(), ..item.clone() };
        assert!(matches!(
            actions::add(db, MEGURO, id, &bad, AuditEvent::cli("write")).await,
            Err(StoreError::UnknownCode("menu_code"))
        ));
        let action = actions::add(db, MEGURO, id, &item, AuditEvent::cli("write")).await.unwrap();
        let done = actions::ActionInput { status: "done".into(), ..item.clone() };
        assert_eq!(actions::update(db, MEGURO, action, 1, &done, AuditEvent::cli("write")).await.unwrap(), 2);
        assert!(matches!(
            actions::update(db, MEGURO, action, 1, &item, AuditEvent::cli("write")).await,
            Err(StoreError::StaleRevision(Record::ActionItem))
        ));
        let open = actions::list(db, MEGURO, Some(nimo_domain::council::ActionStatus::Open)).await.unwrap();
        assert!(open.is_empty(), "{backend:?}");
        assert!(!actions::get(db, MEGURO, action).await.unwrap().overdue("2023-01-01"), "a done item is not overdue");

        // Without its audit row nothing is written.
        refuse_audit_appends(db).await.unwrap();
        let before = count(db, "council_meeting").await;
        assert!(meetings::create(db, MEGURO, &changed, AuditEvent::cli("write")).await.is_err());
        assert!(meetings::update(db, MEGURO, id, 2, &changed, AuditEvent::cli("write")).await.is_err());
        assert_eq!(count(db, "council_meeting").await, before, "{backend:?}");
        nimo_store::testing::allow_audit_appends(db).await.unwrap();
        assert_eq!(meetings::load(db, MEGURO, id).await.unwrap().meeting.revision, 2, "{backend:?}");
    }
}

#[tokio::test]
async fn a_history_line_keeps_its_meeting_through_save_and_load() {
    for backend in backends() {
        let t = TestDb::new(backend).await.unwrap();
        let db = &t.db;
        let mut sheet = nimo_domain::demo::meguro_r4();
        let record = RecordRef { kind: RecordKind::Meeting, id: 42 };
        sheet.history.push(HistoryEvent {
            date: nimo_domain::PartialDate::month(2022, 7),
            text: "令和4年度第1回協議会を開催".into(),
            record: Some(record),
        });
        sheets::save(db, &sheet, sheets::SaveMode::Create, AuditEvent::cli("import")).await.unwrap();
        let loaded = sheets::load(db, &sheet.municipality.code, sheet.fiscal_year).await.unwrap().sheet;
        assert_eq!(loaded.history.last().unwrap().record, Some(record), "{backend:?}");
        assert_eq!(loaded.history[0].record, None);
    }
}
