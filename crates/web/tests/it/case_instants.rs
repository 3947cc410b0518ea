//! Instants where the law counts hours, through HTTP: the start of police 保護 typed at intake (in
//! Japan time) is stored as a UTC instant, shown back in JST, and runs the 警職法3条 24-hour clock
//! to the minute on the case page, the clock board and the worklist until its end is recorded; a
//! 措置診察 needs its time and is stored and shown at its instant; an event recorded with its date
//! only (every event before migration 0020) reads 時刻不明.

use crate::for_each_backend;
use crate::harness::{TestApp, form};
use time::{Duration, OffsetDateTime};

const INTAKE: &[(&str, &str)] = &[
    ("received_at", "2024-06-01T10:30"),
    ("police_station", "目黒警察署"),
    ("district", "西部"),
    ("resident", "1"),
    ("circumstances", "路上で保護、警察官が通報"),
    ("name_kana", "みほん さぶろう"),
    ("name_kanji", "見本 三郎"),
    ("birth_date", "1977-07-07"),
    ("sex", "m"),
    ("address", "見本町3-3"),
    ("contact", "000-3333-0000"),
];

fn revision_of(html: &str) -> String {
    let at = html.find("name=\"revision\" value=\"").expect("a form") + "name=\"revision\" value=\"".len();
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

async fn text(app: &TestApp, sql: &str) -> Option<String> {
    sqlx::query_scalar(sql).fetch_one(&app.db.pool).await.unwrap()
}

/// Japan wall time to the minute as a `datetime-local` field sends it.
fn typed(at: OffsetDateTime) -> String {
    nimo_web::display::jst_minute(at).replace(' ', "T")
}

/// The app's clock to the minute.
fn minute(at: OffsetDateTime) -> OffsetDateTime {
    at.replace_second(0).unwrap().replace_nanosecond(0).unwrap()
}

async fn intake(app: &TestApp, protection: Option<&str>) -> String {
    let mut fields = form(INTAKE);
    if let Some(at) = protection {
        fields.push(("protection_started_at".into(), at.into()));
    }
    let (status, location, body) = app.post_form("/municipalities/131105/cases", &fields).await;
    assert_eq!(status, 303, "{body}");
    location.unwrap().split('?').next().unwrap().to_string()
}

#[tokio::test]
async fn police_protection_typed_at_intake_runs_its_24_hours_to_the_minute_until_its_end_is_recorded() {
    for_each_backend(|app| async move {
        let start = minute(app.clock.now()) - Duration::hours(23) - Duration::minutes(50);
        let case = intake(&app, Some(&typed(start))).await;
        let id = case.rsplit('/').next().unwrap();
        // Stored as a UTC instant, shown back in Japan time.
        let stored = text(&app, &format!("SELECT protection_started_at FROM report23 WHERE id = {id}")).await;
        assert_eq!(
            OffsetDateTime::parse(&stored.clone().unwrap(), &time::format_description::well_known::Rfc3339).unwrap(),
            start
        );
        assert!(stored.unwrap().ends_with('Z'), "UTC in the database");
        let (status, page) = app.get(&case).await;
        assert_eq!(status, 200);
        let shown = nimo_web::display::jst_minute(start);
        assert!(page.contains(&format!("保護の開始</dt><dd>{shown}")), "{page}");
        assert!(page.contains(&format!("value=\"{}\"", typed(start))), "the form shows the recorded start");
        let deadline = nimo_web::display::jst_minute(start + Duration::hours(24));
        assert!(page.contains("警察官による保護（24時間）") && page.contains("警察官職務執行法3条3項"), "{page}");
        assert!(
            page.contains(&format!("{deadline}まで")) && (page.contains("あと9分") || page.contains("あと10分")),
            "{page}"
        );
        let (_, board) = app.get("/municipalities/131105/clocks").await;
        assert!(board.contains(&format!("{case}#protection")) && board.contains("期限間近"), "{board}");

        // The 24 hours run out at the minute.
        app.clock.advance(Duration::minutes(10));
        let (_, board) = app.get("/municipalities/131105/clocks").await;
        assert!(board.contains("期限を過ぎた法定期限が 1 件あります") && board.contains("0分超過"), "{board}");
        assert!(!board.contains("見本 三郎") && !board.contains("みほん"), "no name on the board");
        let (_, page) = app.get(&case).await;
        assert!(page.contains("期限超過"), "{page}");
        let (_, worklist) = app.get("/municipalities/131105/cases").await;
        assert!(worklist.contains("法定期限超過"), "the worklist row marks it");

        // An end before the start is refused beside its field; nothing changes.
        let before = typed(start - Duration::hours(1));
        let mut bad = form(&[("started_at", &typed(start)), ("ended_at", &before)]);
        bad.push(("revision".into(), revision_of(&page)));
        let (status, _, body) = app.post_form(&format!("{case}/protection"), &bad).await;
        assert_eq!(status, 422);
        assert!(body.contains("保護の終了日時は開始日時より後にしてください"), "{body}");
        assert_eq!(text(&app, &format!("SELECT protection_ended_at FROM report23 WHERE id = {id}")).await, None);

        // The end recorded: the clock stops there, the board no longer lists it.
        let end = start + Duration::hours(23);
        let mut good = form(&[("started_at", &typed(start)), ("ended_at", &typed(end))]);
        good.push(("revision".into(), revision_of(&page)));
        let (status, _, body) = app.post_form(&format!("{case}/protection"), &good).await;
        assert_eq!(status, 303, "{body}");
        let (_, page) = app.get(&case).await;
        assert!(page.contains(&format!("{} に停止", nimo_web::display::jst_minute(end))), "{page}");
        let (_, board) = app.get("/municipalities/131105/clocks").await;
        assert!(!board.contains(&format!("{case}#protection")), "{board}");
        let audits = format!(
            "SELECT COUNT(*) FROM audit_log WHERE record_type = 'case' AND record_id = '{id}' AND detail = 'protection'"
        );
        let written: i64 = sqlx::query_scalar(&audits).fetch_one(&app.db.pool).await.unwrap();
        assert_eq!(written, 1, "the change has its audit row");
    })
    .await;
}

#[tokio::test]
async fn a_measure_examination_needs_its_time_and_is_shown_at_its_instant() {
    for_each_backend(|app| async move {
        let case = intake(&app, None).await;
        let (_, page) = app.get(&case).await;
        assert!(page.contains("保護の開始</dt><dd>記録なし"), "{page}");
        for fields in [
            vec![("event", "start_investigation"), ("occurred_on", "2024-06-01"), ("staff_count", "2")],
            vec![("event", "order_exam"), ("occurred_on", "2024-06-01"), ("occurred_time", "")],
        ] {
            let (_, page) = app.get(&case).await;
            let mut fields = form(&fields);
            fields.push(("revision".into(), revision_of(&page)));
            let (status, _, body) = app.post_form(&format!("{case}/events"), &fields).await;
            assert_eq!(status, 303, "{body}");
        }
        let exam = |time: &'static str| {
            vec![
                ("event", "examine"),
                ("occurred_on", "2024-06-01"),
                ("occurred_time", time),
                ("first", "needs_sochi"),
                ("second", "needs_sochi"),
                ("disposition", "sochi"),
                ("hospital", "見本記念病院"),
            ]
        };
        let (_, page) = app.get(&case).await;
        assert!(page.contains("（時刻不明）"), "a step without its time reads 時刻不明: {page}");
        for (bad, reason) in
            [("", "措置診察の時刻を「14:30」の形で入力してください"), ("25:00", "時刻を「14:30」の形で")]
        {
            let mut fields = form(&exam(bad));
            fields.push(("revision".into(), revision_of(&page)));
            let (status, _, body) = app.post_form(&format!("{case}/events"), &fields).await;
            assert_eq!(status, 422, "{bad}");
            assert!(body.contains(reason), "{body}");
        }
        let mut fields = form(&exam("23:05"));
        fields.push(("revision".into(), revision_of(&page)));
        let (status, _, body) = app.post_form(&format!("{case}/events"), &fields).await;
        assert_eq!(status, 303, "{body}");
        let id = case.rsplit('/').next().unwrap();
        let sql = format!("SELECT occurred_at FROM case_event WHERE case_id = {id} AND kind = 'examine'");
        let stored = text(&app, &sql).await;
        assert_eq!(stored.as_deref(), Some("2024-06-01T14:05:00.000000Z"), "UTC in the database");
        let (_, page) = app.get(&case).await;
        assert!(page.contains("<strong>2024-06-01 23:05</strong> 措置診察"), "{page}");
        assert!(page.contains("<strong>2024-06-01 10:30</strong>"), "the intake at the receipt's minute");
    })
    .await;
}

#[tokio::test]
async fn events_stored_with_their_date_only_read_as_time_unknown() {
    for_each_backend(|app| async move {
        let case = intake(&app, None).await;
        let id = case.rsplit('/').next().unwrap();
        // As every event recorded before migration 0020 is.
        sqlx::query(&format!("UPDATE case_event SET occurred_at = NULL WHERE case_id = {id}"))
            .execute(&app.db.pool)
            .await
            .unwrap();
        let (status, page) = app.get(&case).await;
        assert_eq!(status, 200);
        assert!(page.contains("<strong>2024-06-01（時刻不明）</strong>"), "{page}");
        assert!(page.contains("保護の開始</dt><dd>記録なし"));
    })
    .await;
}
