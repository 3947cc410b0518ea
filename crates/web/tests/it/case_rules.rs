//! Corrections of the 23条 case rules (issue 14, item 6), through HTTP as a browser posts them: a
//! 緊急措置 after a second 指定医's 措置不要 needs a reason and is flagged 要確認; two findings of
//! 要措置 with a disposition other than 措置入院 need a reason; the report's legal basis is a
//! field and only 23条 reports count as the sheet's 23条通報; the staff at 事前調査 are counted.

use crate::cases::{intake, revision_of};
use crate::{TestApp, for_each_backend};

fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

async fn step(app: &TestApp, case: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let (_, page) = app.get(case).await;
    let mut fields = form(fields);
    fields.push(("revision".into(), revision_of(&page)));
    let (status, _, body) = app.post_form(&format!("{case}/events"), &fields).await;
    (status, body)
}

/// A report about a person not yet known, taken in under `article`; returns the case page path.
async fn intake_unknown(app: &TestApp, article: &str) -> String {
    let fields = form(&[
        ("received_at", "2021-07-01T09:00"),
        ("article", article),
        ("police_station", "碑文谷警察署"),
        ("district", "西部"),
        ("resident", "1"),
        ("circumstances", "路上で大声"),
        ("unknown", "1"),
    ]);
    let (status, location, body) = app.post_form("/municipalities/131105/cases", &fields).await;
    assert_eq!(status, 303, "{body}");
    location.unwrap().split('?').next().unwrap().to_string()
}

/// A case taken in and brought to the 措置診察.
async fn case_at_exam(app: &TestApp) -> String {
    let case = intake_unknown(app, "23").await;
    let investigate = [("event", "start_investigation"), ("occurred_on", "2021-06-01"), ("staff_count", "2")];
    assert_eq!(step(app, &case, &investigate).await.0, 303);
    assert_eq!(step(app, &case, &[("event", "order_exam"), ("occurred_on", "2021-06-01")]).await.0, 303);
    case
}

fn exam<'a>(second: &'a str, disposition: &'a str, reason: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("event", "examine"),
        ("occurred_time", "14:00"),
        ("occurred_on", "2021-06-02"),
        ("first", "needs_sochi"),
        ("second", second),
        ("disposition", disposition),
        ("hospital", "見本記念病院"),
        ("reason", reason),
    ]
}

#[tokio::test]
async fn a_kinkyu_sochi_after_a_second_doctors_no_sochi_needs_a_reason_and_is_flagged() {
    for_each_backend(|app| async move {
        let case = case_at_exam(&app).await;
        let (status, body) = step(&app, &case, &exam("no_sochi", "kinkyu_sochi", "")).await;
        assert_eq!(status, 422, "refused without a reason");
        assert!(body.contains("二次診察が「措置不要」の後に緊急措置入院とする理由を入力してください"), "{body}");
        assert!(body.contains("href=\"#examine-reason\""), "the summary links to the field");
        assert!(app.get(&case).await.1.contains("状態: <strong>措置診察予定</strong>"), "nothing was saved");

        let (status, body) = step(&app, &case, &exam("no_sochi", "kinkyu_sochi", "二次診察後に病状が急変")).await;
        assert_eq!(status, 303, "{body}");
        let (_, page) = app.get(&case).await;
        assert!(page.contains("状態: <strong>フォロー中</strong>・処遇: 緊急措置入院"), "{page}");
        assert!(page.contains("二次診察後に病状が急変"), "the reason is on the record");
        assert!(page.contains("class=\"review-flag\""), "the case is flagged for review: {page}");
        assert!(page.contains("要確認") && page.contains("法29条の2"), "the flag says why, with its source");
        let (_, list) = app.get("/municipalities/131105/cases").await;
        assert!(list.contains("class=\"review-mark\">要確認"), "the worklist marks it: {list}");
    })
    .await;
}

