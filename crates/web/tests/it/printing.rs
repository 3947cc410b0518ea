//! The prints of case work through HTTP: the case summary and the 退院後支援計画 as the PDF a
//! 保健師 opens from the page's link, read back with pdftotext. Each holds what its page shows
//! and nothing of another person, is refused (404 after a `denied` row, or 403 by the policy) for
//! another 地区 or municipality, and leaves a `print` audit row; times are in Japan time.

use crate::for_each_backend;
use crate::harness::{Client, TestApp, account_in_scope, staff_account};
use crate::plans::revision_of as plan_revision;
use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Role, Scope};

fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// Whitespace taken out: pdftotext breaks lines and spaces words where the layout does.
fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The text of a PDF in content order (`pdftotext -raw`), squeezed.
fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("print.pdf");
    std::fs::write(&path, pdf).unwrap();
    if let Some(keep) = std::env::var_os("NIMO_SCREENSHOT_DIR") {
        let name = format!("print-{}.pdf", pdf.len());
        std::fs::create_dir_all(&keep).unwrap();
        std::fs::copy(&path, std::path::Path::new(&keep).join(name)).unwrap();
    }
    let out = std::process::Command::new("pdftotext").arg("-raw").arg(&path).arg("-").output().expect("pdftotext");
    assert!(out.status.success());
    squeeze(&String::from_utf8(out.stdout).unwrap())
}

/// GETs a print: 200, a PDF shown in the browser, named without personal data.
async fn print(app: &TestApp, path: &str) -> String {
    let (status, headers, pdf) = app.get_bytes(path).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&pdf));
    assert_eq!(headers["content-type"], "application/pdf");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("inline; filename=\"") && disposition.is_ascii(), "{disposition}");
    assert!(pdf.starts_with(b"%PDF"));
    pdf_text(&pdf)
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db.pool).await.unwrap()
}

fn intake(name_kanji: &str, name_kana: &str, circumstances: &str, address: &str) -> Vec<(String, String)> {
    form(&[
        ("received_at", "2022-04-01T10:30"),
        ("police_station", "目黒警察署"),
        ("district", "西部"),
        ("resident", "1"),
        ("circumstances", circumstances),
        ("next_due_on", "2022-04-02"),
        ("name_kana", name_kana),
        ("name_kanji", name_kanji),
        ("birth_date", "1985-04-01"),
        ("sex", "m"),
        ("address", address),
        ("contact", "000-9999-0000"),
    ])
}

/// Takes a report in; returns the case page's path.
async fn a_case(app: &TestApp, fields: Vec<(String, String)>) -> String {
    let (status, location, body) = app.post_form("/municipalities/131105/cases", &fields).await;
    assert_eq!(status, 303, "{body}");
    location.unwrap().split('?').next().unwrap().to_string()
}

async fn case_step(app: &TestApp, case: &str, fields: &[(&str, &str)]) {
    let (_, page) = app.get(case).await;
    let mut fields = form(fields);
    fields.push(("revision".into(), crate::cases::revision_of(&page)));
    let (status, _, body) = app.post_form(&format!("{case}/events"), &fields).await;
    assert_eq!(status, 303, "{body}");
}

/// Another person's case in the same 地区: nothing of it may reach a print of the first.
async fn someone_else(app: &TestApp) {
    a_case(app, intake("別人 二郎", "べつじん じろう", "駅前で別件の通報", "別町1-1")).await;
}

const ONE: (&str, &str, &str, &str) = ("見本 一郎", "みほん いちろう", "自宅で大声、家族が通報", "見本町9-9");
const OTHER_TEXTS: [&str; 4] = ["別人二郎", "べつじんじろう", "駅前で別件の通報", "別町1-1"];

