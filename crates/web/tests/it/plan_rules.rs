//! The 退院後支援計画 rules corrected after the guideline (障発0327第16号), through HTTP: the
//! person's own consent (a 家族等's view is recorded, never instead of it; a plan opened earlier on
//! a 家族等's answer reads 要確認 until the person answers), an extension only after a 支援会議
//! held for it (no fixed limit, 要確認), 移管 only to a 保健所設置自治体 (a plain 市町村 names its
//! 都道府県), and a 支援会議 the police attend recorded only with the guideline's conditions.

use crate::harness::{TestApp, for_each_backend, form};
use crate::plans::{a_person, a_plan, revision_of};

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db.pool).await.unwrap()
}

async fn step(app: &TestApp, plan: &str, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let (_, page) = app.get(plan).await;
    let mut fields = form(fields);
    fields.push(("revision".into(), revision_of(&page)));
    let (status, _, body) = app.post_form(&format!("{plan}/{path}"), &fields).await;
    (status, body)
}

/// Drafts, holds the first meeting and starts support on 2022-05-20 until 2022-11-20.
async fn started(app: &TestApp, plan: &str) {
    for (path, fields) in [
        ("events", vec![("event", "draft"), ("occurred_on", "2022-05-02"), ("contents", "内容")]),
        ("meetings", vec![("held_on", "2022-05-10"), ("purpose", "pre_discharge"), ("participants", "目黒区／保健師")]),
        ("events", vec![("event", "start"), ("occurred_on", "2022-05-20"), ("period_end", "2022-11-20")]),
    ] {
        let (status, body) = step(app, plan, path, &fields).await;
        assert_eq!(status, 303, "{path}: {body}");
    }
}

#[tokio::test]
async fn a_family_answer_alone_opens_no_plan_and_its_view_is_kept_beside_the_persons_consent() {
    for_each_backend(|app| async move {
        let person = a_person(&app).await;
        let (_, page) = app.get(&format!("{person}/plans")).await;
        assert!(page.contains("家族等の意見（聴いた場合）") && !page.contains("name=\"party\""), "{page}");
        let by_family = form(&[("consent", "given"), ("party", "family"), ("occurred_on", "2022-05-01")]);
        let (status, _, body) = app.post_form(&format!("{person}/plans"), &by_family).await;
        assert_eq!(status, 422);
        assert!(body.contains("計画の作成には本人の同意が必要です"), "{body}");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM discharge_plan").await, 0);
        let with_view = form(&[
            ("consent", "given"),
            ("occurred_on", "2022-05-01"),
            ("family_relation", "parent"),
            ("family_view", "母は自宅への退院に不安がある"),
        ]);
        let (status, plan, body) = app.post_form(&format!("{person}/plans"), &with_view).await;
        assert_eq!(status, 303, "{body}");
        let (_, page) = app.get(&plan.unwrap()).await;
        assert!(page.contains("同意あり（本人に確認、2022-05-01）"), "{page}");
        assert!(
            page.contains("家族等（親）の意見（本人の同意に代わるものではありません）: 母は自宅への退院に不安がある")
        );
        let raw: String =
            sqlx::query_scalar("SELECT family_view_sealed FROM plan_event").fetch_one(&app.db.pool).await.unwrap();
        assert!(!raw.contains("不安"));
    })
    .await;
}

#[tokio::test]
async fn a_plan_opened_on_a_family_answer_reads_to_be_confirmed_until_the_person_consents() {
    for_each_backend(|app| async move {
        let plan = a_plan(&app).await;
        // As a plan opened before the rule: its consent answered by a 家族等.
        sqlx::query("UPDATE discharge_plan SET consent_party = 'family'").execute(&app.db.pool).await.unwrap();
        sqlx::query("UPDATE plan_event SET party = 'family'").execute(&app.db.pool).await.unwrap();
        let (_, page) = app.get(&plan).await;
        assert!(page.contains("家族等の回答のみ（2022-05-01）・本人の同意は未確認（要確認）"), "{page}");
        assert!(page.contains("本人の同意を確認してください（要確認）") && page.contains("id=\"action-consent\""));
        let (status, body) = step(&app, &plan, "events", &[("event", "consent"), ("occurred_on", "2022-05-03")]).await;
        assert_eq!(status, 422);
        assert!(body.contains("本人の同意の有無を選んでください"), "{body}");
        let answer = [("event", "consent"), ("occurred_on", "2022-05-03"), ("answer", "given")];
        let (status, body) = step(&app, &plan, "events", &answer).await;
        assert_eq!(status, 303, "{body}");
        let (_, page) = app.get(&plan).await;
        assert!(
            page.contains("同意あり（本人に確認、2022-05-01）") && !page.contains("本人の同意を確認してください"),
            "{page}"
        );
        assert!(!page.contains("id=\"action-consent\""));
    })
    .await;
}

