//! Moving a legal clock's deadline through HTTP (issue 14 item 4): only the administrator may
//! (staff get 403); a 簡易裁判所's 許可状 extends the police 保護 clock (警職法3条3項ただし書・4項)
//! and the case page, the board and the worklist follow the moved deadline while the case page
//! shows both dates; a deadline before the start, a bad code, a 許可状 beyond 5 days and a stale
//! page are refused naming the field, with nothing written; a revert is another move, and each
//! move has its audit row.

use crate::admin::admin_client;
use crate::for_each_backend;
use crate::harness::{TestApp, form};
use time::{Duration, OffsetDateTime};

const INTAKE: &[(&str, &str)] = &[
    ("received_at", "2024-06-01T10:30"),
    ("police_station", "目黒警察署"),
    ("district", "西部"),
    ("resident", "1"),
    ("circumstances", "路上で保護、警察官が通報"),
    ("name_kana", "みほん しろう"),
    ("name_kanji", "見本 四郎"),
    ("birth_date", "1980-08-08"),
    ("sex", "m"),
    ("address", "見本町4-4"),
    ("contact", "000-4444-0000"),
];

const MOVES: &str = "/municipalities/131105/clocks/moves";

fn typed(at: OffsetDateTime) -> String {
    nimo_web::display::jst_minute(at).replace(' ', "T")
}

fn minute(at: OffsetDateTime) -> OffsetDateTime {
    at.replace_second(0).unwrap().replace_nanosecond(0).unwrap()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db.pool).await.unwrap()
}

fn movement(
    id: &str,
    start: OffsetDateTime,
    seen: u32,
    deadline: &str,
    reason: &str,
    note: &str,
) -> Vec<(String, String)> {
    form(&[
        ("record", &format!("case:{id}")),
        ("rule", "police_protection"),
        ("started", &start.unix_timestamp().to_string()),
        ("seen", &seen.to_string()),
        ("deadline", deadline),
        ("reason", reason),
        ("note", note),
    ])
}

#[tokio::test]
async fn an_administrator_extends_police_protection_by_warrant_and_every_page_keeps_both_dates() {
    for_each_backend(|app| async move {
        let start = minute(app.clock.now()) - Duration::hours(23) - Duration::minutes(55);
        let mut fields = form(INTAKE);
        fields.push(("protection_started_at".into(), typed(start)));
        let (status, location, body) = app.post_form("/municipalities/131105/cases", &fields).await;
        assert_eq!(status, 303, "{body}");
        let case = location.unwrap().split('?').next().unwrap().to_string();
        let id = case.rsplit('/').next().unwrap().to_string();
        let moves_of_case = format!("SELECT COUNT(*) FROM clock_move WHERE record_type = 'case' AND record_id = {id}");

        // Staff may not move a deadline, nor see the page.
        assert_eq!(app.get(MOVES).await.0, 403);
        let warrant_end = start + Duration::hours(72);
        let warrant = movement(&id, start, 0, &typed(warrant_end), "court_warrant", "");
        assert_eq!(app.post_form(MOVES, &warrant).await.0, 403);
        assert_eq!(count(&app, &moves_of_case).await, 0);

        let admin = admin_client(&app, "clockadmin").await;
        // The 地区 page links the administrator (only) to the page.
        let link = format!("href=\"{MOVES}\"");
        assert!(admin.get("/municipalities/131105/districts").await.1.contains(&link));
        assert!(!app.get("/municipalities/131105/districts").await.1.contains(&link));
        let (status, page) = admin.get(MOVES).await;
        assert_eq!(status, 200, "{page}");
        assert!(
            page.contains(&format!("value=\"case:{id}\"")) && page.contains("警察官による保護（24時間）"),
            "{page}"
        );
        assert!(
            page.contains("裁判官の許可状による延長（警職法3条3項ただし書）") && page.contains("記録時刻の誤り訂正")
        );
        assert!(!page.contains("見本 四郎") && !page.contains("みほん"), "no name on the page");

        // Refusals name their field; nothing is written.
        let refusals = [
            (movement(&id, start, 0, &typed(warrant_end), "whim", ""), "理由: 一覧から選んでください"),
            (
                movement(&id, start, 0, &typed(start - Duration::hours(1)), "calculation_error", ""),
                "新しい期限: 期限の起点（開始日時）より後",
            ),
            (
                movement(&id, start, 0, &typed(start + Duration::hours(2)), "other", ""),
                "備考: 「その他」を選んだときは",
            ),
            (
                movement(
                    &id,
                    start,
                    0,
                    &typed(start + Duration::hours(24 * 6) + Duration::minutes(1)),
                    "court_warrant",
                    "",
                ),
                "許可状による延長は現在の期限より後、保護の開始から通じて6日",
            ),
            (movement(&id, start, 0, "明日", "court_warrant", ""), "新しい期限: 日時を"),
        ];
        for (fields, message) in refusals {
            let (status, _, body) = admin.post_form(MOVES, &fields).await;
            assert_eq!(status, 422, "{body}");
            assert!(body.contains(message), "{message}: {body}");
        }
        assert_eq!(count(&app, &moves_of_case).await, 0, "nothing written");

        // The warrant moves the 24 hours to its end, with its audit row.
        let (status, location, body) = admin.post_form(MOVES, &warrant).await;
        assert_eq!(status, 303, "{body}");
        assert!(location.unwrap().ends_with("notice=saved"));
        assert_eq!(count(&app, &moves_of_case).await, 1);
        let audited = "SELECT COUNT(*) FROM audit_log WHERE action = 'clock_move' AND record_type = 'clock_move' \
                       AND detail = 'court_warrant'";
        assert_eq!(count(&app, audited).await, 1);
        // The same page posted again is stale.
        let (status, _, body) = admin.post_form(MOVES, &warrant).await;
        assert_eq!(status, 409, "{body}");
        assert!(body.contains("この期限は表示した後に変更されたか"), "{body}");
        assert_eq!(count(&app, &moves_of_case).await, 1);

        // Past the 24 hours, the case runs to the warrant's end: not overdue anywhere.
        app.clock.advance(Duration::minutes(10));
        let (status, page) = app.get(&case).await;
        assert_eq!(status, 200);
        let original = nimo_web::display::jst_minute(start + Duration::hours(24));
        let moved = nimo_web::display::jst_minute(warrant_end);
        let both =
            format!("{moved}まで（当初 {original}まで、変更: 裁判官の許可状による延長（警職法3条3項ただし書））");
        assert!(page.contains(&both), "{page}");
        assert!(!page.contains("期限超過"), "{page}");
        let (_, board) = app.get("/municipalities/131105/clocks").await;
        assert!(board.contains(&both) && !board.contains("期限を過ぎた法定期限"), "{board}");
        let (_, worklist) = app.get("/municipalities/131105/cases").await;
        assert!(!worklist.contains("法定期限超過"), "{worklist}");

        // A revert is another move; the history keeps both, and the clock is overdue again.
        let revert = movement(&id, start, 1, &typed(start + Duration::hours(24)), "other", "許可状の記録誤り");
        let (status, _, body) = admin.post_form(MOVES, &revert).await;
        assert_eq!(status, 303, "{body}");
        assert_eq!(count(&app, &moves_of_case).await, 2);
        let (_, board) = app.get("/municipalities/131105/clocks").await;
        assert!(board.contains("期限を過ぎた法定期限が 1 件あります"), "{board}");
        assert!(board.contains("変更: その他（理由を記載）"), "{board}");
        let (_, page) = admin.get(MOVES).await;
        assert!(page.contains("許可状の記録誤り") && page.contains("裁判官の許可状による延長"), "{page}");
        let sealed: Option<String> =
            sqlx::query_scalar(&format!("SELECT note_sealed FROM clock_move WHERE record_id = {id} AND seq = 2"))
                .fetch_one(&app.db.pool)
                .await
                .unwrap();
        assert!(!sealed.unwrap().contains("許可状"), "the note is sealed");
    })
    .await;
}

