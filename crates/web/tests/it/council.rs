//! The 協議の場's records through HTTP: staff record a body, a held 書面開催 meeting with its
//! decisions; the sheet's section 3 is proposed from it, saved, and marked 「会議の記録から」 on the
//! sheet page; section 4 ① counts it (「会議の記録から集計」); the council reads but cannot write,
//! another municipality's staff is refused, a stale change is 409, and the JSON API lists it.

use crate::for_each_backend;
use crate::harness::{TestApp, account_in_scope};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Role, Scope};

fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn scope(code: &str) -> Scope {
    Scope { municipality: Some(MunicipalityCode::parse(code).unwrap()), district: None, hospital: None }
}

#[tokio::test]
async fn council_a_held_meeting_becomes_a_marked_line_of_section_3_and_counts_for_section_4() {
    for_each_backend(|app| async move {
        let (status, location, body) = app
            .post_form(
                "/municipalities/131105/council",
                &form(&[("name", "目黒区精神保健福祉医療推進協議会"), ("kind", "kyogi_no_ba"), ("parent_id", "")]),
            )
            .await;
        assert_eq!(status, 303, "{body}");
        let body_id = location.unwrap().rsplit('/').next().unwrap().to_string();
        let meeting = |held_on: &str, title: &str| {
            form(&[
                ("body_id", &body_id),
                ("title", title),
                ("held_on", held_on),
                ("format", "written"),
                ("status", "held"),
                ("place", ""),
                ("agenda", "今年度の取組"),
                ("minutes", ""),
                ("decisions", "地域移行部会を設ける\r\n次回は7月に開催する"),
                ("schedule_item", "協議の場"),
            ])
        };
        // A bad date is refused beside its field, nothing saved.
        let (status, _, page) = app.post_form("/municipalities/131105/meetings", &meeting("2022-02-30", "")).await;
        assert_eq!(status, 422);
        assert!(page.contains("開催日: 日付を「2022-07-12」の形で入力してください"), "the field and the reason");
        let (status, location, page) =
            app.post_form("/municipalities/131105/meetings", &meeting("2022-01-20", "")).await;
        assert_eq!(status, 303, "{page}");
        let meeting_path = location.unwrap();
        let (_, list) = app.get("/municipalities/131105/meetings").await;
        assert!(
            list.contains("会議の一覧 <small>令和3年度</small>"),
            "the list opens on the latest year with meetings"
        );
        let (status, page) = app.get(&meeting_path).await;
        assert_eq!(status, 200);
        assert!(
            page.contains("令和3年度第1回目黒区精神保健福祉医療推進協議会")
                && page.contains("<li>地域移行部会を設ける</li>")
        );

        // A change from an old revision is refused (409) and changes nothing.
        let mut stale = meeting("2022-01-20", "");
        stale.push(("revision".into(), "0".into()));
        let (status, _, page) = app.post_form(&meeting_path, &stale).await;
        assert_eq!(status, 409);
        assert!(page.contains("他の職員が先にこの会議の記録を更新しました"));

        // Section 3 proposed from the meeting; the demo sheet's typed line of the same month and
        // text is tied to it rather than doubled.
        let (status, page) = app.get("/municipalities/131105/sheets/2022/history").await;
        assert_eq!(status, 200);
        let id = meeting_path.rsplit('/').next().unwrap();
        let record = format!("meeting:{id}");
        assert!(page.contains(&format!("value=\"{record}\"")), "the proposal carries the meeting");
        let csrf = crate::harness::csrf_of(&page).unwrap();
        let pairs = scrape_inputs(&page);
        let mut posted: Vec<(String, String)> = pairs.into_iter().filter(|(n, _)| n != "csrf").collect();
        posted.push(("csrf".into(), csrf));
        let (status, _, page) = app.post_form("/municipalities/131105/sheets/2022/history", &posted).await;
        assert_eq!(status, 303, "{page}");
        let (_, sheet) = app.get("/municipalities/131105/sheets/2022").await;
        assert!(sheet.contains("令和3年度第1回目黒区精神保健福祉医療推進協議会を開催（書面開催）"));
        assert!(sheet.contains(&format!(
            "href=\"/municipalities/131105/meetings/{id}\" title=\"会議の記録を見る\">会議の記録から</a>"
        )));
        assert!(sheet.contains("会議の記録から集計"), "section 4 ① is counted from the meetings");
        let stored = nimo_store::sheets::load(
            &app.db,
            &MunicipalityCode::parse("131105").unwrap(),
            nimo_domain::FiscalYear(2022),
        )
        .await
        .unwrap();
        let tied: Vec<_> = stored.sheet.history.iter().filter(|l| l.record.is_some()).collect();
        assert_eq!(tied.len(), 1, "one line tied, none doubled");

        // A forged record is refused whole.
        let forged = form(&[
            ("revision", "99"),
            ("rows", "1"),
            ("keep-0", "1"),
            ("date-0", "R4.7"),
            ("text-0", "x"),
            ("record-0", "meeting:999"),
        ]);
        let (status, _, _) = app.post_form("/municipalities/131105/sheets/2022/history", &forged).await;
        assert!(status == 409 || status == 422, "{status}");

        // The API lists it for the year.
        let (status, json) = app.get("/api/v1/municipalities/131105/meetings?fy=2021").await;
        assert_eq!(status, 200, "{json}");
        let list: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(list[0]["format"], "written");
        assert_eq!(list[0]["body_kind"], "kyogi_no_ba");
        let (status, json) = app.get(&format!("/api/v1/municipalities/131105/meetings/{id}")).await;
        assert_eq!(status, 200);
        let one: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(one["decisions"], serde_json::json!(["地域移行部会を設ける", "次回は7月に開催する"]));
        let (status, _) = app.get("/api/v1/municipalities/131105/meetings?fy=abc").await;
        assert_eq!(status, 422);

        // The council reads, offered no form, and may not write; another municipality's staff is refused.
        let (_, codes) = account_in_scope(&app.db, "council-reader", Role::CouncilMember, scope("131105"), false).await;
        drop(codes);
        let council = TestApp::client_for_password_only(&app, "council-reader").await;
        let (status, page) = council.get(&meeting_path).await;
        assert_eq!(status, 200);
        assert!(!page.contains("会議の記録を変更する"), "no edit form for the council");
        let (status, _, _) = council.post_form("/municipalities/131105/meetings", &meeting("2022-07-12", "")).await;
        assert_eq!(status, 403);
        let (_, codes) = account_in_scope(&app.db, "other-staff", Role::Staff, scope("131016"), true).await;
        let other = TestApp::client_for(&app, "other-staff", &codes[0]).await;
        let (status, _) = other.get(&meeting_path).await;
        assert_ne!(status, 200, "another municipality's staff is refused");
    })
    .await;
}

