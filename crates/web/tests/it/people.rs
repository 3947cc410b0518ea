//! People after intake, through HTTP: a report taken in as 本人不明 gets its person later (matched
//! against known people first), and two records of one person are merged after a side-by-side
//! check. Bad input is refused beside the field and changes nothing; another 地区's nurse cannot
//! reach either page.

use crate::for_each_backend;
use crate::harness::{Client, TestApp, account_in_scope};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Role, Scope};

fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn revision_of(html: &str) -> String {
    let at =
        html.find("name=\"revision\" value=\"").expect("a form with a revision") + "name=\"revision\" value=\"".len();
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

/// Takes in a report about a person (or, with no kana, about someone unknown); returns the case
/// path. `choice` answers the question whether it is a known person.
async fn intake(app: &TestApp, kana: &str, birth: &str, choice: &str) -> String {
    let mut fields = form(&[
        ("received_at", "2021-06-01T10:30"),
        ("police_station", "目黒警察署"),
        ("district", "西部"),
        ("resident", "1"),
        ("sex", "f"),
        ("name_kana", kana),
        ("name_kanji", "見本 花子"),
        ("birth_date", birth),
    ]);
    if kana.is_empty() {
        fields.push(("unknown".into(), "1".into()));
    }
    if !choice.is_empty() {
        fields.push(("person_choice".into(), choice.into()));
    }
    let (status, location, body) = app.post_form("/municipalities/131105/cases", &fields).await;
    assert_eq!(status, 303, "{body}");
    location.unwrap().split('?').next().unwrap().to_string()
}

async fn person_of(app: &TestApp, case: &str) -> Option<i64> {
    let id: i64 = case.rsplit('/').next().unwrap().parse().unwrap();
    sqlx::query_scalar("SELECT person_id FROM report23 WHERE id = $1").bind(id).fetch_one(&app.db.pool).await.unwrap()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db.pool).await.unwrap()
}

