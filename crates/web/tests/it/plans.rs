//! 退院後支援計画 through HTTP, as a browser does it: a 保健師 takes a plan from consent through a
//! 支援会議, the start, a review and an extension to its end; refused steps come back 422 with the
//! reason beside the field and nothing saved; a 地区担当 of another 地区 gets 404 and a `denied`
//! row; every page view is audited; minutes are sealed at rest.

use crate::for_each_backend;
use crate::harness::{Client, TestApp, account_in_scope};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Role, Scope};
use sqlx::Row;

fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

pub fn revision_of(html: &str) -> String {
    let at = html.find("name=\"revision\" value=\"").expect("a step form") + "name=\"revision\" value=\"".len();
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db.pool).await.unwrap()
}

const INTAKE: &[(&str, &str)] = &[
    ("received_at", "2022-04-01T10:30"),
    ("police_station", "目黒警察署"),
    ("district", "西部"),
    ("resident", "1"),
    ("circumstances", "自宅で大声、家族が通報"),
    ("next_due_on", "2022-04-02"),
    ("name_kana", "みほん いちろう"),
    ("name_kanji", "見本 一郎"),
    ("birth_date", "1985-04-01"),
    ("sex", "m"),
    ("address", "見本町9-9"),
    ("contact", "000-9999-0000"),
];

/// Takes a report in and returns the person page's path.
pub async fn a_person(app: &TestApp) -> String {
    let (status, location, body) = app.post_form("/municipalities/131105/cases", &form(INTAKE)).await;
    assert_eq!(status, 303, "{body}");
    let (_, case) = app.get(location.unwrap().split('?').next().unwrap()).await;
    let person = case.split("/people/").nth(1).unwrap().split('"').next().unwrap();
    format!("/municipalities/131105/people/{person}")
}

/// Opens a plan with consent given; returns the plan page's path.
pub async fn a_plan(app: &TestApp) -> String {
    let person = a_person(app).await;
    let consent = form(&[("consent", "given"), ("party", "person"), ("occurred_on", "2022-05-01")]);
    let (status, location, body) = app.post_form(&format!("{person}/plans"), &consent).await;
    assert_eq!(status, 303, "{body}");
    location.unwrap()
}

async fn step(app: &TestApp, plan: &str, kind: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let (_, page) = app.get(plan).await;
    let mut fields = form(fields);
    fields.push(("revision".into(), revision_of(&page)));
    let path = if kind == "meeting" { format!("{plan}/meetings") } else { format!("{plan}/events") };
    let (status, _, body) = app.post_form(&path, &fields).await;
    (status, body)
}

