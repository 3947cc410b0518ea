//! Outreach through HTTP, as the sheet's ③ counts it: a call (電話) is not a visit, a visit by a
//! team is one visit with several professions (助産師 and 作業療法士 among them), counted once in
//! the line of each profession that took part.

use crate::harness::{TestApp, for_each_backend, form};
use crate::plans::a_person;

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db.pool).await.unwrap()
}

#[tokio::test]
async fn calls_are_not_visits_and_a_team_visit_counts_once_per_profession() {
    for_each_backend(|app| async move {
        let person = a_person(&app).await;
        let (_, page) = app.get(&person).await;
        assert!(page.contains(">助産師</option>") && page.contains(">作業療法士</option>"), "{page}");
        assert!(page.contains("name=\"team\" value=\"midwife\""));
        let visits = format!("{person}/visits");
        let visit = |profession: &str, method: &str, team: &[&str]| {
            let mut fields = form(&[
                ("visited_on", "2021-07-01"),
                ("profession", profession),
                ("method", method),
                ("outcome", "met"),
            ]);
            fields.extend(team.iter().map(|t| ("team".to_string(), t.to_string())));
            fields
        };
        // An unknown profession in the team is refused beside the field; nothing saved.
        let (status, _, body) = app.post_form(&visits, &visit("psw", "home", &["astronaut"])).await;
        assert_eq!(status, 422);
        assert!(body.contains("同行した職種を一覧から選んでください"), "{body}");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM outreach_visit").await, 0);
        for fields in [
            visit("psw", "phone", &[]),
            visit("psw", "home", &["doctor", "midwife", "psw"]),
            visit("psw", "accompanied", &[]),
        ] {
            let (status, _, body) = app.post_form(&visits, &fields).await;
            assert_eq!(status, 303, "{body}");
        }
        assert_eq!(count(&app, "SELECT COUNT(*) FROM outreach_visit").await, 3, "a team visit is one visit");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM outreach_visit_profession").await, 5);
        // The R4 sheet reports 令和3年度: two visits with a 精神保健福祉士 (the call is not one), one
        // with a 医師.
        let (_, sheet) = app.get("/municipalities/131105/sheets/2022").await;
        assert!(sheet.contains("精神保健福祉士による訪問 2件") && sheet.contains("医師等による訪問 1件"), "{sheet}");
        let (status, listed) = app.get("/municipalities/131105/sheets/2022/figures/outreach.visits.psw").await;
        assert_eq!(status, 200);
        assert!(!listed.contains("電話"), "the call is not listed behind the visits' figure");
    })
    .await;
}
