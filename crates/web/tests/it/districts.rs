//! 地区担当制 through HTTP: a municipality-wide 保健師 and the administrator add 地区 and put staff
//! in charge, a 地区-scoped 保健師 cannot (403) and sees only their own line of the caseload, the
//! caseload's counts equal the records seeded, and intake offers only the listed 地区 (anything
//! else is refused beside the field, nothing saved).

use crate::for_each_backend;
use crate::harness::{Client, TestApp, account_in_scope};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Role, Scope};
use nimo_store::audit::AuditEvent;
use nimo_store::districts;
use nimo_store::{accounts, cases};

fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn meguro(district: Option<&str>) -> Scope {
    Scope {
        municipality: Some(MunicipalityCode::parse("131105").unwrap()),
        district: district.map(str::to_string),
        hospital: None,
    }
}

/// A signed-in client of a new account (the harness names it 検査 用子).
async fn client(app: &TestApp, login: &str, role: Role, scope: Scope) -> (i64, Client) {
    let (user, codes) = account_in_scope(&app.db, login, role, scope, true).await;
    (user.id, TestApp::client_for(app, login, &codes[0]).await)
}

async fn district_id(app: &TestApp, name: &str) -> i64 {
    districts::list(&app.db, "131105").await.unwrap().into_iter().find(|d| d.name == name).unwrap().id
}

/// The cells of the caseload row headed `label`, tags stripped.
fn row(html: &str, label: &str) -> Option<Vec<String>> {
    let head = format!("<th scope=\"row\">{label}</th>");
    let start = html.find(&head)? + head.len();
    let rest = &html[start..start + html[start..].find("</tr>")?];
    let mut cells = Vec::new();
    for cell in rest.split("<td").skip(1) {
        let inner = &cell[cell.find('>')? + 1..cell.find("</td>")?];
        let mut text = String::new();
        let mut in_tag = false;
        for c in inner.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => text.push(c),
                _ => {}
            }
        }
        cells.push(text);
    }
    Some(cells)
}