#[tokio::test]
async fn a_nurse_takes_a_plan_from_consent_to_its_end() {
    for_each_backend(|app| async move {
        let person = a_person(&app).await;
        let (status, page) = app.get(&person).await;
        assert_eq!(status, 200);
        assert!(page.contains("退院後支援計画を作成する"), "the person page links to plans");
        // A consent form without an answer is refused beside the field; nothing is saved.
        let (status, _, body) = app
            .post_form(&format!("{person}/plans"), &form(&[("party", "person"), ("occurred_on", "2022-05-01")]))
            .await;
        assert_eq!(status, 422);
        assert!(body.contains("同意の有無を選んでください"));
        assert_eq!(count(&app, "SELECT COUNT(*) FROM discharge_plan").await, 0);
        let consent = form(&[("consent", "given"), ("party", "person"), ("occurred_on", "2022-05-01")]);
        let (status, plan, _) = app.post_form(&format!("{person}/plans"), &consent).await;
        assert_eq!(status, 303);
        let plan = plan.unwrap();
        let (status, page) = app.get(&plan).await;
        assert_eq!(status, 200);
        assert!(
            page.contains("状態: <strong>計画作成中</strong>") && page.contains("同意あり（本人に確認、2022-05-01）"),
            "{page}"
        );
        // Starting before a meeting is refused.
        let (status, body) = step(
            &app,
            &plan,
            "start",
            &[("event", "start"), ("occurred_on", "2022-05-20"), ("period_end", "2022-11-20")],
        )
        .await;
        assert_eq!(status, 422);
        assert!(body.contains("支援を始める前に計画内容を作成してください"), "{body}");
        let ok = |r: (u16, String)| assert_eq!(r.0, 303, "{}", r.1);
        ok(step(
            &app,
            &plan,
            "draft",
            &[
                ("event", "draft"),
                ("occurred_on", "2022-05-02"),
                ("contents", "クライシスプラン: 眠れない日が続いたら主治医へ"),
            ],
        )
        .await);
        // A meeting without participants is refused beside the field.
        let (status, body) =
            step(&app, &plan, "meeting", &[("held_on", "2022-05-10"), ("purpose", "pre_discharge")]).await;
        assert_eq!(status, 422);
        assert!(body.contains("参加した機関と職種を1行に1人ずつ入力してください"));
        ok(step(
            &app,
            &plan,
            "meeting",
            &[
                ("held_on", "2022-05-10"),
                ("purpose", "pre_discharge"),
                ("participants", "目黒区保健予防課／保健師\n見本記念病院／精神保健福祉士"),
                ("person_attended", "1"),
                ("minutes", "本人は一人暮らしを続けたいと話した"),
            ],
        )
        .await);
        // A period longer than 6 months is refused beside the field; nothing saved.
        let (status, body) = step(
            &app,
            &plan,
            "start",
            &[("event", "start"), ("occurred_on", "2022-05-20"), ("period_end", "2022-11-21")],
        )
        .await;
        assert_eq!(status, 422);
        assert!(body.contains("支援期間の終了日は退院日の翌日から6か月以内（2022-11-20まで）にしてください"), "{body}");
        assert!(body.contains("value=\"2022-11-21\""), "typed value kept");
        assert!(app.get(&plan).await.1.contains("状態: <strong>計画作成中</strong>"));
        ok(step(
            &app,
            &plan,
            "start",
            &[
                ("event", "start"),
                ("occurred_on", "2022-05-20"),
                ("period_end", "2022-11-20"),
                ("next_review", "2022-08-01"),
            ],
        )
        .await);
        // The started plan follows no 措置入院: the sheet's ② (措置入院者退院後支援) of the R5 sheet
        // (which reports 令和4年度) does not count it; the entered value stays.
        let (status, _, _) = app.post_form("/municipalities/131105/sheets/2022/copy", &[]).await;
        assert_eq!(status, 303);
        let (_, r5) = app.get("/municipalities/131105/sheets/2023").await;
        assert!(
            !r5.contains("href=\"/municipalities/131105/sheets/2023/figures/discharge_support.plans\""),
            "a plan of someone not admitted under 措置 is not counted in ②"
        );
        ok(step(
            &app,
            &plan,
            "review",
            &[("event", "review"), ("occurred_on", "2022-08-01"), ("next_review", "2022-10-01")],
        )
        .await);
        ok(step(
            &app,
            &plan,
            "meeting",
            &[
                ("held_on", "2022-10-25"),
                ("purpose", "extension"),
                ("participants", "目黒区保健予防課／保健師"),
                ("person_attended", "1"),
            ],
        )
        .await);
        // An extension without the person's consent is refused.
        let (status, body) = step(
            &app,
            &plan,
            "extend",
            &[
                ("event", "extend"),
                ("occurred_on", "2022-11-01"),
                ("new_end", "2023-03-31"),
                ("reason", "服薬が安定しない"),
            ],
        )
        .await;
        assert_eq!(status, 422);
        assert!(body.contains("延長には本人の同意が必要です"));
        ok(step(
            &app,
            &plan,
            "extend",
            &[
                ("event", "extend"),
                ("occurred_on", "2022-11-01"),
                ("new_end", "2023-03-31"),
                ("reason", "服薬が安定しない"),
                ("consent", "1"),
            ],
        )
        .await);
        ok(step(&app, &plan, "end", &[("event", "end"), ("occurred_on", "2023-03-31"), ("end_reason", "period_over")])
            .await);
        let (_, page) = app.get(&plan).await;
        assert!(
            page.contains("状態: <strong>終了</strong>") && page.contains("期間満了") && page.contains("延長 1 回"),
            "{page}"
        );
        assert!(page.contains("見本記念病院（精神保健福祉士）") && page.contains("本人は一人暮らしを続けたいと話した"));
        // An ended plan accepts nothing more.
        let fields = form(&[("event", "review"), ("occurred_on", "2023-04-01"), ("revision", "7")]);
        let (status, _, body) = app.post_form(&format!("{plan}/events"), &fields).await;
        assert_eq!(status, 422);
        assert!(body.contains("「終了」の状態では「見直し」はできません"), "{body}");
        // Minutes and reasons are sealed at rest.
        let raw: String = sqlx::query("SELECT minutes_sealed FROM plan_meeting")
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
            .try_get("minutes_sealed")
            .unwrap();
        assert!(!raw.contains("一人暮らし") && !raw.is_empty());
        // The person's timeline shows the plan's steps.
        let (_, timeline) = app.get(&person).await;
        assert!(timeline.contains("退院後支援計画 支援会議") && timeline.contains("退院後支援計画 期間の延長"));
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'write' AND record_type = 'plan'").await,
            7
        );
        let reads = count(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'read' AND record_type = 'plan'").await;
        // 14 page views (11 of them before a step) and 5 refused steps shown again.
        assert_eq!(reads, 19, "every plan page shown is audited");
        // The list and its audit row.
        let (status, _) = app.get("/municipalities/131105/plans").await;
        assert_eq!(status, 200);
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'read' AND record_type = 'plan_list'").await,
            1
        );
    })
    .await;
}