#[tokio::test]
async fn a_case_summary_prints_what_the_case_page_shows_and_is_audited() {
    for_each_backend(|app| async move {
        let case = a_case(&app, intake(ONE.0, ONE.1, ONE.2, ONE.3)).await;
        someone_else(&app).await;
        case_step(
            &app,
            &case,
            &[("event", "start_investigation"), ("staff_count", "2"), ("occurred_on", "2022-04-01")],
        )
        .await;
        case_step(&app, &case, &[("event", "order_exam"), ("occurred_on", "2022-04-01")]).await;
        case_step(
            &app,
            &case,
            &[
                ("event", "examine"),
                ("occurred_time", "14:00"),
                ("occurred_on", "2022-04-02"),
                ("first", "needs_sochi"),
                ("second", "needs_sochi"),
                ("disposition", "sochi"),
                ("hospital", "見本記念病院"),
                ("note", "二次診察は午後に実施"),
                ("next_due_on", "2022-04-16"),
            ],
        )
        .await;
        let (_, page) = app.get(&case).await;
        let link = format!("{case}/print.pdf");
        assert!(page.contains(&format!("href=\"{link}\"")), "the case page links to its print");
        let text = print(&app, &link).await;
        assert!(text.contains("23条通報事例の概要") && text.contains("取扱注意（要配慮個人情報）"), "{text}");
        assert!(text.contains("目黒区23条通報事例の概要"), "the municipality's name heads every page: {text}");
        let shown = [
            "2022-04-0110:30",
            "23条（警察官の通報）",
            "調査職員2名",
            "目黒警察署",
            "西部",
            "区内（区民）",
            "見本一郎（みほんいちろう）",
            "1985-04-01",
            "自宅で大声、家族が通報",
            "措置入院",
            "見本記念病院",
            "二次診察は午後に実施",
            "2022-04-16",
        ];
        let page = squeeze(&page);
        for expected in shown {
            assert!(page.contains(expected), "the page shows {expected}");
            assert!(text.contains(expected), "the print lacks {expected}: {text}");
        }
        let reception = page.split("受付番号</dt><dd>").nth(1).unwrap().split('<').next().unwrap();
        let state = page.split("状態:<strong>").nth(1).unwrap().split('<').next().unwrap();
        assert!(text.contains(reception) && text.contains(state), "{reception} {state}: {text}");
        for other in OTHER_TEXTS {
            assert!(!text.contains(other), "another person's {other} was printed");
        }
        // The case page shows neither the address nor the contact; neither does its print.
        assert!(!text.contains("見本町9-9") && !text.contains("000-9999-0000"));
        let id = case.rsplit('/').next().unwrap();
        let rows = format!(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'print' AND record_type = 'case' AND record_id = '{id}' \
             AND detail = 'pdf' AND outcome = 'ok' AND actor LIKE 'user:%'"
        );
        assert_eq!(count(&app, &rows).await, 1);
    })
    .await;
}

#[tokio::test]
async fn a_print_is_refused_for_another_district_and_another_municipality() {
    for_each_backend(|app| async move {
        let plan = crate::plans::a_plan(&app).await;
        let case = a_case(&app, intake("別人 二郎", "べつじん じろう", "駅前で別件の通報", "別町1-1")).await;
        let meguro = Some(MunicipalityCode::parse("131105").unwrap());
        let scope = Scope { municipality: meguro, district: Some("東部".into()), ..Scope::default() };
        let (_, codes) = account_in_scope(&app.db, "east-nurse", Role::Staff, scope, true).await;
        let east: Client = TestApp::client_for(&app, "east-nurse", &codes[0]).await;
        let codes = staff_account(&app.db, "chiyoda-nurse", "131016").await;
        let chiyoda: Client = TestApp::client_for(&app, "chiyoda-nurse", &codes[0]).await;
        for path in [format!("{case}/print.pdf"), format!("{plan}/print.pdf")] {
            let (status, body) = east.get(&path).await;
            assert_eq!(status, 404, "{path}: another 地区");
            assert!(!body.starts_with("%PDF") && !body.contains("見本") && !body.contains("別人"), "{body}");
            let (status, body) = chiyoda.get(&path).await;
            assert_eq!(status, 403, "{path}: another municipality");
            assert!(!body.starts_with("%PDF") && !body.contains("見本") && !body.contains("別人"));
            // Named under the viewer's own municipality, the record is not found there.
            let (status, _) = chiyoda.get(&path.replace("/131105/", "/131016/")).await;
            assert_eq!(status, 404, "{path} under 131016");
        }
        assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'print'").await, 0);
        let denied = "SELECT COUNT(*) FROM audit_log WHERE action = 'denied' AND record_type IN ('case', 'plan')";
        assert!(count(&app, denied).await >= 4, "each refusal of a record is audited");
    })
    .await;
}

async fn plan_step(app: &TestApp, plan: &str, path: &str, fields: &[(&str, &str)]) {
    let (_, page) = app.get(plan).await;
    let mut fields = form(fields);
    fields.push(("revision".into(), plan_revision(&page)));
    let (status, _, body) = app.post_form(&format!("{plan}/{path}"), &fields).await;
    assert_eq!(status, 303, "{body}");
}

