//! The start page `/` of each role, through HTTP: a 保健師's "today" (due cases, today's reports,
//! holds, plan reviews) within her scope and 地区 and audited before it answers; the hospital's
//! holds and wards; the 協議の場 member's sheets without any control to change them; the
//! administrator's accounts and audit log; and the refusal page that keeps the role's menu.

use crate::harness::{Client, TestApp, for_each_backend};
use crate::sweep::{accounts, seed};

async fn read_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'read' AND record_type = 'case_list' AND detail = 'home'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

fn client<'a>(everyone: &'a [(&'static str, Client)], name: &str) -> &'a Client {
    &everyone.iter().find(|(n, _)| *n == name).unwrap().1
}

#[tokio::test]
async fn each_role_starts_on_its_own_page() {
    for_each_backend(|app| async move {
        seed(&app).await;
        let everyone = accounts(&app).await;

        // The 保健師 of the whole municipality: both of today's reports, the hold, the links.
        let before = read_rows(&app).await;
        let (status, today) = app.get("/").await;
        assert_eq!(status, 200);
        assert_eq!(read_rows(&app).await, before + 1, "the start page's names are read on record");
        for expected in ["今日の仕事", "とうぶ たろう", "せいぶ たろう", "今日受理した通報", "回答待ち", "h-meguro-1-a"]
        {
            assert!(today.contains(expected), "staff start page shows {expected}");
        }
        assert!(today.contains("href=\"/municipalities/131105/cases/new\""), "the intake is offered");
        assert!(today.contains("<section id=\"holds\""), "holds have their section");
        // The menu leads staff to the legal clocks and the 市町村長同意 of their own municipality.
        for (menu, own) in
            [("/clocks", "/municipalities/131105/clocks"), ("/consents", "/municipalities/131105/consents")]
        {
            assert!(today.contains(&format!("href=\"{menu}\"")), "the menu offers {menu}");
            let response = app.client.get(format!("{}{menu}", app.base)).send().await.unwrap();
            assert_eq!(response.status().as_u16(), 303, "{menu}");
            assert_eq!(response.headers()["location"], own);
        }

        // The 地区担当 of 東部 sees 東部's report, never 西部's.
        let (status, district) = client(&everyone, "地区担当").get("/").await;
        assert_eq!(status, 200);
        assert!(district.contains("とうぶ たろう"), "her 地区's report");
        assert!(!district.contains("せいぶ たろう"), "no report of another 地区");
        assert!(district.contains("東部地区"), "the page names her scope");

        // Hospital staff: the hold to answer and the ward; no case-work menu.
        let (status, hospital) = client(&everyone, "病院職員").get("/").await;
        assert_eq!(status, 200);
        assert!(hospital.contains("回答待ちの仮押さえ") && hospital.contains("href=\"/hospital#hold-"), "{hospital}");
        assert!(hospital.contains("href=\"/hospital\""), "the hospital's page is in reach");
        assert!(!hospital.contains("href=\"/municipalities\""), "no sheet menu for a hospital");
        assert!(!hospital.contains("href=\"/clocks\"") && !hospital.contains("href=\"/consents\""), "no case work");

        // The 協議の場 member: the sheets and downloads, nothing that changes them.
        let (status, council) = client(&everyone, "協議の場").get("/").await;
        assert_eq!(status, 200);
        assert!(council.contains("href=\"/municipalities/131105/sheets/2022\""), "the sheet");
        assert!(council.contains("/sheets/2022/export.xlsx"), "the figures to download");
        for refused in ["href=\"/import\"", "href=\"/cases\"", "href=\"/admin/users\""] {
            assert!(!council.contains(refused), "council start page offers {refused}");
        }
        let (_, sheet) = client(&everyone, "協議の場").get("/municipalities/131105/sheets/2022").await;
        for refused in ["/edit/", "表題を編集", "へ複製", "figures.csv", "取り込み"] {
            assert!(!sheet.contains(refused), "a read-only member is offered {refused}");
        }
        let (_, list) = client(&everyone, "協議の場").get("/municipalities").await;
        assert!(!list.contains("新しいシートを作成"), "no new-sheet form for a read-only member");

        // The administrator: accounts and the audit log, no case records.
        let (status, admin) = client(&everyone, "管理者").get("/").await;
        assert_eq!(status, 200);
        assert!(admin.contains("href=\"/admin/users\"") && admin.contains("href=\"/admin/audit\""), "{admin}");
        assert!(!admin.contains("とうぶ"), "no personal data for the administrator");
    })
    .await;
}

#[tokio::test]
async fn the_refusal_page_keeps_the_menu_and_says_where_to_go() {
    for_each_backend(|app| async move {
        seed(&app).await;
        let everyone = accounts(&app).await;
        let hospital = client(&everyone, "病院職員");
        let (status, page) = hospital.get("/municipalities").await;
        assert_eq!(status, 403);
        assert!(page.contains("権限がありません"), "{page}");
        assert!(page.contains("<a href=\"/hospital\">病棟・受入れ</a>"), "the hospital's menu stays: {page}");
        assert!(page.contains("href=\"/\">ホームへ戻る"), "the way back leads to the start page");
        assert!(page.contains("病院職員のアカウントで使える画面"), "the page says where to go");
        let (status, page) = hospital.get("/no/such/page").await;
        assert_eq!(status, 404);
        assert!(page.contains("<a href=\"/hospital\">病棟・受入れ</a>"), "a 404 keeps the menu too");
        // Nobody signed in: the sign-in, no menu.
        let (status, page) = crate::harness::anonymous_client()
            .get(format!("{}/no/such/page", app.base))
            .send()
            .await
            .map(|r| (r.status().as_u16(), r))
            .unwrap();
        assert_eq!(status, 404);
        let page = page.text().await.unwrap();
        assert!(page.contains("href=\"/login\"") && !page.contains("<nav>"), "{page}");
        // The start page itself asks a stranger to sign in.
        let response = crate::harness::anonymous_client().get(format!("{}/", app.base)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 303);
        assert_eq!(response.headers()["location"], "/login");
    })
    .await;
}
