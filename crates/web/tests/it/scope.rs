//! Matching a new report to known people stays within the 地区 the nurse may see, through HTTP
//! with two 地区 nurses: a person of another 地区 is flagged without a name, birth date, 地区 or
//! id, and a crafted post that links a case to that person is refused, changes nothing and is
//! audited as a refused attempt.

use crate::for_each_backend;
use crate::harness::{Client, TestApp, account_in_scope};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Role, Scope};

const ELSEWHERE: &str = "他の地区に該当する可能性のある記録があります。区全体を担当する職員に確認してください";

fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// An intake form for a 地区: kana 「みほん いちろう」, with the kanji, birth date and address given.
fn intake(district: &str, kanji: &str, birth: &str, address: &str) -> Vec<(String, String)> {
    form(&[
        ("received_at", "2021-06-01T10:30"),
        ("police_station", "目黒警察署"),
        ("district", district),
        ("resident", "1"),
        ("sex", "m"),
        ("name_kana", "みほん いちろう"),
        ("name_kanji", kanji),
        ("birth_date", birth),
        ("address", address),
    ])
}

async fn nurse(app: &TestApp, login: &str, district: &str) -> Client {
    let scope = Scope {
        municipality: Some(MunicipalityCode::parse("131105").unwrap()),
        district: Some(district.into()),
        ..Scope::default()
    };
    let (_, codes) = account_in_scope(&app.db, login, Role::Staff, scope, true).await;
    TestApp::client_for(app, login, &codes[0]).await
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db.pool).await.unwrap()
}

fn revision_of(html: &str) -> String {
    let at = html.find("name=\"revision\" value=\"").expect("a form") + "name=\"revision\" value=\"".len();
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

/// Nothing of the 北部 person is on a page: name, birth date, address, 地区 or id.
fn shows_nothing_of(page: &str, north_person: i64) {
    for secret in ["北部 太郎", "1985-04-01", "北町1-1", "北部"] {
        assert!(!page.contains(secret), "{secret} shown: {page}");
    }
    assert!(!page.contains(&format!("name=\"person_choice\" value=\"{north_person}\"")), "the id is offered");
}

#[tokio::test]
async fn a_district_nurse_is_told_a_match_exists_elsewhere_but_never_sees_or_links_it() {
    for_each_backend(|app| async move {
        let north = nurse(&app, "north-nurse", "北部").await;
        let east = nurse(&app, "east-nurse", "東部").await;
        let (status, _, body) = north
            .post_form("/municipalities/131105/cases", &intake("北部", "北部 太郎", "1985-04-01", "北町1-1"))
            .await;
        assert_eq!(status, 303, "{body}");
        let north_person: i64 = count(&app, "SELECT MAX(id) FROM person").await;
        let (cases, people) =
            (count(&app, "SELECT COUNT(*) FROM report23").await, count(&app, "SELECT COUNT(*) FROM person").await);
        // The 北部 nurse (and so the municipality-wide staff) is offered the 北部 person.
        let same = intake("北部", "", "1985-04-01", "");
        let (status, _, offer) = north.post_form("/municipalities/131105/cases", &same).await;
        assert_eq!(status, 200);
        assert!(offer.contains("北部 太郎") && !offer.contains(ELSEWHERE), "{offer}");
        // The 東部 nurse typing the same kana is told only that a record exists elsewhere.
        let typed = intake("東部", "東部 一郎", "1990-02-02", "東町2-2");
        let (status, _, offer) = east.post_form("/municipalities/131105/cases", &typed).await;
        assert_eq!(status, 200);
        assert!(offer.contains(ELSEWHERE), "{offer}");
        shows_nothing_of(&offer, north_person);
        // A crafted post naming the 北部 person is refused beside the field; nothing is saved.
        let mut crafted = typed.clone();
        crafted.push(("person_choice".into(), north_person.to_string()));
        let (status, _, body) = east.post_form("/municipalities/131105/cases", &crafted).await;
        assert_eq!(status, 422);
        assert!(body.contains("候補の中から選ぶか「新しい人として登録」を選んでください"), "{body}");
        shows_nothing_of(&body, north_person);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM report23").await, cases, "no case taken in");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM person").await, people, "no person registered");
        let refused = format!(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'denied' AND outcome = 'denied'
             AND record_type = 'person' AND record_id = '{north_person}'"
        );
        assert_eq!(count(&app, &refused).await, 1, "the try is audited as refused");
        // Registering someone new is still possible.
        let mut new = typed.clone();
        new.push(("person_choice".into(), "new".into()));
        assert_eq!(east.post_form("/municipalities/131105/cases", &new).await.0, 303);

        // The same at 本人不明 identification: a 東部 case taken in without a person.
        let mut unknown = form(&[
            ("received_at", "2021-06-02T09:00"),
            ("police_station", "目黒警察署"),
            ("district", "東部"),
            ("resident", "1"),
            ("sex", "x"),
        ]);
        unknown.push(("unknown".into(), "1".into()));
        let (status, location, body) = east.post_form("/municipalities/131105/cases", &unknown).await;
        assert_eq!(status, 303, "{body}");
        let case = location.unwrap().split('?').next().unwrap().to_string();
        let case_id: i64 = case.rsplit('/').next().unwrap().parse().unwrap();
        let (_, page) = east.get(&case).await;
        let identify = |extra: &[(&str, &str)]| {
            let mut f = form(&[
                ("identified_on", "2021-06-03"),
                ("name_kana", "ミホン イチロウ"),
                ("birth_date", "1985-04-01"),
                ("sex", "m"),
                ("revision", &revision_of(&page)),
            ]);
            f.extend(form(extra));
            f
        };
        let path = format!("{case}/person");
        let (status, _, offer) = east.post_form(&path, &identify(&[])).await;
        assert_eq!(status, 200);
        assert!(offer.contains(ELSEWHERE), "{offer}");
        for secret in ["北部 太郎", "北町1-1", "北部"] {
            assert!(!offer.contains(secret), "{secret} shown");
        }
        assert!(!offer.contains(&format!("name=\"person_choice\" value=\"{north_person}\"")));
        let choice = north_person.to_string();
        let (status, _, body) = east.post_form(&path, &identify(&[("person_choice", &choice)])).await;
        assert_eq!(status, 422);
        assert!(body.contains("候補の中から選ぶか「新しい人として登録」を選んでください"), "{body}");
        let linked: Option<i64> = sqlx::query_scalar("SELECT person_id FROM report23 WHERE id = $1")
            .bind(case_id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        assert_eq!(linked, None, "the case is not linked");
        let on_timeline = count(&app, &format!("SELECT COUNT(*) FROM report23 WHERE person_id = {north_person}")).await;
        assert_eq!(on_timeline, 1, "the 北部 person's timeline has only its own report");
        assert_eq!(count(&app, &refused).await, 2, "both tries audited as refused");
        // The 東部 nurse was never shown the 北部 person: no read row of hers names it.
        let east_id: i64 = count(&app, "SELECT id FROM app_user WHERE login = 'east-nurse'").await;
        let shown: Vec<String> = sqlx::query_scalar(
            "SELECT record_id FROM audit_log WHERE actor = $1 AND action = 'read' AND record_type = 'person_candidates'",
        )
        .bind(format!("user:{east_id}"))
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
        assert!(shown.iter().all(|ids| ids.split('-').all(|id| id != choice)), "{shown:?}");
    })
    .await;
}
