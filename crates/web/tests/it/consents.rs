//! 市町村長同意 through HTTP, as a browser does it: staff receive a hospital's request from the
//! person's page, record the checks, the official consents, staff visit and refer the person, the
//! hospital asks for a renewal and the official consents again; refused steps come back 422 with
//! the reason beside the field and nothing saved. Scope: another municipality and another 地区 get
//! 404 (audited `denied`), a 地区担当 may not decide, a 協議の場 member is refused.

use crate::for_each_backend;
use crate::harness::{Client, TestApp, account_in_scope, form};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Role, Scope};

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db.pool).await.unwrap()
}

fn revision_of(html: &str) -> String {
    let at = html.find("name=\"revision\" value=\"").expect("a step form") + "name=\"revision\" value=\"".len();
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

const INTAKE: &[(&str, &str)] = &[
    ("received_at", "2026-11-30T10:30"),
    ("police_station", "目黒警察署"),
    ("district", "西部"),
    ("resident", "1"),
    ("circumstances", "路上で保護"),
    ("next_due_on", "2026-12-01"),
    ("name_kana", "みほん さぶろう"),
    ("name_kanji", "見本 三郎"),
    ("birth_date", "1960-04-01"),
    ("sex", "m"),
    ("address", "見本町1-1"),
    ("contact", ""),
];

/// Takes a report in and returns the person page's path.
async fn a_person(app: &TestApp) -> String {
    let (status, location, body) = app.post_form("/municipalities/131105/cases", &form(INTAKE)).await;
    assert_eq!(status, 303, "{body}");
    let (_, case) = app.get(location.unwrap().split('?').next().unwrap()).await;
    let person = case.split("/people/").nth(1).unwrap().split('"').next().unwrap();
    format!("/municipalities/131105/people/{person}")
}

/// Receives a request for the person; returns the request page's path.
async fn a_request(app: &TestApp, person: &str) -> String {
    let request = form(&[
        ("hospital_id", ""),
        ("hospital_name", "見本記念病院"),
        ("requested_at", "2026-12-01T09:00"),
        ("admission_on", "2026-12-01"),
        ("note", "単身。親族は所在不明"),
    ]);
    let (status, location, body) = app.post_form(&format!("{person}/consents"), &request).await;
    assert_eq!(status, 303, "{body}");
    location.unwrap()
}

/// Who posts: the app's own signed-in staff member, or another account's client.
trait Browser {
    async fn get(&self, path: &str) -> (u16, String);
    async fn post_form(&self, path: &str, form: &[(String, String)]) -> (u16, Option<String>, String);
}

impl Browser for TestApp {
    async fn get(&self, path: &str) -> (u16, String) {
        TestApp::get(self, path).await
    }
    async fn post_form(&self, path: &str, form: &[(String, String)]) -> (u16, Option<String>, String) {
        TestApp::post_form(self, path, form).await
    }
}

impl Browser for Client {
    async fn get(&self, path: &str) -> (u16, String) {
        Client::get(self, path).await
    }
    async fn post_form(&self, path: &str, form: &[(String, String)]) -> (u16, Option<String>, String) {
        Client::post_form(self, path, form).await
    }
}

/// Posts a step (`events`) or a decision (`decisions`) with the page's current revision.
async fn post(client: &impl Browser, page: &str, route: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let (_, html) = client.get(page).await;
    let mut fields = form(fields);
    fields.push(("revision".into(), revision_of(&html)));
    let (status, _, body) = client.post_form(&format!("{page}/{route}"), &fields).await;
    (status, body)
}

#[tokio::test]
async fn a_request_runs_from_receipt_to_consent_and_its_first_renewal() {
    for_each_backend(|app| async move {
        let person = a_person(&app).await;
        let (_, page) = app.get(&person).await;
        assert!(page.contains("市町村長同意の依頼を受け付ける"), "the person page links to the request form");
        // A request without a hospital is refused beside the field; nothing is saved.
        let (status, _, body) =
            app.post_form(&format!("{person}/consents"), &form(&[("requested_at", "2026-12-01T09:00")])).await;
        assert_eq!(status, 422);
        assert!(
            body.contains("依頼した病院を一覧から選ぶか、病院名を入力してください") && body.contains("error-summary")
        );
        assert_eq!(count(&app, "SELECT COUNT(*) FROM mayor_consent").await, 0);
        let c = a_request(&app, &person).await;
        let (status, html) = app.get(&c).await;
        assert_eq!(status, 200);
        assert!(html.contains("市町村長同意の判断（区の運用目安）") && html.contains("要確認"), "{html}");
        assert!(html.contains("33条2項（令和6年3月以前は33条3項）"));
        // Its decision clock is on the municipality's clock board, linking to the request.
        let (status, board) = app.get("/municipalities/131105/clocks").await;
        assert_eq!(status, 200);
        assert!(board.contains(&format!("href=\"{c}\"")) && board.contains("市町村長同意の判断"), "{board}");
        // Consent before the checks: the domain's reason beside the decision.
        let decide = [("event", "decide"), ("consent", "consent"), ("official", "健康推進部長 見本 一郎")];
        let mut early = decide.to_vec();
        early.push(("occurred_at", "2026-12-01T09:30"));
        let (status, body) = post(&app, &c, "decisions", &early).await;
        assert_eq!(status, 422);
        assert!(body.contains("同意の前に、居住地と家族等の確認を記録してください"), "{body}");
        let steps: &[(&str, &[(&str, &str)])] = &[
            (
                "events",
                &[("event", "check_residence"), ("occurred_at", "2026-12-01T09:40"), ("residence", "residence")],
            ),
            (
                "events",
                &[
                    ("event", "check_family"),
                    ("occurred_at", "2026-12-01T10:00"),
                    ("family", "no_family"),
                    ("excluded", "abuser"),
                ],
            ),
            (
                "decisions",
                &[
                    ("event", "decide"),
                    ("occurred_at", "2026-12-01T10:30"),
                    ("consent", "consent"),
                    ("official", "健康推進部長 見本 一郎"),
                    ("period_end", "2027-03-02T00:00"),
                ],
            ),
            ("events", &[("event", "visit"), ("occurred_at", "2026-12-03T14:00"), ("note", "病棟で面会")]),
            ("events", &[("event", "refer"), ("occurred_at", "2026-12-03T14:30")]),
            (
                "events",
                &[
                    ("event", "request_renewal"),
                    ("occurred_at", "2027-02-10T10:00"),
                    ("period_end", "2027-09-02T00:00"),
                ],
            ),
            (
                "decisions",
                &[
                    ("event", "decide_renewal"),
                    ("occurred_at", "2027-02-12T10:00"),
                    ("consent", "consent"),
                    ("official", "部長"),
                ],
            ),
        ];
        for (route, fields) in steps {
            let (status, body) = post(&app, &c, route, fields).await;
            assert_eq!(status, 303, "{fields:?}: {body}");
        }
        let (_, html) = app.get(&c).await;
        assert!(
            html.contains("同意済・入院中") && html.contains("更新 1 回") && html.contains("2027-09-02 00:00"),
            "{html}"
        );
        assert!(html.contains("DV・虐待を行った者") && html.contains("判断: 部長") && html.contains("紹介済"));
        let id = c.rsplit('/').next().unwrap();
        let writes =
            format!("SELECT COUNT(*) FROM audit_log WHERE record_type = 'mayor_consent' AND record_id = '{id}'");
        assert!(count(&app, &writes).await >= 8 + 9, "eight writes and a read before each page");
        let (_, list) = app.get("/municipalities/131105/consents").await;
        assert!(list.contains(&format!("第{id}号")) && list.contains("みほん さぶろう"));
        // 令和8年度 (2026-12 to 2027-02): one request, one consent, one renewal, one visit; the
        // decision refused before the checks was never stored.
        let counts = "<tr><th scope=\"row\">令和8年度</th><td>1</td><td>1</td><td>1</td><td>1</td></tr>";
        assert!(list.contains(counts), "{list}");
        let (_, timeline) = app.get(&person).await;
        assert!(timeline.contains("市町村長同意 更新の同意・不同意") && timeline.contains(&format!("/consents/{id}")));
        // The official's name and the notes are sealed at rest.
        let raw: Vec<String> =
            sqlx::query_scalar("SELECT COALESCE(official_sealed, '') || note_sealed FROM mayor_consent_event")
                .fetch_all(&app.db.pool)
                .await
                .unwrap();
        assert!(raw.iter().all(|r| !r.contains("見本") && !r.contains("面会")));
    })
    .await;
}

#[tokio::test]
async fn other_municipalities_districts_and_the_council_are_refused() {
    for_each_backend(|app| async move {
        let c = a_request(&app, &a_person(&app).await).await;
        let meguro = Some(MunicipalityCode::parse("131105").unwrap());
        let in_district =
            |d: &str| Scope { municipality: meguro.clone(), district: Some(d.into()), ..Scope::default() };
        let (_, codes) = account_in_scope(&app.db, "east-nurse", Role::Staff, in_district("東部"), true).await;
        let east = TestApp::client_for(&app, "east-nurse", &codes[0]).await;
        assert_eq!(east.get(&c).await.0, 404);
        let denied = "SELECT COUNT(*) FROM audit_log WHERE action = 'denied' AND record_type = 'mayor_consent'";
        assert_eq!(count(&app, denied).await, 1);
        let (_, list) = east.get("/municipalities/131105/consents").await;
        assert!(list.contains("市町村長同意の記録はありません"), "the list is 地区-scoped");
        // The 西部 nurse records the checks but may not decide.
        let (_, codes) = account_in_scope(&app.db, "west-nurse", Role::Staff, in_district("西部"), true).await;
        let west = TestApp::client_for(&app, "west-nurse", &codes[0]).await;
        let (status, html) = west.get(&c).await;
        assert_eq!(status, 200);
        assert!(!html.contains("/decisions") && html.contains("区全体を担当する決定権者が行います"), "{html}");
        let check = [("event", "check_residence"), ("occurred_at", "2026-12-01T09:40"), ("residence", "residence")];
        assert_eq!(post(&west, &c, "events", &check).await.0, 303);
        let family = [("event", "check_family"), ("occurred_at", "2026-12-01T09:50"), ("family", "cannot_express")];
        assert_eq!(post(&west, &c, "events", &family).await.0, 303);
        let decide =
            [("event", "decide"), ("occurred_at", "2026-12-01T10:00"), ("consent", "consent"), ("official", "保健師")];
        assert_eq!(post(&west, &c, "decisions", &decide).await.0, 403);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM mayor_consent WHERE state = 'requested'").await, 1);
        // Staff of another municipality: 404; a 協議の場 member: refused by the policy.
        let other = Scope { municipality: Some(MunicipalityCode::parse("131016").unwrap()), ..Scope::default() };
        let (_, codes) = account_in_scope(&app.db, "chiyoda", Role::Staff, other.clone(), true).await;
        let chiyoda = TestApp::client_for(&app, "chiyoda", &codes[0]).await;
        let elsewhere = c.replace("/131105/", "/131016/");
        assert_eq!(chiyoda.get(&elsewhere).await.0, 404);
        assert_eq!(chiyoda.get(&c).await.0, 403);
        let council = Scope { municipality: meguro.clone(), ..Scope::default() };
        let (_, _) = account_in_scope(&app.db, "council", Role::CouncilMember, council, false).await;
        let member = TestApp::client_for_password_only(&app, "council").await;
        assert_eq!(member.get(&c).await.0, 403);
        assert_eq!(member.get("/municipalities/131105/consents").await.0, 403);
    })
    .await;
}

#[tokio::test]
async fn an_admission_on_mayor_consent_and_its_request_link_each_other() {
    for_each_backend(|app| async move {
        let (status, location, body) = app.post_form("/municipalities/131105/cases", &form(INTAKE)).await;
        assert_eq!(status, 303, "{body}");
        let case = location.unwrap().split('?').next().unwrap().to_string();
        let (_, case_page) = app.get(&case).await;
        let person = case_page.split("/people/").nth(1).unwrap().split('"').next().unwrap();
        let c = a_request(&app, &format!("/municipalities/131105/people/{person}")).await;
        let steps: &[(&str, &[(&str, &str)])] = &[
            (
                "events",
                &[("event", "check_residence"), ("occurred_at", "2026-12-01T09:40"), ("residence", "residence")],
            ),
            ("events", &[("event", "check_family"), ("occurred_at", "2026-12-01T10:00"), ("family", "no_family")]),
            (
                "decisions",
                &[
                    ("event", "decide"),
                    ("occurred_at", "2026-12-01T10:30"),
                    ("consent", "consent"),
                    ("official", "部長"),
                ],
            ),
        ];
        for (route, fields) in steps {
            let (status, body) = post(&app, &c, route, fields).await;
            assert_eq!(status, 303, "{fields:?}: {body}");
        }
        // Consented, no admission recorded on it yet: the request says so.
        let (_, html) = app.get(&c).await;
        let missing = "同意した入院を本人の経過のページから記録してください";
        assert!(html.contains("市町村長同意による入院の記録") && html.contains(missing), "{html}");
        // An admission on 市町村長同意 names the request, and the request names the admission.
        let admission = form(&[
            ("hospital_name", "見本記念病院"),
            ("form", "iryo_hogo"),
            ("consent", "mayor"),
            ("occurred_at", "2026-12-01T11:00"),
            ("period_end", "2027-03-01T11:00"),
        ]);
        let (status, location, body) = app.post_form(&format!("{case}/admissions"), &admission).await;
        assert_eq!(status, 303, "{body}");
        let admission = location.unwrap();
        let (_, page) = app.get(&admission).await;
        let id = c.rsplit('/').next().unwrap();
        assert!(page.contains(&format!("href=\"{c}\">第{id}号</a>（同意済・入院中）")), "{page}");
        let (_, html) = app.get(&c).await;
        assert!(html.contains(&format!("href=\"{admission}\"")) && !html.contains(missing), "{html}");
    })
    .await;
}

#[tokio::test]
async fn an_admission_on_mayor_consent_without_a_request_reads_to_be_confirmed() {
    for_each_backend(|app| async move {
        let (status, location, body) = app.post_form("/municipalities/131105/cases", &form(INTAKE)).await;
        assert_eq!(status, 303, "{body}");
        let case = location.unwrap().split('?').next().unwrap().to_string();
        let admission = form(&[
            ("hospital_name", "見本記念病院"),
            ("form", "iryo_hogo"),
            ("consent", "mayor"),
            ("occurred_at", "2026-12-01T11:00"),
            ("period_end", "2027-03-01T11:00"),
        ]);
        let (status, location, body) = app.post_form(&format!("{case}/admissions"), &admission).await;
        assert_eq!(status, 303, "{body}");
        let (_, page) = app.get(&location.unwrap()).await;
        assert!(
            page.contains("市町村長同意の記録") && page.contains("この区の市町村長同意の記録がありません"),
            "{page}"
        );
    })
    .await;
}
