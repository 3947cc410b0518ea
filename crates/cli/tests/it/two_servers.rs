//! Two servers on one PostgreSQL database (issue 16 item 4): `nimo demo` (A) and `nimo serve` (B).
//! A posting through A shows in B's search within a second, and B's live stream (`/beds/events`)
//! says `changed`; two holds racing for a ward's last bed, one through each server, have exactly
//! one winner. PostgreSQL only: SQLite is one server (docs/deployment.md).

use crate::harness::{TestDatabase, block_on};
use nimo_store::Backend;
use nimo_store::testing::backends;
use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a change on one server may take to show on the other.
const BOUND: Duration = Duration::from_secs(1);

/// A started server and the lines it wrote before announcing its address.
struct Started {
    child: Child,
    base: String,
    lines: Vec<String>,
}

impl Drop for Started {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(command: &mut Command) -> Started {
    let child = command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    // Owned at once, so that the child is killed and waited for whatever happens next.
    let mut started = Started { child, base: String::new(), lines: Vec::new() };
    let stderr = started.child.stderr.take().unwrap();
    let (sender, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = sender.send(line);
        }
    });
    while started.base.is_empty() {
        let line =
            received.recv_timeout(Duration::from_secs(120)).unwrap_or_else(|e| panic!("{e}: {:?}", started.lines));
        if line.contains("nimo を起動しました") {
            let url = line.split_whitespace().find(|word| word.starts_with("http://")).expect("a URL");
            started.base = url.trim_end_matches('/').to_string();
        } else {
            started.lines.push(line);
        }
    }
    started
}

/// The demo's staff password and first recovery code, as it prints them.
fn staff_credentials(lines: &[String]) -> (String, String) {
    let at = lines.iter().position(|l| l.contains("ログイン名 demo-hokenshi")).expect("staff account printed");
    let password = lines[at].split("パスワード ").nth(1).expect("password").trim().to_string();
    let codes = lines[at + 1..]
        .iter()
        .find(|l| l.contains("リカバリーコード"))
        .and_then(|l| l.split('）').nth(1))
        .expect("recovery codes printed");
    (password, codes.split_whitespace().next().expect("a code").to_string())
}

fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("csrf") + "name=\"csrf\" value=\"".len();
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

/// A browser signed in as the demo's staff on `base`.
async fn signed_in(base: &str, password: &str, code: &str) -> reqwest::Client {
    let client =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = client.get(format!("{base}/login")).send().await.unwrap().text().await.unwrap();
    let form = [("login", "demo-hokenshi"), ("password", password), ("csrf", &csrf_of(&page))];
    assert_eq!(client.post(format!("{base}/login")).form(&form).send().await.unwrap().status().as_u16(), 303);
    let page = client.get(format!("{base}/login/totp")).send().await.unwrap().text().await.unwrap();
    let form = [("code", code), ("csrf", &csrf_of(&page))];
    assert_eq!(client.post(format!("{base}/login/totp")).form(&form).send().await.unwrap().status().as_u16(), 303);
    client
}

fn bearer(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::AUTHORIZATION, format!("Bearer {token}").parse().unwrap());
    reqwest::Client::builder().default_headers(headers).build().unwrap()
}

/// The posted free beds of a ward in a server's search (all wards, full ones included).
async fn posted_on(client: &reqwest::Client, base: &str, ward: &str) -> Option<i64> {
    let url = format!("{base}/api/v1/beds/search?include_full=1&admission=nini");
    let body: serde_json::Value = client.get(url).send().await.unwrap().json().await.unwrap();
    body["results"].as_array()?.iter().find(|r| r["ward_id"] == ward).and_then(|r| r["posted_free_beds"].as_i64())
}

async fn post(client: &reqwest::Client, base: &str, ward: &str, free: i64) {
    let url = format!("{base}/api/v1/wards/{ward}/availability");
    let response = client.put(url).json(&serde_json::json!({ "free_beds": free })).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200, "{}", response.text().await.unwrap());
}

#[test]
fn two_servers_on_one_postgres_share_postings_live_events_and_never_double_book() {
    if !backends().contains(&Backend::Postgres) {
        return;
    }
    let db = TestDatabase::new(Backend::Postgres);
    let a = start(&mut db.command(&["demo", "--addr", "127.0.0.1:0"]));
    let (password, code) = staff_credentials(&a.lines);
    let b = start(&mut db.command(&["serve", "--addr", "127.0.0.1:0"]));
    let token = |user: &str| db.nimo(&["token", "create", "--user", user]).succeeds().stdout_text().trim().to_string();
    let (hospital, staff) = (bearer(&token("demo-byoin")), bearer(&token("demo-hokenshi")));
    let ward: String = block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
        let ward = sqlx::query_scalar(
            "SELECT w.id FROM ward w JOIN app_user u ON u.scope_hospital = w.hospital_id
             WHERE u.login = 'demo-byoin' AND w.admissions LIKE '%nini%'
               AND NOT EXISTS (SELECT 1 FROM bed_hold h WHERE h.ward_id = w.id AND h.state = 'held')
             ORDER BY w.id LIMIT 1",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        pool.close().await;
        ward
    });
    let (a_base, b_base) = (a.base.clone(), b.base.clone());
    block_on(async move {
        // B's live stream, opened before the posting; anything it says before is drained.
        let browser = signed_in(&b_base, &password, &code).await;
        let mut stream = browser.get(format!("{b_base}/beds/events")).send().await.unwrap();
        assert_eq!(stream.status().as_u16(), 200);
        let _ = tokio::time::timeout(Duration::from_millis(300), stream.chunk()).await;
        assert_ne!(posted_on(&staff, &b_base, &ward).await, Some(17), "not posted yet");

        let posted = Instant::now();
        post(&hospital, &a_base, &ward, 17).await;
        let event = tokio::time::timeout(BOUND, async {
            loop {
                let chunk = stream.chunk().await.unwrap().expect("the stream stays open");
                if String::from_utf8_lossy(&chunk).contains("event: changed") {
                    break;
                }
            }
        })
        .await;
        assert!(event.is_ok(), "B's live stream said `changed` within {BOUND:?} of A's posting");
        while posted_on(&staff, &b_base, &ward).await != Some(17) {
            assert!(posted.elapsed() < BOUND, "B's search shows A's posting within {BOUND:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }

        // One bed left; a hold through each server at once: exactly one wins.
        post(&hospital, &b_base, &ward, 1).await;
        let body = serde_json::json!({ "ward_id": ward, "case_ref": "R4-023", "admission": "nini" });
        let hold = |base: String| {
            let (client, body) = (staff.clone(), body.clone());
            async move { client.post(format!("{base}/api/v1/holds")).json(&body).send().await.unwrap().status().as_u16() }
        };
        let (on_a, on_b) = tokio::join!(hold(a_base.clone()), hold(b_base.clone()));
        let mut statuses = [on_a, on_b];
        statuses.sort_unstable();
        assert_eq!(statuses, [201, 409], "exactly one hold wins the last bed");
    });
}
