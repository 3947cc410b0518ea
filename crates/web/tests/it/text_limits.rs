//! Free text of case work through HTTP: every field of intake, case steps, visits and plans has a
//! length limit and refuses control characters (NUL, CR…) as the sheet editor does; the reason
//! stands beside the field, what was typed comes back, and nothing is saved.

use crate::harness::{TestApp, for_each_backend};

fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

const INTAKE: &[(&str, &str)] = &[
    ("received_at", "2021-06-01T10:30"),
    ("police_station", "目黒警察署"),
    ("district", "西部"),
    ("resident", "1"),
    ("circumstances", "自宅で大声"),
    ("name_kana", "みほん じろう"),
    ("birth_date", "1985-04-01"),
    ("sex", "m"),
];

fn intake_with(name: &str, value: &str) -> Vec<(String, String)> {
    let mut fields = form(INTAKE);
    fields.retain(|(k, _)| k != name);
    fields.push((name.into(), value.into()));
    fields
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db.pool).await.unwrap()
}

fn revision_of(html: &str) -> String {
    let at = html.find("name=\"revision\" value=\"").expect("a form") + "name=\"revision\" value=\"".len();
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

/// The reason shown beside a field: the field's block carries `has-error` and the message.
fn beside(body: &str, field: &str, message: &str) -> bool {
    let Some(at) = body.find(&format!("name=\"{field}\"")) else { return false };
    let block_start = body[..at].rfind("<div class=\"field").unwrap_or(0);
    let block_end = body[at..].find("</div>").map_or(body.len(), |e| at + e);
    let block = &body[block_start..block_end];
    block.contains("has-error") && block.contains(message)
}

#[tokio::test]
async fn intake_text_too_long_or_with_a_control_character_is_refused_beside_its_field() {
    for_each_backend(|app| async move {
        let long = "あ".repeat(100_000);
        let (status, _, body) =
            app.post_form("/municipalities/131105/cases", &intake_with("circumstances", &long)).await;
        assert_eq!(status, 422);
        assert!(beside(&body, "circumstances", "4,000文字までです（100,000文字あります）"), "{}", &body[..2000]);
        assert!(body.contains(&long), "what was typed is kept");
        for (field, value) in
            [("police_station", "目黒\0警察署"), ("name_kanji", "見本\0次郎"), ("address", "見本町\r1")]
        {
            let (status, _, body) = app.post_form("/municipalities/131105/cases", &intake_with(field, value)).await;
            assert_eq!(status, 422, "{field}");
            let code = if value.contains('\0') { "U+0000" } else { "U+000D" };
            assert!(beside(&body, field, &format!("制御文字（{code}）は使えません")), "{field}: {body}");
        }
        let (status, _, body) =
            app.post_form("/municipalities/131105/cases", &intake_with("name_kana", &"か".repeat(101))).await;
        assert_eq!(status, 422);
        assert!(beside(&body, "name_kana", "100文字までです（101文字あります）"), "{body}");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM report23").await, 0, "nothing taken in");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM person").await, 0, "nobody registered");
        // A textarea's CRLF and a tab are fine in a multi-line field; stored with LF.
        let (status, location, body) =
            app.post_form("/municipalities/131105/cases", &intake_with("circumstances", "一行目\r\n\t二行目")).await;
        assert_eq!(status, 303, "{body}");
        let id: i64 = location.unwrap().split('?').next().unwrap().rsplit('/').next().unwrap().parse().unwrap();
        assert_eq!(nimo_store::cases::get(&app.db, id).await.unwrap().circumstances, "一行目\n\t二行目");
    })
    .await;
}

#[tokio::test]
async fn case_steps_visits_and_plans_refuse_text_too_long_or_with_a_control_character() {
    for_each_backend(|app| async move {
        let (status, location, body) = app.post_form("/municipalities/131105/cases", &form(INTAKE)).await;
        assert_eq!(status, 303, "{body}");
        let case = location.unwrap().split('?').next().unwrap().to_string();
        let (_, page) = app.get(&case).await;
        let events = count(&app, "SELECT COUNT(*) FROM case_event").await;
        let step = form(&[
            ("event", "start_investigation"),
            ("staff_count", "2"),
            ("occurred_on", "2021-06-01"),
            ("note", &"メモ".repeat(2_001)),
            ("revision", &revision_of(&page)),
        ]);
        let (status, _, body) = app.post_form(&format!("{case}/events"), &step).await;
        assert_eq!(status, 422);
        assert!(body.contains("4,000文字までです（4,002文字あります）"), "{body}");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM case_event").await, events, "no step recorded");

        let person = page.split("/people/").nth(1).unwrap().split('"').next().unwrap();
        let visits = format!("/municipalities/131105/people/{person}/visits");
        let visit = form(&[
            ("visited_on", "2021-07-01"),
            ("profession", "psw"),
            ("method", "home"),
            ("outcome", "met"),
            ("note", "訪問\0した"),
        ]);
        let (status, _, body) = app.post_form(&visits, &visit).await;
        assert_eq!(status, 422);
        assert!(beside(&body, "note", "制御文字（U+0000）は使えません"), "{body}");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM outreach_visit").await, 0);

        let plans = format!("/municipalities/131105/people/{person}/plans");
        let consent = |note: &str| {
            form(&[("consent", "given"), ("party", "person"), ("occurred_on", "2022-05-01"), ("note", note)])
        };
        let (status, _, body) = app.post_form(&plans, &consent("同意\u{7f}あり")).await;
        assert_eq!(status, 422);
        assert!(beside(&body, "note", "制御文字（U+007F）は使えません"), "{body}");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM discharge_plan").await, 0);
        let (status, plan, body) = app.post_form(&plans, &consent("同意あり")).await;
        assert_eq!(status, 303, "{body}");
        let plan = plan.unwrap();
        let (_, page) = app.get(&plan).await;
        let meeting = form(&[
            ("held_on", "2022-05-10"),
            ("purpose", "draft"),
            ("participants", "目黒区保健予防課\t保健師"),
            ("minutes", &"議".repeat(10_001)),
            ("revision", &revision_of(&page)),
        ]);
        let (status, _, body) = app.post_form(&format!("{plan}/meetings"), &meeting).await;
        assert_eq!(status, 422);
        assert!(body.contains("10,000文字までです（10,001文字あります）"), "{body}");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM plan_meeting").await, 0);
    })
    .await;
}
