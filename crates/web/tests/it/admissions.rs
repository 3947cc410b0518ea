//! Admissions and legal clocks through HTTP: after a 緊急措置 disposition a 保健師 records the
//! admission (a bad form comes back 422 beside its field, nothing saved); its 72 hours show on the
//! admission page, run out on the app's clock and then show as overdue on the clock board, the
//! start page, the case page and the worklist; the 措置診察 that makes it a 措置入院 stops the clock.
//! A 地区担当 of another 地区 sees neither the admission (404, `denied` row) nor its clock.

use crate::for_each_backend;
use crate::harness::{Client, TestApp, account_in_scope, form};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Role, Scope};
use time::Duration;

const INTAKE: &[(&str, &str)] = &[
    ("received_at", "2024-06-01T10:30"),
    ("police_station", "目黒警察署"),
    ("district", "西部"),
    ("resident", "1"),
    ("circumstances", "路上で保護、警察官が通報"),
    ("next_due_on", "2024-06-02"),
    ("name_kana", "みほん じろう"),
    ("name_kanji", "見本 次郎"),
    ("birth_date", "1988-08-08"),
    ("sex", "m"),
    ("address", "見本町7-7"),
    ("contact", "000-7777-0000"),
];

fn revision_of(html: &str) -> String {
    let at = html.find("name=\"revision\" value=\"").expect("a step form") + "name=\"revision\" value=\"".len();
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db.pool).await.unwrap()
}

/// Japan wall time to the minute as a `datetime-local` field sends it.
fn typed(at: time::OffsetDateTime) -> String {
    nimo_web::display::jst_minute(at).replace(' ', "T")
}

/// A case of 西部 taken in and examined: one 指定医 found 要措置, disposition 緊急措置入院.
pub(crate) async fn a_kinkyu_case(app: &TestApp) -> String {
    let (status, location, body) = app.post_form("/municipalities/131105/cases", &form(INTAKE)).await;
    assert_eq!(status, 303, "{body}");
    let case = location.unwrap().split('?').next().unwrap().to_string();
    for fields in [
        vec![("event", "start_investigation"), ("occurred_on", "2024-06-01"), ("staff_count", "2")],
        vec![("event", "order_exam"), ("occurred_on", "2024-06-01")],
        vec![
            ("event", "examine"),
            ("occurred_time", "14:00"),
            ("occurred_on", "2024-06-01"),
            ("first", "needs_sochi"),
            ("disposition", "kinkyu_sochi"),
            ("hospital", "見本記念病院"),
        ],
    ] {
        let (_, page) = app.get(&case).await;
        let mut fields = form(&fields);
        fields.push(("revision".into(), revision_of(&page)));
        let (status, _, body) = app.post_form(&format!("{case}/events"), &fields).await;
        assert_eq!(status, 303, "{body}");
    }
    case
}

/// Records the admission 71 h 50 min before now; returns the admission page's path.
pub(crate) async fn admitted(app: &TestApp, case: &str) -> String {
    let at = app.clock.now() - Duration::hours(71) - Duration::minutes(50);
    let fields = form(&[("hospital_name", "見本記念病院"), ("form", "kinkyu_sochi"), ("occurred_at", &typed(at))]);
    let (status, location, body) = app.post_form(&format!("{case}/admissions"), &fields).await;
    assert_eq!(status, 303, "{body}");
    location.unwrap()
}