#[tokio::test]
async fn managers_add_districts_and_assign_staff_and_a_district_nurse_cannot() {
    for_each_backend(|app| async move {
        let (status, page) = app.get("/municipalities/131105/districts").await;
        assert_eq!(status, 200);
        assert!(page.contains("地区はまだ登録されていません") && page.contains("地区を追加する"));
        for name in ["東部", "西部"] {
            let (status, location, body) =
                app.post_form("/municipalities/131105/districts", &form(&[("name", name)])).await;
            assert_eq!((status, location.as_deref()), (303, Some("/municipalities/131105/districts")), "{body}");
        }
        let (status, _, body) = app.post_form("/municipalities/131105/districts", &form(&[("name", "東部")])).await;
        assert_eq!(status, 422);
        assert!(body.contains("同じ名前の地区がすでにあります"), "the reason beside the field");
        let (status, _, body) = app.post_form("/municipalities/131105/districts", &form(&[("name", " ")])).await;
        assert_eq!(status, 422);
        assert!(body.contains("地区名を入力してください"));
        assert_eq!(districts::list(&app.db, "131105").await.unwrap().len(), 2, "nothing more saved");

        let east = district_id(&app, "東部").await;
        let (nurse_id, nurse) = client(&app, "east-nurse", Role::Staff, meguro(Some("東部"))).await;
        let assign = format!("/municipalities/131105/districts/{east}/assign");
        let (nurse_text, main) = (nurse_id.to_string(), "main");
        let fields = form(&[("user_id", &nurse_text), ("duty", main), ("since", "2022-04-01")]);
        let (status, _, body) = app.post_form(&assign, &fields).await;
        assert_eq!(status, 303, "{body}");
        let (_, page) = app.get("/municipalities/131105/districts").await;
        assert!(page.contains("検査 用子（主担当、2022-04-01 から）"), "the nurse is shown in charge");

        // Only staff of the municipality can be put in charge.
        let (council, _) = account_in_scope(&app.db, "council", Role::CouncilMember, meguro(None), false).await;
        let council_text = council.id.to_string();
        let (status, _, body) = app
            .post_form(&assign, &form(&[("user_id", &council_text), ("duty", "deputy"), ("since", "2022-04-01")]))
            .await;
        assert_eq!(status, 422);
        assert!(body.contains("この自治体の保健所・市区町村職員から選んでください"));
        let (status, _, body) = app.post_form(&assign, &form(&[("user_id", &nurse_text), ("duty", "main")])).await;
        assert_eq!(status, 422);
        assert!(body.contains("担当開始日を「2022-04-01」の形で入力してください"));

        // The 地区 nurse sees the page but may not change it.
        let (status, page) = nurse.get("/municipalities/131105/districts").await;
        assert_eq!(status, 200);
        assert!(page.contains("東部") && !page.contains("地区を追加する") && !page.contains("担当から外す"));
        let (status, _, _) = nurse.post_form("/municipalities/131105/districts", &form(&[("name", "北部")])).await;
        assert_eq!(status, 403);
        let (status, _, _) = nurse
            .post_form(&format!("/municipalities/131105/districts/{east}/unassign"), &form(&[("user_id", &nurse_text)]))
            .await;
        assert_eq!(status, 403);
        assert_eq!(districts::list(&app.db, "131105").await.unwrap().len(), 2, "the nurse added nothing");
        assert_eq!(districts::list(&app.db, "131105").await.unwrap()[0].staff.len(), 1, "nor took anyone off");

        // The administrator manages too; another municipality's staff do not.
        let (_, admin) = client(&app, "sysadmin", Role::SystemAdmin, Scope::default()).await;
        let (status, _, body) = admin.post_form("/municipalities/131105/districts", &form(&[("name", "北部")])).await;
        assert_eq!(status, 303, "{body}");
        let chiyoda = Scope { municipality: Some(MunicipalityCode::parse("131016").unwrap()), ..Scope::default() };
        let (_, stranger) = client(&app, "chiyoda", Role::Staff, chiyoda).await;
        let (status, _, _) = stranger.post_form("/municipalities/131105/districts", &form(&[("name", "南部")])).await;
        assert_eq!(status, 403);

        let (status, _, _) = app
            .post_form(&format!("/municipalities/131105/districts/{east}/unassign"), &form(&[("user_id", &nurse_text)]))
            .await;
        assert_eq!(status, 303);
        let (_, page) = app.get("/municipalities/131105/districts").await;
        assert!(!page.contains("検査 用子（主担当"), "taken off");
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE record_type = 'district'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        assert_eq!(rows, 5, "three added, one assigned, one taken off");
    })
    .await;
}