#[tokio::test]
async fn a_support_plan_prints_its_sections_with_what_the_page_shows_and_is_audited() {
    for_each_backend(|app| async move {
        let plan = crate::plans::a_plan(&app).await;
        someone_else(&app).await;
        let contents = "本人の希望: 自宅で暮らしたい\n医療: 見本クリニック（000-1111-2222）\nクライシスプラン: 眠れない日が続いたら保健師へ";
        plan_step(&app, &plan, "events", &[("event", "draft"), ("occurred_on", "2022-05-02"), ("contents", contents)])
            .await;
        plan_step(
            &app,
            &plan,
            "meetings",
            &[
                ("held_on", "2022-05-03"),
                ("purpose", "pre_discharge"),
                ("participants", "目黒区保健予防課／保健師\n見本記念病院／精神保健福祉士"),
                ("person_attended", "1"),
                ("minutes", "内部の議事録"),
            ],
        )
        .await;
        let fields = [
            ("event", "start"),
            ("occurred_on", "2022-05-10"),
            ("period_end", "2022-11-09"),
            ("next_review", "2022-08-01"),
            ("note", "内部の記録"),
        ];
        plan_step(&app, &plan, "events", &fields).await;
        let (_, page) = app.get(&plan).await;
        let link = format!("{plan}/print.pdf");
        assert!(page.contains(&format!("href=\"{link}\"")), "the plan page links to its print");
        let text = print(&app, &link).await;
        let page = squeeze(&page);
        let shown = [
            "見本一郎",
            "みほんいちろう",
            "同意あり（本人に確認、2022-05-01）",
            "支援中",
            "2022-05-10",
            "2022-11-09",
            "2022-08-01",
            "本人の希望:自宅で暮らしたい",
            "医療:見本クリニック（000-1111-2222）",
            "クライシスプラン:眠れない日が続いたら保健師へ",
            "目黒区保健予防課（保健師）",
            "見本記念病院（精神保健福祉士）",
            "計画内容の作成",
        ];
        for expected in shown {
            assert!(page.contains(expected), "the page shows {expected}");
            assert!(text.contains(expected), "the print lacks {expected}: {text}");
        }
        for section in ["１本人", "２計画の作成と同意", "３入院と支援の期間", "４計画の内容", "５支援会議", "６経過", "７本人の同意"] {
            assert!(text.contains(section), "{section}");
        }
        // The address the plan is for, from the person's page; 計画作成日 is the draft's day.
        assert!(text.contains("見本町9-9") && text.contains("計画作成日2022-05-02"), "{text}");
        assert!(text.contains("要確認"), "the unverified mapping to the 参考様式 is marked");
        // Internal records stay on the page.
        assert!(!text.contains("内部の議事録") && !text.contains("内部の記録"));
        for other in OTHER_TEXTS {
            assert!(!text.contains(other), "another person's {other} was printed");
        }
        let id = plan.rsplit('/').next().unwrap();
        let rows = format!(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'print' AND record_type = 'plan' AND record_id = '{id}' \
             AND detail = 'pdf'"
        );
        assert_eq!(count(&app, &rows).await, 1);
    })
    .await;
}

#[tokio::test]
async fn times_are_shown_in_japan_time() {
    for_each_backend(|app| async move {
        // 2026-05-01 09:30 UTC is 18:30 in Tokyo.
        sqlx::query("UPDATE sheet SET updated_at = '2026-05-01T09:30:00Z'").execute(&app.db.pool).await.unwrap();
        let (_, page) = app.get("/municipalities/131105/sheets/2022").await;
        assert!(page.contains("更新 2026-05-01 18:30"), "{page}");
        assert!(!page.contains("UTC"));
        // A print's footer: the time it was printed, in Japan time.
        let case = a_case(&app, intake(ONE.0, ONE.1, ONE.2, ONE.3)).await;
        let before = squeeze(&nimo_web::display::jst_minute(app.clock.now()));
        let text = print(&app, &format!("{case}/print.pdf")).await;
        let after = squeeze(&nimo_web::display::jst_minute(app.clock.now()));
        assert!(text.contains(&format!("出力{before}（日本時間）")) || text.contains(&after), "{before}: {text}");
    })
    .await;
}