#[tokio::test]
async fn a_kinkyu_sochi_runs_out_on_the_board_and_the_case_page_until_the_exam_stops_it() {
    for_each_backend(|app| async move {
        let case = a_kinkyu_case(&app).await;
        let (_, page) = app.get(&case).await;
        assert!(page.contains(&format!("href=\"{case}/admissions\"")), "the case page offers the admission");
        let (status, new) = app.get(&format!("{case}/admissions")).await;
        assert_eq!(status, 200);
        assert!(new.contains("value=\"kinkyu_sochi\" selected") && new.contains("value=\"見本記念病院\""), "{new}");
        // Without a 入院形態 and with a malformed time: refused beside the fields, nothing saved.
        let bad = form(&[("hospital_name", "見本記念病院"), ("form", ""), ("occurred_at", "6月1日")]);
        let (status, _, body) = app.post_form(&format!("{case}/admissions"), &bad).await;
        assert_eq!(status, 422);
        assert!(body.contains("入力に誤りが 2 か所あります") && body.contains("入院形態を選んでください"), "{body}");
        assert!(body.contains("入院日時を「2024-06-01 22:15」のように日付と時刻で入力してください"));
        assert_eq!(count(&app, "SELECT COUNT(*) FROM admission").await, 0);

        let admission = admitted(&app, &case).await;
        let (status, page) = app.get(&admission).await;
        assert_eq!(status, 200);
        let admitted_at = app.clock.now() - Duration::hours(71) - Duration::minutes(50);
        let deadline = nimo_web::display::jst_minute(admitted_at + Duration::hours(72));
        assert!(page.contains("緊急措置入院（72時間）") && page.contains("精神保健福祉法29条の2第3項"), "{page}");
        assert!(page.contains(&format!("{deadline}まで")) && page.contains("期限間近"), "{page}");
        assert!(!page.contains("期限を過ぎた法定期限があります"));

        // The 72 hours run out.
        app.clock.advance(Duration::minutes(15));
        let (status, board) = app.get("/municipalities/131105/clocks").await;
        assert_eq!(status, 200);
        assert!(board.contains("期限を過ぎた法定期限が 1 件あります") && board.contains(&admission), "{board}");
        assert!(
            board.contains("R6-") && !board.contains("見本 次郎") && !board.contains("みほん"),
            "no name on the board"
        );
        let (_, home) = app.get("/").await;
        assert!(home.contains("法定期限") && home.contains("badge overdue") && home.contains(&admission), "{home}");
        let (_, page) = app.get(&case).await;
        assert!(page.contains("期限を過ぎた法定期限があります"), "the case page marks it");
        let (_, worklist) = app.get("/municipalities/131105/cases").await;
        assert!(worklist.contains("法定期限超過"), "the worklist row marks it");

        // A change the law does not provide for is refused beside the field.
        let (_, page) = app.get(&admission).await;
        let now = typed(app.clock.now());
        let mut wrong = form(&[("event", "change_form"), ("occurred_at", &now), ("form", "okyu")]);
        wrong.push(("revision".into(), revision_of(&page)));
        let (status, _, body) = app.post_form(&format!("{admission}/events"), &wrong).await;
        assert_eq!(status, 422);
        assert!(body.contains("「緊急措置入院」から「応急入院」への入院形態の変更はできません"), "{body}");
        // The 措置診察: both 指定医 agree, the person stays as a 措置入院; the 72-hour clock stops.
        let mut exam = form(&[("event", "change_form"), ("occurred_at", &now), ("form", "sochi")]);
        exam.push(("revision".into(), revision_of(&page)));
        let (status, _, body) = app.post_form(&format!("{admission}/events"), &exam).await;
        assert_eq!(status, 303, "{body}");
        let (_, page) = app.get(&admission).await;
        assert!(page.contains("現在の入院形態</dt><dd>措置入院"), "{page}");
        assert!(page.contains("に停止") && !page.contains("期限を過ぎた法定期限があります"), "{page}");
        let (_, board) = app.get("/municipalities/131105/clocks").await;
        assert!(!board.contains("期限超過") && !board.contains("緊急措置入院（72時間）"), "{board}");
        // The person's timeline shows the admission and the change of 入院形態.
        let (_, case_page) = app.get(&case).await;
        let person = case_page.split("/people/").nth(1).unwrap().split('"').next().unwrap();
        let (_, timeline) = app.get(&format!("/municipalities/131105/people/{person}")).await;
        assert!(timeline.contains("見本記念病院・緊急措置入院") && timeline.contains("入院形態の変更"), "{timeline}");
        assert!(timeline.contains("見本記念病院・措置入院"));
        let audits = count(&app, "SELECT COUNT(*) FROM audit_log WHERE record_type = 'admission' AND action <> 'read'");
        assert_eq!(audits.await, 2, "the admission and the exam, each with its row");
    })
    .await;
}

#[tokio::test]
async fn another_districts_nurse_sees_neither_the_admission_nor_its_clock() {
    for_each_backend(|app| async move {
        let case = a_kinkyu_case(&app).await;
        let admission = admitted(&app, &case).await;
        let meguro = Some(MunicipalityCode::parse("131105").unwrap());
        let scope = Scope { municipality: meguro, district: Some("東部".into()), ..Scope::default() };
        let (_, codes) = account_in_scope(&app.db, "east-nurse", Role::Staff, scope, true).await;
        let east: Client = TestApp::client_for(&app, "east-nurse", &codes[0]).await;
        assert_eq!(east.get(&admission).await.0, 404);
        let denied = "SELECT COUNT(*) FROM audit_log WHERE action = 'denied' AND record_type = 'admission'";
        assert_eq!(count(&app, denied).await, 1);
        let (status, board) = east.get("/municipalities/131105/clocks").await;
        assert_eq!(status, 200);
        assert!(board.contains("進行中の法定期限はありません") && !board.contains(&admission), "{board}");
        let (_, home) = east.get("/").await;
        assert!(!home.contains(&admission), "the start page is 地区-scoped too");
        // The 西部 nurse's board has it.
        let (_, board) = app.get("/municipalities/131105/clocks").await;
        assert!(board.contains(&admission) && board.contains("期限間近"), "{board}");
    })
    .await;
}