#[tokio::test]
async fn reminders_show_on_the_list_and_another_district_gets_404() {
    for_each_backend(|app| async move {
        let plan = a_plan(&app).await;
        let today = time::OffsetDateTime::now_utc().date();
        let start = (today - time::Duration::days(30)).to_string();
        let review = (today + time::Duration::days(7)).to_string();
        let end = nimo_domain::plans::add_months(today - time::Duration::days(30), 6).to_string();
        for (kind, fields) in [
            ("draft", vec![("event", "draft"), ("occurred_on", "2022-05-02"), ("contents", "内容")]),
            (
                "meeting",
                vec![("held_on", "2022-05-03"), ("purpose", "pre_discharge"), ("participants", "目黒区／保健師")],
            ),
            (
                "start",
                vec![
                    ("event", "start"),
                    ("occurred_on", start.as_str()),
                    ("period_end", end.as_str()),
                    ("next_review", review.as_str()),
                ],
            ),
        ] {
            let (status, body) = step(&app, &plan, kind, &fields).await;
            assert_eq!(status, 303, "{kind}: {body}");
        }
        let (_, list) = app.get("/municipalities/131105/plans").await;
        assert!(
            list.contains("14日以内に見直し日または終了日を迎える計画が 1 件あります") && list.contains(&review),
            "{list}"
        );
        let (_, worklist) = app.get("/municipalities/131105/cases").await;
        assert!(worklist.contains("14日以内のものが 1 件あります"));
        // A 地区担当 of 東部 does not see the 西部 plan.
        let meguro = Some(MunicipalityCode::parse("131105").unwrap());
        let scope = Scope { municipality: meguro, district: Some("東部".into()), ..Scope::default() };
        let (_, codes) = account_in_scope(&app.db, "east-nurse", Role::Staff, scope, true).await;
        let east: Client = TestApp::client_for(&app, "east-nurse", &codes[0]).await;
        assert_eq!(east.get(&plan).await.0, 404);
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'denied' AND record_type = 'plan'").await,
            1
        );
        let (status, list) = east.get("/municipalities/131105/plans").await;
        assert_eq!(status, 200);
        assert!(list.contains("作成中・支援中の計画はありません"), "the list is 地区-scoped");
        // Transfer needs a valid destination and the person's consent.
        let (status, body) = step(
            &app,
            &plan,
            "transfer",
            &[
                ("event", "transfer"),
                ("occurred_on", today.to_string().as_str()),
                ("destination", "131016"),
                ("consent", ""),
            ],
        )
        .await;
        assert_eq!(status, 422);
        assert!(body.contains("移管には本人の同意が必要です"));
        let (status, body) = step(
            &app,
            &plan,
            "transfer",
            &[
                ("event", "transfer"),
                ("occurred_on", today.to_string().as_str()),
                ("destination", "131016"),
                ("consent", "1"),
            ],
        )
        .await;
        assert_eq!(status, 303, "{body}");
        let (_, page) = app.get(&plan).await;
        assert!(page.contains("状態: <strong>移管済み</strong>") && page.contains("131016"));
    })
    .await;
}

#[tokio::test]
async fn a_form_made_before_another_change_is_a_conflict_and_saves_nothing() {
    for_each_backend(|app| async move {
        let plan = a_plan(&app).await;
        let (_, page) = app.get(&plan).await;
        let old = revision_of(&page);
        let draft = |contents: &str| {
            let mut fields = form(&[("event", "draft"), ("occurred_on", "2022-05-02"), ("contents", contents)]);
            fields.push(("revision".into(), old.clone()));
            fields
        };
        assert_eq!(app.post_form(&format!("{plan}/events"), &draft("最初の内容")).await.0, 303);
        let (status, _, body) = app.post_form(&format!("{plan}/events"), &draft("古い画面からの内容")).await;
        assert_eq!(status, 409);
        assert!(body.contains("他の職員が先にこの計画を更新しました"), "{body}");
        let (_, page) = app.get(&plan).await;
        assert!(page.contains("最初の内容") && !page.contains("古い画面からの内容"));
        assert_eq!(count(&app, "SELECT COUNT(*) FROM plan_event WHERE kind = 'draft'").await, 1);
    })
    .await;
}