#[tokio::test]
async fn an_extension_needs_a_meeting_held_for_it_and_has_no_unverified_limit() {
    for_each_backend(|app| async move {
        let plan = a_plan(&app).await;
        started(&app, &plan).await;
        let extend = [
            ("event", "extend"),
            ("occurred_on", "2022-11-01"),
            ("new_end", "2023-08-31"),
            ("reason", "服薬が安定しない"),
            ("consent", "1"),
        ];
        let (status, body) = step(&app, &plan, "events", &extend).await;
        assert_eq!(status, 422);
        assert!(body.contains("延長を検討する支援会議（目的「延長の検討」）を開いて記録してください"), "{body}");
        assert!(
            body.contains(
                "延長の上限（期間・回数）はガイドライン原文で確認できていないため、制限していません（要確認）"
            )
        );
        assert_eq!(count(&app, "SELECT COUNT(*) FROM plan_event WHERE kind = 'extend'").await, 0);
        let meeting = [("held_on", "2022-10-25"), ("purpose", "extension"), ("participants", "目黒区／保健師")];
        assert_eq!(step(&app, &plan, "meetings", &meeting).await.0, 303);
        assert!(app.get(&plan).await.1.contains("延長を検討する支援会議: 2022-10-25 開催"));
        // More than 6 months beyond the current end: not refused (no verified limit).
        let (status, body) = step(&app, &plan, "events", &extend).await;
        assert_eq!(status, 303, "{body}");
        let (_, page) = app.get(&plan).await;
        assert!(page.contains("2023-08-31（延長 1 回）"), "{page}");
    })
    .await;
}

#[tokio::test]
async fn a_transfer_goes_to_a_health_centre_authority_and_a_plain_town_names_its_prefecture() {
    for_each_backend(|app| async move {
        let plan = a_plan(&app).await;
        let to = |code| [("event", "transfer"), ("occurred_on", "2022-06-01"), ("destination", code), ("consent", "1")];
        // 武蔵野市 (132039) has no 保健所.
        let (status, body) = step(&app, &plan, "events", &to("132039")).await;
        assert_eq!(status, 422);
        assert!(
            body.contains("132039は保健所を設置していないため、都道府県（東京都、130001）を入力してください"),
            "{body}"
        );
        assert!(body.contains("総務省の一覧と照合していません（要確認）"));
        let (status, body) = step(&app, &plan, "events", &to("130001")).await;
        assert_eq!(status, 303, "{body}");
        let (_, page) = app.get(&plan).await;
        assert!(page.contains("<dt>移管先</dt><dd>130001（東京都・都道府県）</dd>"), "{page}");
    })
    .await;
}

#[tokio::test]
async fn a_meeting_the_police_attend_is_recorded_only_with_the_guidelines_conditions() {
    for_each_backend(|app| async move {
        let plan = a_plan(&app).await;
        let (_, page) = app.get(&plan).await;
        assert!(page.contains("会議には防犯の観点から警察が参加することは認められません"), "the form warns");
        let mut meeting = vec![
            ("held_on", "2022-05-10"),
            ("purpose", "pre_discharge"),
            ("participants", "目黒区保健予防課／保健師\n目黒警察署／生活安全課"),
        ];
        let (status, body) = step(&app, &plan, "meetings", &meeting).await;
        assert_eq!(status, 422);
        assert!(body.contains("警察が参加する会議は、次の条件をすべて確認した場合に限り記録できます"), "{body}");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM plan_meeting").await, 0);
        meeting.extend([
            ("police_attended", "1"),
            ("police_support_only", "1"),
            ("police_views_heard", "1"),
            ("police_others_agreed", "1"),
        ]);
        let (status, body) = step(&app, &plan, "meetings", &meeting).await;
        assert_eq!(status, 422, "the person's not refusing is not confirmed");
        assert!(body.contains("本人は警察の参加を拒否していない"), "{body}");
        meeting.push(("police_person_not_refused", "1"));
        assert_eq!(step(&app, &plan, "meetings", &meeting).await.0, 303);
        let (_, page) = app.get(&plan).await;
        assert!(
            page.contains("警察が参加した会議")
                && page.contains("警察以外の支援関係者の間で警察の参加について合意した")
        );
        assert_eq!(count(&app, "SELECT COUNT(*) FROM plan_meeting WHERE police_attended = 1").await, 1);
    })
    .await;
}
