//! The network's PDCA through HTTP on every backend: a 普及啓発 event recorded on its form (a bad
//! one refused beside its fields) shows in the year's list and counts, the API, the sheet's
//! section 6 (実施済 with its title; 未実施 for a past month), the calendar and the iCalendar feed,
//! which a parser crate reads back (UIDs, all-day dates, escaping, folding at 75 octets); section
//! 5 becomes actions once and an action moves; a 協議の場 member and the administrator read but
//! cannot write, another municipality's staff is refused.

use crate::for_each_backend;
use crate::harness::{TestApp, account_in_scope, form};
use icalendar::Component;
use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Role, Scope};

const EVENTS: &str = "/municipalities/131105/events";
const LONG_TITLE: &str =
    "令和4年度 第1回 精神保健講演会「こころの不調に気づいたら、地域でできること; 家族と当事者の声から考える」";

fn event_form(title: &str, day: &str, item: &str, status: &str) -> Vec<(String, String)> {
    form(&[
        ("held_on", day),
        ("title", title),
        ("kind", "lecture"),
        ("audience", "区民・当事者・家族"),
        ("participants", "120"),
        ("partners", "目黒区家族会\n目黒区医師会"),
        ("materials", "リーフレット"),
        ("status", status),
        ("schedule_item", item),
    ])
}