#[tokio::test]
async fn a_report_about_someone_unknown_gets_its_person_later() {
    for_each_backend(|app| async move {
        let known = intake(&app, "みほん はなこ", "1990-01-01", "").await;
        let unknown = intake(&app, "", "", "").await;
        assert_eq!(person_of(&app, &unknown).await, None);
        let (status, page) = app.get(&unknown).await;
        assert_eq!(status, 200);
        assert!(page.contains("<dt>本人</dt><dd>不明</dd>") && page.contains("本人を登録する"), "{page}");
        let path = format!("{unknown}/person");
        let fields = |kana: &str, extra: &[(&str, &str)]| {
            let mut f = form(&[
                ("identified_on", "2021-06-03"),
                ("name_kana", kana),
                ("birth_date", "1990-01-01"),
                ("sex", "f"),
            ]);
            f.extend(form(extra));
            f.push(("revision".into(), revision_of(&page)));
            f
        };
        // No kana: refused beside the field, nothing saved.
        let (status, _, body) = app.post_form(&path, &fields("", &[])).await;
        assert_eq!(status, 422);
        assert!(body.contains("氏名（かな）を入力してください"));
        assert_eq!(person_of(&app, &unknown).await, None);
        let people = count(&app, "SELECT COUNT(*) FROM person").await;
        // The same kana and birth date as a known person: offered as a candidate first.
        let (status, _, offer) = app.post_form(&path, &fields("みほん　はなこ", &[])).await;
        assert_eq!(status, 200);
        assert!(offer.contains("すでに登録されている人かもしれません") && offer.contains("かなと生年月日が一致"));
        assert_eq!(person_of(&app, &unknown).await, None, "nothing saved before the choice");
        let known_person = person_of(&app, &known).await.unwrap();
        let (status, location, body) =
            app.post_form(&path, &fields("みほん はなこ", &[("person_choice", &known_person.to_string())])).await;
        assert_eq!(status, 303, "{body}");
        let location = location.unwrap();
        assert!(location.ends_with("notice=identified"));
        assert_eq!(person_of(&app, &unknown).await, Some(known_person));
        assert_eq!(count(&app, "SELECT COUNT(*) FROM person").await, people, "no new person");
        let (_, page_now) = app.get(&location).await;
        assert!(page_now.contains("本人を登録しました") && page_now.contains("本人の特定"));
        assert!(!page_now.contains(&format!("action=\"{path}\"")), "no form once the person is known");
        // The form it came from is stale now: refused, nothing changes.
        let (status, _, body) = app.post_form(&path, &fields("みほん はなこ", &[("person_choice", "new")])).await;
        assert_eq!(status, 422);
        assert!(body.contains("この事例の本人はすでに登録されています"));
        assert_eq!(count(&app, "SELECT COUNT(*) FROM person").await, people);
        // The person's timeline has both reports.
        let (_, timeline) = app.get(&format!("/municipalities/131105/people/{known_person}")).await;
        assert_eq!(timeline.matches("通報受理").count(), 2, "{timeline}");
        let writes = count(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'write' AND detail = 'identify'").await;
        assert_eq!(writes, 1);
    })
    .await;
}

#[tokio::test]
async fn two_records_of_one_person_are_merged_after_a_check() {
    for_each_backend(|app| async move {
        let first = intake(&app, "みほん はなこ", "1990-01-01", "").await;
        // The second report is registered as a new person although it is the same one.
        let second = intake(&app, "みほん はなこ", "", "new").await;
        let (keep, gone) = (person_of(&app, &first).await.unwrap(), person_of(&app, &second).await.unwrap());
        assert_ne!(keep, gone);
        let merge = format!("/municipalities/131105/people/{keep}/merge");
        let (status, page) = app.get(&merge).await;
        assert_eq!(status, 200);
        assert!(
            page.contains(&format!("番号 {gone}: 見本 花子 みほん はなこ（生年月日不明、西部） ― かなが一致")),
            "{page}"
        );
        let (status, page) = app.get(&format!("{merge}?other={gone}")).await;
        assert_eq!(status, 200);
        assert!(page.contains(&format!("番号 {gone} をこの記録に統合する")));
        let (status, page) = app.get(&format!("{merge}?other={keep}")).await;
        assert_eq!(status, 422);
        assert!(page.contains("同じ記録どうしは統合できません"));
        // Without the check: refused, nothing merged.
        let (status, _, body) = app.post_form(&merge, &form(&[("other", &gone.to_string())])).await;
        assert_eq!(status, 422);
        assert!(body.contains("同じ人であることを確かめて"));
        assert_eq!(count(&app, "SELECT COUNT(*) FROM person WHERE merged_into IS NOT NULL").await, 0);
        let (status, location, body) =
            app.post_form(&merge, &form(&[("other", &gone.to_string()), ("confirm", "1")])).await;
        assert_eq!(status, 303, "{body}");
        let location = location.unwrap();
        assert!(location.ends_with("notice=merged"));
        assert_eq!(person_of(&app, &second).await, Some(keep), "the report moved");
        let (_, timeline) = app.get(&location).await;
        assert!(timeline.contains("記録を統合しました") && timeline.matches("通報受理").count() == 2);
        let (_, old) = app.get(&format!("/municipalities/131105/people/{gone}")).await;
        assert!(old.contains("に統合されています") && !old.contains("/merge\""));
        // Once merged, not again.
        let (status, _, body) = app.post_form(&merge, &form(&[("other", &gone.to_string()), ("confirm", "1")])).await;
        assert_eq!(status, 422);
        assert!(body.contains("すでに統合済みの記録は統合できません"));
        let merges =
            count(&app, &format!("SELECT COUNT(*) FROM audit_log WHERE action = 'write' AND detail = 'merged:{gone}'"))
                .await;
        assert_eq!(merges, 1);

        // Another 地区's nurse reaches neither page.
        let meguro = Some(MunicipalityCode::parse("131105").unwrap());
        let scope = Scope { municipality: meguro, district: Some("東部".into()), ..Scope::default() };
        let (_, codes) = account_in_scope(&app.db, "east-nurse", Role::Staff, scope, true).await;
        let east: Client = TestApp::client_for(&app, "east-nurse", &codes[0]).await;
        assert_eq!(east.get(&merge).await.0, 404);
        let unknown = intake(&app, "", "", "").await;
        let fields = form(&[("identified_on", "2021-06-03"), ("name_kana", "だれか"), ("sex", "x"), ("revision", "0")]);
        assert_eq!(east.post_form(&format!("{unknown}/person"), &fields).await.0, 404);
        assert_eq!(person_of(&app, &unknown).await, None);
    })
    .await;
}