#[tokio::test]
async fn two_findings_of_sochi_with_another_disposition_need_a_reason() {
    for_each_backend(|app| async move {
        let case = case_at_exam(&app).await;
        let (status, body) = step(&app, &case, &exam("needs_sochi", "iryo_hogo", "")).await;
        assert_eq!(status, 422);
        assert!(body.contains("2人の指定医がともに「要措置」のときに措置入院としない理由を入力してください"), "{body}");
        assert!(body.contains("value=\"見本記念病院\""), "what was typed is kept");
        let (status, body) = step(&app, &case, &exam("needs_sochi", "iryo_hogo", "家族の同意で医療保護入院")).await;
        assert_eq!(status, 303, "{body}");
        let (_, page) = app.get(&case).await;
        assert!(page.contains("処遇: 医療保護入院") && page.contains("家族の同意で医療保護入院"));
        assert!(!page.contains("class=\"review-flag\""), "a reasoned disposition is not a review flag");
        // Agreeing findings and 措置入院 need no reason.
        let other = case_at_exam(&app).await;
        assert_eq!(step(&app, &other, &exam("needs_sochi", "sochi", "")).await.0, 303);
    })
    .await;
}

#[tokio::test]
async fn the_reports_legal_basis_is_recorded_and_only_23_jou_reports_are_counted_as_such() {
    for_each_backend(|app| async move {
        let (_, page) = app.get("/municipalities/131105/cases/new").await;
        assert!(page.contains("name=\"article\"") && page.contains("22条（一般人の申請）"), "{page}");
        assert!(page.contains("value=\"23\" selected"), "23条 is the default");
        let police = intake(&app).await;
        let mut citizen = form(&[
            ("received_at", "2021-07-01T09:00"),
            ("article", "22"),
            ("police_station", "本人の家族"),
            ("district", "西部"),
            ("resident", "1"),
            ("circumstances", "家族からの申請"),
            ("unknown", "1"),
        ]);
        let (status, location, body) = app.post_form("/municipalities/131105/cases", &citizen).await;
        assert_eq!(status, 303, "{body}");
        let citizen_case = location.unwrap().split('?').next().unwrap().to_string();
        let (_, page) = app.get(&citizen_case).await;
        assert!(page.contains("22条（一般人の申請）"), "{page}");
        assert!(app.get(&police).await.1.contains("23条（警察官の通報）"));
        // An unknown article is refused beside its field.
        citizen.retain(|(k, _)| k != "article");
        citizen.push(("article".into(), "99".into()));
        let (status, _, body) = app.post_form("/municipalities/131105/cases", &citizen).await;
        assert_eq!(status, 422);
        assert!(body.contains("通報・申請の根拠条文を一覧から選んでください"), "{body}");
        // The sheet's 23条通報 count holds the 23条 report only.
        let (_, sheet) = app.get("/municipalities/131105/sheets/2022").await;
        assert!(sheet.contains("（参考）目黒区内 23条通報 1件"), "{sheet}");
        assert!(sheet.contains("そのうち目黒区民 1件"));
    })
    .await;
}

#[tokio::test]
async fn the_number_of_staff_at_the_investigation_is_required_and_shown() {
    for_each_backend(|app| async move {
        let case = intake(&app).await;
        let (_, page) = app.get(&case).await;
        assert!(page.contains("name=\"staff_count\""), "the form asks for it");
        let (status, body) =
            step(&app, &case, &[("event", "start_investigation"), ("occurred_on", "2021-06-01")]).await;
        assert_eq!(status, 422);
        assert!(body.contains("事前調査に当たった職員の人数を入力してください"), "{body}");
        let (status, body) =
            step(&app, &case, &[("event", "start_investigation"), ("occurred_on", "2021-06-01"), ("staff_count", "0")])
                .await;
        assert_eq!(status, 422);
        assert!(body.contains("事前調査に当たった職員の人数を1から20の数で入力してください"), "{body}");
        let (status, body) =
            step(&app, &case, &[("event", "start_investigation"), ("occurred_on", "2021-06-01"), ("staff_count", "1")])
                .await;
        assert_eq!(status, 303, "{body}");
        let (_, page) = app.get(&case).await;
        assert!(page.contains("調査職員 1名"), "{page}");
        assert!(page.contains("2名以上での調査"), "one person alone is pointed out against the guideline");
        let staff: Option<i64> =
            sqlx::query_scalar("SELECT staff_count FROM case_event WHERE kind = 'start_investigation'")
                .fetch_one(&app.db.pool)
                .await
                .unwrap();
        assert_eq!(staff, Some(1));
    })
    .await;
}
