//! Case work through HTTP, as a browser does it (CSRF tokens from the pages): a 保健師 takes a
//! 23条通報 from intake to closure, a refused step is explained beside its field and saves
//! nothing, the sheet then shows the new counts as derived values, every page with personal data
//! is audited, and a 地区 nurse cannot see another 地区's case.

use crate::for_each_backend;
use crate::harness::{Client, TestApp, account_in_scope};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Role, Scope};

fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// The revision the case page's forms carry.
pub fn revision_of(html: &str) -> String {
    let at = html.find("name=\"revision\" value=\"").expect("an event form") + "name=\"revision\" value=\"".len();
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

async fn audit_rows(app: &TestApp, action: &str, record_type: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = $1 AND record_type = $2")
        .bind(action)
        .bind(record_type)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

const INTAKE: &[(&str, &str)] = &[
    ("received_at", "2021-06-01T10:30"),
    ("police_station", "目黒警察署"),
    ("district", "西部"),
    ("resident", "1"),
    ("circumstances", "自宅で大声、家族が通報"),
    ("next_due_on", "2021-06-02"),
    ("name_kana", "みほん いちろう"),
    ("name_kanji", "見本 一郎"),
    ("birth_date", "1985-04-01"),
    ("sex", "m"),
    ("address", "見本町9-9"),
    ("contact", "000-9999-0000"),
];

/// Takes a report in; returns the case page path.
pub async fn intake(app: &TestApp) -> String {
    let (status, location, body) = app.post_form("/municipalities/131105/cases", &form(INTAKE)).await;
    assert_eq!(status, 303, "{body}");
    location.unwrap().split('?').next().unwrap().to_string()
}

async fn step(app: &TestApp, case: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let (_, page) = app.get(case).await;
    let mut fields = form(fields);
    fields.push(("revision".into(), revision_of(&page)));
    let (status, _, body) = app.post_form(&format!("{case}/events"), &fields).await;
    (status, body)
}

#[tokio::test]
async fn a_nurse_takes_a_report_from_intake_to_closure_and_the_sheet_counts_it() {
    for_each_backend(|app| async move {
        let (status, before) = app.get("/municipalities/131105/sheets/2022").await;
        assert_eq!(status, 200);
        assert!(before.contains("事例記録が nimo にないため"), "no records yet: the entered values stay");
        assert!(before.contains("（参考）目黒区内 23条通報 40件"));

        let (status, page) = app.get("/municipalities/131105/cases/new").await;
        assert_eq!(status, 200);
        assert!(page.contains("23条通報の受理"));
        // A bad intake saves nothing and keeps what was typed.
        let mut bad = form(INTAKE);
        bad.retain(|(k, _)| k != "police_station");
        let (status, _, body) = app.post_form("/municipalities/131105/cases", &bad).await;
        assert_eq!(status, 422);
        assert!(body.contains("通報した警察署を入力してください") && body.contains("見本 一郎"));
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM report23").fetch_one(&app.db.pool).await.unwrap();
        assert_eq!(count, 0);

        let case = intake(&app).await;
        let (status, page) = app.get(&case).await;
        assert_eq!(status, 200);
        assert!(page.contains("状態: <strong>受理</strong>") && page.contains("見本 一郎"), "{page}");
        assert!(page.contains("事前調査を記録する"));

        // A second report about the same person offers the known record instead of a duplicate.
        let (status, _, offer) = app.post_form("/municipalities/131105/cases", &form(INTAKE)).await;
        assert_eq!(status, 200);
        assert!(offer.contains("すでに登録されている人かもしれません") && offer.contains("かなと生年月日が一致"));

        let ok = |r: (u16, String)| assert_eq!(r.0, 303, "{}", r.1);
        ok(step(&app, &case, &[("event", "start_investigation"), ("staff_count", "2"), ("occurred_on", "2021-06-01")])
            .await);
        ok(step(&app, &case, &[("event", "order_exam"), ("occurred_on", "2021-06-01")]).await);
        // 措置 needs both designated doctors to find it: refused beside the field, typed values kept.
        let (status, body) = step(
            &app,
            &case,
            &[
                ("event", "examine"),
                ("occurred_time", "14:00"),
                ("occurred_on", "2021-06-02"),
                ("first", "needs_sochi"),
                ("second", "no_sochi"),
                ("disposition", "sochi"),
                ("hospital", "見本記念病院"),
            ],
        )
        .await;
        assert_eq!(status, 422);
        assert!(body.contains("措置入院は2人の指定医がともに「要措置」と診察した場合だけです"), "{body}");
        assert!(body.contains("value=\"見本記念病院\""));
        assert!(app.get(&case).await.1.contains("状態: <strong>措置診察予定</strong>"), "nothing was saved");
        ok(step(
            &app,
            &case,
            &[
                ("event", "examine"),
                ("occurred_time", "14:00"),
                ("occurred_on", "2021-06-02"),
                ("first", "needs_sochi"),
                ("second", "needs_sochi"),
                ("disposition", "sochi"),
                ("hospital", "見本記念病院"),
                ("next_due_on", "2021-06-16"),
            ],
        )
        .await);
        ok(step(&app, &case, &[("event", "follow_up"), ("occurred_on", "2021-06-16"), ("note", "病棟で面会")]).await);
        // Closing without a reason is refused and names the field.
        let (status, body) = step(&app, &case, &[("event", "close"), ("occurred_on", "2021-09-30")]).await;
        assert_eq!(status, 422);
        assert!(body.contains("終結の理由を入力してください"));
        ok(step(&app, &case, &[("event", "close"), ("occurred_on", "2021-09-30"), ("reason", "措置解除、通院継続")])
            .await);
        let (_, page) = app.get(&case).await;
        assert!(page.contains("状態: <strong>終結</strong>") && page.contains("この事例は終結しています"));
        // A closed case accepts nothing more.
        let fields = form(&[("event", "follow_up"), ("occurred_on", "2021-10-01"), ("revision", "5")]);
        let (status, _, body) = app.post_form(&format!("{case}/events"), &fields).await;
        assert_eq!(status, 422);
        assert!(body.contains("「終結」の状態では「フォロー（連絡・訪問）」はできません"), "{body}");

        // The R4 sheet reports 令和3年度: the new case is counted there, derived.
        let (_, sheet) = app.get("/municipalities/131105/sheets/2022").await;
        for line in [
            "（参考）目黒区内 23条通報 1件",
            "そのうち目黒区民 1件",
            "そのうち措置入院 1件（全件フォロー）",
            "そのうち医療保護入院 0件",
        ] {
            assert!(sheet.contains(line), "{line} on the sheet");
        }
        assert!(sheet.contains("事例記録から集計") && sheet.contains("令和3年度"));
        // Outreach figures have no records: they keep their entered values.
        assert!(sheet.contains("精神保健福祉士による訪問 77件"));

        // The timeline shows every step; every page with personal data was audited.
        let person = page.split("/people/").nth(1).unwrap().split('"').next().unwrap().to_string();
        let (status, timeline) = app.get(&format!("/municipalities/131105/people/{person}")).await;
        assert_eq!(status, 200);
        assert!(timeline.contains("措置診察・処遇決定") && timeline.contains("措置入院（見本記念病院）"));
        // One title and one visit form, each in its place.
        assert!(timeline.contains("<title>本人の経過 | nimo</title>"), "{timeline}");
        assert_eq!(timeline.matches("<form method=\"post\" action=\"/municipalities/131105/people/").count(), 1);
        // An outreach visit: a missing profession is refused beside the field; then it is
        // recorded, shows on the timeline and feeds the sheet's outreach figures.
        let visits = format!("/municipalities/131105/people/{person}/visits");
        let visit = |profession: &str| {
            form(&[("visited_on", "2021-07-01"), ("profession", profession), ("method", "home"), ("outcome", "met")])
        };
        let (status, _, body) = app.post_form(&visits, &visit("")).await;
        assert_eq!(status, 422);
        assert!(body.contains("訪問した職種を選んでください"));
        // A doubled or an unknown field is refused whole (the Japanese 422 page): nothing saved.
        let mut doubled = visit("psw");
        doubled.push(("profession".into(), "doctor".into()));
        let (status, _, body) = app.post_form(&visits, &doubled).await;
        assert_eq!(status, 422);
        assert!(body.contains("画面のフォームから送信してください"), "{body}");
        let mut unknown = visit("psw");
        unknown.push(("district".into(), "西部".into()));
        assert_eq!(app.post_form(&visits, &unknown).await.0, 422);
        assert_eq!(app.post_form(&visits, &visit("psw")).await.0, 303);
        let (_, timeline) = app.get(&format!("/municipalities/131105/people/{person}")).await;
        assert!(timeline.contains("アウトリーチ訪問") && timeline.contains("精神保健福祉士・家庭訪問"));
        let (_, sheet) = app.get("/municipalities/131105/sheets/2022").await;
        assert!(sheet.contains("精神保健福祉士による訪問 1件") && sheet.contains("医師等による訪問 0件"));
        let (status, list) = app.get("/municipalities/131105/cases").await;
        assert_eq!(status, 200);
        assert!(list.contains("対応中の事例はありません"));
        assert!(audit_rows(&app, "read", "case").await >= 10);
        assert_eq!(audit_rows(&app, "read", "person").await, 3, "three views of the timeline");
        assert_eq!(audit_rows(&app, "read", "case_list").await, 1);
        assert_eq!(audit_rows(&app, "read", "person_candidates").await, 1);
        assert_eq!(audit_rows(&app, "write", "case").await, 5);
    })
    .await;
}

#[tokio::test]
async fn a_district_nurse_sees_only_her_district_and_others_see_no_cases() {
    for_each_backend(|app| async move {
        let west = intake(&app).await;
        let meguro = || Some(MunicipalityCode::parse("131105").unwrap());
        let east_scope = Scope { municipality: meguro(), district: Some("東部".into()), ..Scope::default() };
        let (_, codes) = account_in_scope(&app.db, "east-nurse", Role::Staff, east_scope, true).await;
        let east: Client = TestApp::client_for(&app, "east-nurse", &codes[0]).await;
        let (status, _) = east.get(&west).await;
        assert_eq!(status, 404, "another 地区's case is not found");
        let denied: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'denied' AND record_type = 'case'")
                .fetch_one(&app.db.pool)
                .await
                .unwrap();
        assert_eq!(denied, 1, "the refusal is audited");
        let (status, list) = east.get("/municipalities/131105/cases").await;
        assert_eq!(status, 200);
        let id: i64 = west.rsplit('/').next().unwrap().parse().unwrap();
        assert!(!list.contains(&format!("/cases/{id}\"")), "not on her worklist");
        // Intake into another 地区 is refused beside the field.
        let (status, _, body) = east.post_form("/municipalities/131105/cases", &form(INTAKE)).await;
        assert_eq!(status, 422);
        assert!(body.contains("担当地区以外の地区には登録できません"));
        // The council and the administrator hold no case permission at all.
        for (login, role, scope) in [
            ("council", Role::CouncilMember, Scope { municipality: meguro(), ..Scope::default() }),
            ("admin2", Role::SystemAdmin, Scope::default()),
        ] {
            let (_, codes) = account_in_scope(&app.db, login, role, scope, role.requires_two_factor()).await;
            let client = match codes.first() {
                Some(code) => TestApp::client_for(&app, login, code).await,
                None => TestApp::client_for_password_only(&app, login).await,
            };
            assert_eq!(client.get(&west).await.0, 403, "{login}");
            assert_eq!(client.get("/municipalities/131105/cases").await.0, 403, "{login}");
        }
    })
    .await;
}

#[tokio::test]
async fn the_demo_year_derives_the_seed_sheets_section_4_on_the_page() {
    for_each_backend(|app| async move {
        let seed = nimo_domain::demo::meguro_r4();
        let nurse = nimo_store::accounts::find_by_login(&app.db, "hokenshi").await.unwrap();
        let staffing = nimo_store::synthetic::Staffing { anywhere: vec![nurse.id], districts: vec![] };
        let fy = nimo_domain::cases::outcomes_fiscal_year(seed.fiscal_year);
        nimo_store::synthetic::meguro_year(&app.db, "131105", fy, &staffing).await.unwrap();
        let (_, page) = app.get("/api/v1/municipalities/131105/sheets/2022").await;
        let shown: serde_json::Value = serde_json::from_str(&page).unwrap();
        let expected: serde_json::Value = serde_json::from_str(nimo_domain::demo::MEGURO_R4_JSON).unwrap();
        let mut derived = 0;
        for (i, indicator) in expected["outcomes"]["indicators"].as_array().unwrap().iter().enumerate() {
            let got = &shown["sheet"]["outcomes"]["indicators"][i];
            for (j, line) in indicator["breakdown"].as_array().unwrap().iter().enumerate() {
                let value = &got["breakdown"][j]["value"];
                assert_eq!(value["value"], line["value"]["value"], "{}", line["key"]);
                assert_eq!(value["source"], "derived", "{}", line["key"]);
                derived += 1;
            }
            assert_eq!(got["actual"]["value"]["value"], indicator["actual"]["value"]["value"]);
        }
        assert_eq!(derived, 7, "every keyed breakdown line of the seed is derived");
        assert_eq!(shown["sheet"]["outcomes"]["indicators"][1]["actual"]["value"]["source"], "derived");
    })
    .await;
}

#[tokio::test]
async fn a_malformed_code_or_id_in_a_case_url_is_the_japanese_404_page() {
    for_each_backend(|app| async move {
        intake(&app).await;
        for path in [
            "/municipalities/131105/cases/abc",
            "/municipalities/131105/cases/1.5",
            "/municipalities/13110X/cases/1",
            "/municipalities/131105/people/x",
            "/municipalities/131105/people/x/merge",
            "/municipalities/131105/plans/x",
            "/municipalities/13110X/cases",
        ] {
            let (status, html) = app.get(path).await;
            assert_eq!(status, 404, "{path}");
            assert!(html.contains("見つかりません") && html.contains("<html"), "{path}: {html}");
        }
    })
    .await;
}