/// The value of the hidden input `name` in the move form that follows `after` in the page.
fn hidden(page: &str, after: &str, name: &str) -> String {
    let from = page.find(after).expect("the clock's form");
    let rest = &page[from..];
    let marker = format!("name=\"{name}\" value=\"");
    let at = rest.find(&marker).expect("the field") + marker.len();
    rest[at..at + rest[at..].find('"').unwrap()].to_string()
}

#[tokio::test]
async fn a_moved_mayor_consent_deadline_shows_both_dates_on_the_request_page() {
    for_each_backend(|app| async move {
        let (status, location, body) = app.post_form("/municipalities/131105/cases", &form(INTAKE)).await;
        assert_eq!(status, 303, "{body}");
        let (_, case) = app.get(location.unwrap().split('?').next().unwrap()).await;
        let person = case.split("/people/").nth(1).unwrap().split('"').next().unwrap().to_string();
        let request = form(&[
            ("hospital_id", ""),
            ("hospital_name", "見本記念病院"),
            ("requested_at", &typed(minute(app.clock.now()) - Duration::hours(2))),
            ("admission_on", &nimo_web::display::jst_minute(app.clock.now())[..10]),
            ("note", ""),
        ]);
        let (status, location, body) =
            app.post_form(&format!("/municipalities/131105/people/{person}/consents"), &request).await;
        assert_eq!(status, 303, "{body}");
        let consent = location.unwrap();
        let id = consent.rsplit('/').next().unwrap().split('?').next().unwrap().to_string();
        let admin = admin_client(&app, "consentadmin").await;
        let (_, page) = admin.get(MOVES).await;
        let record = format!("value=\"consent:{id}\"");
        let (rule, started) = (hidden(&page, &record, "rule"), hidden(&page, &record, "started"));
        let to = minute(app.clock.now()) + Duration::days(2);
        let fields = form(&[
            ("record", &format!("consent:{id}")),
            ("rule", &rule),
            ("started", &started),
            ("seen", "0"),
            ("deadline", &typed(to)),
            ("reason", "calculation_error"),
            ("note", ""),
        ]);
        let (status, _, body) = admin.post_form(MOVES, &fields).await;
        assert_eq!(status, 303, "{body}");
        let (status, html) = app.get(consent.split('?').next().unwrap()).await;
        assert_eq!(status, 200);
        let shown = format!("{}まで（当初 ", nimo_web::display::jst_minute(to));
        assert!(html.contains(&shown) && html.contains("変更: 期間計算の誤り訂正"), "{html}");
    })
    .await;
}