#[tokio::test]
async fn council_contacts_are_for_staff_and_a_write_needs_its_csrf_token() {
    for_each_backend(|app| async move {
        let body = [("name", "関係機関連絡会"), ("kind", "renrakukai"), ("parent_id", "")];
        let (status, _, _) = app
            .post_form("/municipalities/131105/council", &form(&[body[0], body[1], body[2], ("csrf", "forged")]))
            .await;
        assert_eq!(status, 403, "a forged token is refused");
        assert!(nimo_store::council::bodies(&app.db, "131105").await.unwrap().is_empty(), "nothing saved");
        let (status, location, _) = app.post_form("/municipalities/131105/council", &form(&body)).await;
        assert_eq!(status, 303);
        let path = location.unwrap();
        let member = [
            ("name", "見本 花子（架空）"),
            ("organisation", "目黒区医師会"),
            ("sector", "medical"),
            ("position", "委員"),
            ("contact", "03-1234-5678"),
        ];
        let (status, _, page) = app
            .post_form(
                &format!("{path}/members"),
                &form(&[("sector", "chef"), member[0], member[1], member[3], member[4]]),
            )
            .await;
        assert_eq!(status, 422);
        assert!(page.contains("分野: 選択肢から選んでください"), "the field and the reason");
        let (status, _, _) = app.post_form(&format!("{path}/members"), &form(&member)).await;
        assert_eq!(status, 303);
        let (_, page) = app.get(&path).await;
        assert!(page.contains("目黒区医師会") && page.contains("03-1234-5678"), "staff see the contact");
        account_in_scope(&app.db, "council-contacts", Role::CouncilMember, scope("131105"), false).await;
        let council = TestApp::client_for_password_only(&app, "council-contacts").await;
        let (status, page) = council.get(&path).await;
        assert_eq!(status, 200);
        assert!(page.contains("目黒区医師会") && !page.contains("03-1234-5678"), "the council sees no contact");
        let (status, json) = council.get("/api/v1/municipalities/131105/meetings").await;
        assert_eq!(status, 200, "the council reads the API: {json}");
    })
    .await;
}

/// Every input of a page's form as (name, value), checkboxes only when checked.
fn scrape_inputs(html: &str) -> Vec<(String, String)> {
    let attr = |tag: &str, name: &str| {
        let key = format!("{name}=\"");
        tag.find(&key).map(|i| {
            let rest = &tag[i + key.len()..];
            rest[..rest.find('"').unwrap()].replace("&quot;", "\"").replace("&amp;", "&")
        })
    };
    html.split("<input")
        .skip(1)
        .filter_map(|chunk| {
            let tag = &chunk[..chunk.find('>')?];
            let name = attr(tag, "name")?;
            if tag.contains("type=\"checkbox\"") && !tag.contains(" checked") {
                return None;
            }
            Some((name, attr(tag, "value").unwrap_or_default()))
        })
        .collect()
}