#[tokio::test]
async fn the_caseload_counts_the_seeded_records_and_a_district_nurse_sees_only_her_line() {
    for_each_backend(|app| async move {
        for name in ["東部", "西部"] {
            districts::add(&app.db, "131105", name, AuditEvent::cli("district")).await.unwrap();
        }
        let hokenshi = accounts::find_by_login(&app.db, "hokenshi").await.unwrap().id;
        let (nurse_id, nurse) = client(&app, "east-nurse", Role::Staff, meguro(Some("東部"))).await;
        let today = time::OffsetDateTime::now_utc().date();
        let mut seeded = Vec::new();
        for (staff, district, due) in
            [(hokenshi, "西部", "2000-01-01"), (hokenshi, "西部", "2999-01-01"), (nurse_id, "東部", "2000-01-01")]
        {
            let new = cases::NewCase {
                municipality: nimo_domain::MunicipalityCode::parse("131105").unwrap(),
                district: district.into(),
                person_id: None,
                received_at: time::macros::datetime!(2021-06-01 10:00),
                article: nimo_domain::cases::ReportArticle::Police,
                police_station: "目黒警察署".into(),
                resident: true,
                circumstances: String::new(),
                assigned_to: staff,
                next_due_on: nimo_domain::calendar::parse_iso_date(due),
                protection_started_at: None,
            };
            let person = nimo_store::people::NewPerson {
                municipality: nimo_domain::MunicipalityCode::parse("131105").unwrap(),
                district: district.into(),
                sex: "x".into(),
                name_kana: "みほん".into(),
                name_kanji: String::new(),
                birth_date: None,
                address: String::new(),
                contact: String::new(),
            };
            let id = cases::create(&app.db, &new, Some(&person), AuditEvent::cli("create")).await.unwrap();
            seeded.push((id, cases::get(&app.db, id).await.unwrap().person_id.unwrap(), district));
        }
        let (east_case, east_person, _) = seeded[2];
        let plan = cases::NewPlan {
            municipality: nimo_domain::MunicipalityCode::parse("131105").unwrap(),
            district: "東部".into(),
            person_id: east_person,
            case_id: Some(east_case),
            consent: "given".into(),
            consent_on: today,
            started_on: Some(today),
            contents: String::new(),
        };
        cases::add_plan(&app.db, &plan, AuditEvent::cli("plan")).await.unwrap();
        let (_, west_person, _) = seeded[0];
        let visit = cases::NewVisit {
            municipality: nimo_domain::MunicipalityCode::parse("131105").unwrap(),
            team: Vec::new(),
            district: "西部".into(),
            person_id: west_person,
            case_id: None,
            visited_on: today,
            profession: "phn".into(),
            method: "home".into(),
            outcome: "met".into(),
            note: String::new(),
            actor: Some(hokenshi),
        };
        cases::add_visit(&app.db, &visit, AuditEvent::cli("visit")).await.unwrap();

        let (status, page) = app.get("/municipalities/131105/caseload").await;
        assert_eq!(status, 200);
        let cells = |label: &str| row(&page, label).unwrap_or_else(|| panic!("a row for {label}"));
        // Columns: open, overdue, plans, visits (then the staff member's 地区).
        assert_eq!(cells("目黒 花子")[..4], ["2", "1", "0", "1"]);
        assert_eq!(cells("検査 用子")[..4], ["1", "1", "1", "0"]);
        assert_eq!(cells("東部"), ["1", "1", "1", "0"]);
        assert_eq!(cells("西部"), ["2", "1", "0", "1"]);
        let reads: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'read' AND record_type = 'caseload'")
                .fetch_one(&app.db.pool)
                .await
                .unwrap();
        assert_eq!(reads, 1, "the caseload read is audited");

        let (status, page) = nurse.get("/municipalities/131105/caseload").await;
        assert_eq!(status, 200);
        assert_eq!(row(&page, "検査 用子").unwrap()[..4], ["1", "1", "1", "0"]);
        assert_eq!(row(&page, "東部").unwrap(), ["1", "1", "1", "0"]);
        assert!(row(&page, "西部").is_none() && !page.contains("目黒 花子"), "only her 地区 and herself");
        let (status, _) = nurse.get("/municipalities/131016/caseload").await;
        assert_eq!(status, 403, "another municipality's caseload is refused");
    })
    .await;
}

#[tokio::test]
async fn intake_offers_only_the_listed_districts_and_refuses_anything_else() {
    for_each_backend(|app| async move {
        let (_, page) = app.get("/municipalities/131105/cases/new").await;
        assert!(page.contains("<input id=\"district\""), "free text while the municipality lists no 地区");
        for name in ["東部", "西部"] {
            districts::add(&app.db, "131105", name, AuditEvent::cli("district")).await.unwrap();
        }
        let (status, page) = app.get("/municipalities/131105/cases/new").await;
        assert_eq!(status, 200);
        assert!(page.contains("<select id=\"district\"") && page.contains("<option value=\"西部\""));
        let intake = |district: &str| {
            form(&[
                ("received_at", "2021-06-01T10:30"),
                ("police_station", "目黒警察署"),
                ("district", district),
                ("resident", "1"),
                ("unknown", "1"),
            ])
        };
        let (status, _, body) = app.post_form("/municipalities/131105/cases", &intake("南部")).await;
        assert_eq!(status, 422);
        assert!(body.contains("地区を一覧から選んでください"), "the reason beside the field");
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM report23").fetch_one(&app.db.pool).await.unwrap();
        assert_eq!(count, 0, "nothing saved");
        let (status, _, body) = app.post_form("/municipalities/131105/cases", &intake("西部")).await;
        assert_eq!(status, 303, "{body}");

        // A 地区 nurse is offered her own 地区 only.
        let (_, nurse) = client(&app, "east-nurse", Role::Staff, meguro(Some("東部"))).await;
        let (_, page) = nurse.get("/municipalities/131105/cases/new").await;
        assert!(page.contains("<option value=\"東部\"") && !page.contains("<option value=\"西部\""));
    })
    .await;
}