#[tokio::test]
async fn an_event_recorded_on_its_form_fulfils_section_6_and_is_in_the_feed() {
    for_each_backend(|app| async move {
        assert_eq!(app.get(&format!("{EVENTS}/new")).await.0, 200);

        let mut bad = event_form("", "2022-02-30", "", "held");
        crate::harness::set(&mut bad, "participants", "-3");
        let (status, _, page) = app.post_form(EVENTS, &bad).await;
        assert_eq!(status, 422);
        for reason in ["開催日: 実在する日付", "テーマ・名称: 入力してください", "参加者数: 0以上の整数"]
        {
            assert!(page.contains(reason), "{reason}");
        }

        let good = event_form(LONG_TITLE, "2022-08-20", "普及啓発（区民・当事者・家族）", "held");
        let (status, location, _) = app.post_form(EVENTS, &good).await;
        assert_eq!((status, location.as_deref()), (303, Some("/municipalities/131105/events?fy=2022&notice=created")));
        let cancelled = event_form("講演会, 第3回; 中止", "2022-12-03", "普及啓発（区民・当事者・家族）", "cancelled");
        assert_eq!(app.post_form(EVENTS, &cancelled).await.0, 303);

        let id: i64 = sqlx::query_scalar("SELECT MIN(id) FROM awareness_event").fetch_one(&app.db.pool).await.unwrap();
        let (_, edit) = app.get(&format!("{EVENTS}/{id}")).await;
        assert!(
            edit.contains("<option value=\"普及啓発（区民・当事者・家族）\">"),
            "the year's sheet items are offered"
        );
        let (_, list) = app.get("/municipalities/131105/events?fy=2022").await;
        assert!(list.contains("実施 1回（参加 延べ120人）、予定 0回、中止 1回"), "{list}");
        assert!(list.contains("令和4年8月20日"));

        let (status, headers, body) = app.get_bytes("/api/v1/municipalities/131105/events?fy=2022").await;
        assert_eq!(status, 200);
        assert!(headers["content-type"].to_str().unwrap().starts_with("application/json"));
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!((json["held"].as_i64(), json["cancelled"].as_i64()), (Some(1), Some(1)));
        assert_eq!(json["events"][0]["partners"], serde_json::json!(["目黒区家族会", "目黒区医師会"]));
        assert_eq!(app.get("/api/v1/municipalities/131105/events?fy=1800").await.0, 404);

        let (_, sheet) = app.get("/municipalities/131105/sheets/2022").await;
        let august = sheet.split("<td>令和4年8月</td>").nth(1).unwrap().split("</tr>").next().unwrap();
        assert!(
            august.contains("実施済") && august.contains("令和4年8月20日") && august.contains("精神保健講演会"),
            "{august}"
        );
        let december = sheet.split("<td>令和4年12月</td>").nth(1).unwrap().split("</tr>").next().unwrap();
        assert!(december.contains("未実施"), "a cancelled event does not count: {december}");

        let (_, calendar) = app.get("/municipalities/131105/calendar/2022").await;
        assert!(calendar.contains("<h2>4月</h2>") && calendar.contains("<h2>3月</h2>"));
        assert!(calendar.contains("講演会, 第3回; 中止</a>（中止）"), "{calendar}");

        let (status, headers, bytes) = app.get_bytes("/municipalities/131105/calendar.ics").await;
        assert_eq!(status, 200);
        assert_eq!(headers["content-type"], "text/calendar; charset=utf-8");
        let text = String::from_utf8(bytes).expect("UTF-8: no character split");
        for line in text.split("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        assert!(text.contains("SUMMARY:講演会\\, 第3回\\; 中止\r\n"), "escaped");
        assert!(text.contains("\r\n "), "the long title is folded");
        let parsed: icalendar::Calendar = text.parse().expect("the feed parses");
        let events: Vec<&icalendar::Event> = parsed.components.iter().filter_map(|c| c.as_event()).collect();
        assert_eq!(events.len(), 2);
        let uids: Vec<&str> = events.iter().map(|e| e.get_uid().unwrap()).collect();
        assert!(uids.iter().all(|u| u.starts_with("event-") && u.ends_with("@131105.nimo")), "{uids:?}");
        let lecture = events.iter().find(|e| e.get_uid() == Some(uids[0])).unwrap();
        assert_eq!(lecture.property_value("DTSTART"), Some("20220820"));
        assert_eq!(lecture.get_summary(), Some(LONG_TITLE), "unfolded and unescaped, whole");
        let again = app.get_bytes("/municipalities/131105/calendar.ics").await.2;
        assert_eq!(String::from_utf8(again).unwrap(), text, "the same records give the same feed");
    })
    .await;
}

#[tokio::test]
async fn section_5_becomes_actions_once_and_readers_cannot_write() {
    for_each_backend(|app| async move {
        let (status, location, _) = app.post_form("/municipalities/131105/actions/2022/from-sheet", &form(&[])).await;
        assert_eq!((status, location.as_deref()), (303, Some("/municipalities/131105/actions/2022?notice=made-7")));
        let (_, location, _) = app.post_form("/municipalities/131105/actions/2022/from-sheet", &form(&[])).await;
        assert_eq!(location.as_deref(), Some("/municipalities/131105/actions/2022?notice=made-0"));
        let (_, page) = app.get("/municipalities/131105/actions/2022").await;
        assert!(page.contains("①地域関係機関に向けた普及啓発（新規）") && page.contains("未着手 7件"), "{page}");
        let id: i64 = sqlx::query_scalar("SELECT MIN(id) FROM pdca_action").fetch_one(&app.db.pool).await.unwrap();
        let path = format!("/municipalities/131105/actions/2022/{id}");
        let moved = form(&[
            ("owner", "保健予防課"),
            ("status", "in_progress"),
            ("progress", "関係機関へ周知"),
            ("revision", "1"),
        ]);
        let (status, _, _) = app.post_form(&path, &moved).await;
        assert_eq!(status, 303);
        let (_, page) = app.get("/municipalities/131105/actions/2022").await;
        assert!(page.contains("実施中") && page.contains("保健予防課") && page.contains("未着手 → "), "{page}");
        assert_eq!(app.post_form(&path, &moved).await.0, 409, "a stale revision");

        let meguro = Scope { municipality: Some(MunicipalityCode::parse("131105").unwrap()), ..Scope::default() };
        let (_, codes) = account_in_scope(&app.db, "kyogi", Role::CouncilMember, meguro, true).await;
        let council = match codes.first() {
            Some(code) => TestApp::client_for(&app, "kyogi", code).await,
            None => TestApp::client_for_password_only(&app, "kyogi").await,
        };
        let admin = crate::admin::admin_client(&app, "admin-pdca").await;
        let chiyoda = Scope { municipality: Some(MunicipalityCode::parse("131016").unwrap()), ..Scope::default() };
        let (_, other_codes) = account_in_scope(&app.db, "chiyoda", Role::Staff, chiyoda, true).await;
        let other = TestApp::client_for(&app, "chiyoda", &other_codes[0]).await;
        let event = event_form("講演会", "2022-08-20", "普及啓発", "held");
        assert_eq!(app.post_form(EVENTS, &event).await.0, 303);
        let event_id: i64 =
            sqlx::query_scalar("SELECT MIN(id) FROM awareness_event").fetch_one(&app.db.pool).await.unwrap();
        for reader in [&council, &admin] {
            for page in [format!("{EVENTS}/{event_id}"), path.clone()] {
                let (status, body) = reader.get(&page).await;
                assert_eq!(status, 200, "{page}");
                assert!(
                    body.contains("閲覧のみです")
                        && !body.contains("<form method=\"post\" action=\"/municipalities/131105/"),
                    "{page}"
                );
            }
            for page in ["/municipalities/131105/actions/2022", EVENTS, "/municipalities/131105/calendar/2022"] {
                let (status, body) = reader.get(page).await;
                assert_eq!(status, 200, "{page}");
                assert!(!body.contains("第5節から取組を作成") && !body.contains("普及啓発を登録する"), "not offered");
            }
            assert_eq!(reader.get("/municipalities/131105/calendar.ics").await.0, 200);
            assert_eq!(reader.post_form(EVENTS, &event).await.0, 403);
            assert_eq!(reader.post_form(&path, &moved).await.0, 403);
        }
        for page in ["/municipalities/131105/actions/2022", EVENTS, "/municipalities/131105/calendar.ics"] {
            assert_eq!(other.get(page).await.0, 403, "{page}");
        }
        assert_eq!(other.post_form(EVENTS, &event).await.0, 403);
        let events: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM awareness_event").fetch_one(&app.db.pool).await.unwrap();
        assert_eq!(events, 1, "only the staff's own event");
    })
    .await;
}

#[tokio::test]
async fn copying_the_sheet_carries_unfinished_actions_into_next_year() {
    for_each_backend(|app| async move {
        assert_eq!(app.post_form("/municipalities/131105/actions/2022/from-sheet", &form(&[])).await.0, 303);
        let id: i64 = sqlx::query_scalar("SELECT MIN(id) FROM pdca_action").fetch_one(&app.db.pool).await.unwrap();
        let done = form(&[("owner", "保健予防課"), ("status", "done"), ("progress", ""), ("revision", "1")]);
        assert_eq!(app.post_form(&format!("/municipalities/131105/actions/2022/{id}"), &done).await.0, 303);
        let (status, location, _) = app.post_form("/municipalities/131105/sheets/2022/copy", &form(&[])).await;
        assert_eq!((status, location.as_deref()), (303, Some("/municipalities/131105/sheets/2023?notice=copied")));
        let (_, next) = app.get("/municipalities/131105/actions/2023").await;
        assert_eq!(next.matches("前年度から継続").count(), 6, "every action but the 完了 one: {next}");
        assert!(!next.contains("①地域関係機関に向けた普及啓発（新規）"), "the 完了 one stays in 令和4年度");
        let (_, sheet) = app.get("/municipalities/131105/sheets/2023").await;
        let july =
            sheet.split("<td>令和5年7月</td>").nth(1).expect("the row moved a year on").split("</tr>").next().unwrap();
        assert!(
            july.contains("<span class=\"state slipped\">未実施</span>"),
            "next year's schedule starts undone: {july}"
        );
        assert!(!sheet.contains("<span class=\"state done\">実施済</span>"));
    })
    .await;
}
