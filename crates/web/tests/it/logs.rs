//! Nothing a user typed in confidence reaches the application log: passwords, one-time and
//! recovery codes, the login name of a failed attempt, and the values of a sheet edit. The test
//! captures everything the app logs at debug level during a full run and searches it.

use crate::harness::{PASSWORD, TestApp, anonymous_client, csrf_of, form_fields, set, staff_account};
use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_secret_or_typed_value_appears_in_the_log() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("debug")
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let mut secrets: Vec<String> = vec![PASSWORD.to_string()];
    for backend in nimo_store::testing::backends() {
        let app = TestApp::spawn(backend).await;
        // A failed sign-in with a login name and a password that must never be written down.
        let stranger = anonymous_client();
        let page = stranger.get(format!("{}/login", app.base)).send().await.unwrap().text().await.unwrap();
        let form = [
            ("login", "yamada.taro.private"),
            ("password", "秘密の合言葉は目黒川の桜"),
            ("csrf", &csrf_of(&page).unwrap()),
        ];
        stranger.post(format!("{}/login", app.base)).form(&form).send().await.unwrap();
        secrets.extend(["yamada.taro.private".to_string(), "秘密の合言葉は目黒川の桜".to_string()]);
        // A second account signs in with a recovery code.
        let codes = staff_account(&app.db, "hokenshi-log", "131105").await;
        TestApp::client_for(&app, "hokenshi-log", &codes[0]).await;
        secrets.push(codes[0].clone());
        // An edit with a distinctive value, and one that is refused.
        let sheet = "/municipalities/131105/sheets/2022";
        let (_, html) = app.get(&format!("{sheet}/edit/policy")).await;
        let mut fields = form_fields(&html);
        set(&mut fields, "policy.goal", "ログに出てはならない目標文ZQX");
        app.post_form(&format!("{sheet}/edit/policy"), &fields).await;
        let (_, html) = app.get(&format!("{sheet}/edit/basic")).await;
        let mut fields = form_fields(&html);
        set(&mut fields, "basic.figures.households", "不正な値ZQY");
        app.post_form(&format!("{sheet}/edit/basic"), &fields).await;
        secrets.extend(["ログに出てはならない目標文ZQX".to_string(), "不正な値ZQY".to_string()]);
        // A 23条通報 with a person's name, birth date, address and circumstances, then a step.
        let person = [
            ("received_at", "2021-06-01T10:30"),
            ("police_station", "目黒警察署"),
            ("district", "西部"),
            ("resident", "1"),
            ("circumstances", "ログに出てはならない状況ZQC"),
            ("name_kana", "ろぐにでない なまえ"),
            ("name_kanji", "記録外 名前"),
            ("birth_date", "1977-07-07"),
            ("sex", "f"),
            ("address", "ログ外町7-7-7"),
            ("contact", "000-7777-7777"),
        ];
        let fields: Vec<(String, String)> = person.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let (status, location, _) = app.post_form("/municipalities/131105/cases", &fields).await;
        assert_eq!(status, 303, "report taken in");
        let case = location.unwrap().split('?').next().unwrap().to_string();
        let (_, page) = app.get(&case).await;
        assert!(page.contains("記録外 名前"));
        let at = page.find("name=\"revision\" value=\"").unwrap() + "name=\"revision\" value=\"".len();
        let revision = page[at..at + page[at..].find('"').unwrap()].to_string();
        let step = [
            ("event", "start_investigation"),
            ("staff_count", "2"),
            ("occurred_on", "2021-06-01"),
            ("note", "ログに出てはならない記録ZQN"),
        ];
        let mut fields: Vec<(String, String)> = step.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        fields.push(("revision".into(), revision));
        assert_eq!(app.post_form(&format!("{case}/events"), &fields).await.0, 303);
        // Finding the case again by the person's reading: the search is posted, and found.
        let search = [("kana".to_string(), "ろぐにでない なまえ".to_string())];
        let (status, _, found) = app.post_form("/municipalities/131105/cases/search", &search).await;
        assert!(status == 200 && found.contains("検索結果 1 件"), "{found}");
        for (name, value) in person.iter().chain(step.iter()) {
            if !matches!(
                *name,
                "received_at"
                    | "police_station"
                    | "district"
                    | "resident"
                    | "sex"
                    | "event"
                    | "occurred_on"
                    | "staff_count"
            ) {
                secrets.push(value.to_string());
            }
        }
    }
    let log = String::from_utf8_lossy(&captured.0.lock().unwrap()).to_string();
    // The capture sees the app's own lines (request spans, the store's account events), so an
    // absence below means something.
    assert!(log.contains("path=/login") && log.contains("recovery code used"), "the run was logged:\n{log}");
    for secret in &secrets {
        assert!(!log.contains(secret.as_str()), "the log contains {secret:?}");
    }
    eprintln!("searched {} bytes of log for {} secrets and typed values: 0 found", log.len(), secrets.len());
}
