//! `nimo demo`: the binary started as a server, asked over HTTP for the 目黒区 sheet.

use crate::harness::{Run, TestDatabase, block_on, nimo};
use nimo_store::Backend;
use nimo_store::testing::backends;
use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A running `nimo demo`, killed when dropped so that a failed assertion leaves no server behind.
struct RunningServer {
    child: Child,
    base: String,
    /// What the server printed up to its address (the demo accounts among it).
    announced: Vec<String>,
}

impl RunningServer {
    /// Starts the command and waits for the line that announces its address.
    fn start(command: &mut Command) -> Self {
        let mut child = command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
        let stderr = child.stderr.take().unwrap();
        let mut server = Self { child, base: String::new(), announced: Vec::new() };
        // A reader thread keeps draining stderr for as long as the server runs, so that the
        // server never blocks on a full pipe; the lines come here until the address is found.
        let (lines, received) = mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
        let mut seen = Vec::new();
        while server.base.is_empty() {
            let line = received
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|e| panic!("no address announced ({e}):\n{}", seen.join("\n")));
            if line.contains("nimo を起動しました") {
                let url = line.split_whitespace().find(|word| word.starts_with("http://")).expect("a URL");
                server.base = url.trim_end_matches('/').to_string();
            }
            seen.push(line);
        }
        server.announced = seen;
        assert!(server.base.starts_with("http://127.0.0.1:"), "{}", server.base);
        assert!(!server.base.ends_with(":0"), "the real port is announced: {}", server.base);
        server
    }

    /// Whether the demo announced its bed-finder data and the hospital account.
    fn announced_beds(&self) -> bool {
        self.announced.iter().any(|l| l.contains("架空の病院 12 か所・病棟 44 か所"))
            && self.announced.iter().any(|l| l.contains("ログイン名 demo-byoin"))
    }

    /// Asserts that the accounts come last, after what the demo filled in, with only the server's
    /// own start-up lines and its address after them: the synthetic records are not logged at
    /// the default level, so nobody has to scroll back to find how to sign in.
    #[track_caller]
    fn assert_accounts_last(&self) {
        let lines = &self.announced;
        let accounts = lines.iter().position(|l| l.contains("デモ用アカウント")).expect("accounts printed");
        let filled = lines.iter().rposition(|l| l.contains("デモ用の事例（架空）")).expect("records summarised");
        assert!(filled < accounts, "the accounts follow the summary of the records:\n{}", lines.join("\n"));
        // Seven accounts (two outside 目黒区, for trying scopes) of three lines at most, then the
        // server's few start-up lines.
        assert!(
            lines.len() - accounts <= 1 + 3 * 7 + 5,
            "the accounts are among the last lines:\n{}",
            lines.join("\n")
        );
        // One summary line per kind of demo record (sheet, beds, 普及啓発 and actions, the
        // directory, cases, the 協議の場, consent, admissions) before them, and the accounts'
        // creation logged at INFO: 48 lines on 2026-12-07, with room for one more kind.
        assert!(lines.len() <= 50, "{} lines before the address:\n{}", lines.len(), lines.join("\n"));
    }

    /// The footer of the login page links to this source URL (AGPL-3.0 §13).
    #[track_caller]
    fn assert_links_source(&self, url: &str) {
        let base = self.base.clone();
        let url = url.to_string();
        block_on(async move {
            let html = reqwest::get(format!("{base}/login")).await.unwrap().text().await.unwrap();
            let link = format!("<a href=\"{url}\" rel=\"license\">このバージョンのソースコード</a>");
            assert!(html.contains(&link), "{link} in the footer:\n{html}");
        });
    }

    /// The password and first recovery code the demo printed for the 目黒区 nurse.
    fn staff_credentials(&self) -> (String, String) {
        let at =
            self.announced.iter().position(|l| l.contains("ログイン名 demo-hokenshi")).expect("staff account printed");
        let password = self.announced[at].split("パスワード ").nth(1).expect("password").trim().to_string();
        let codes = self.announced[at + 1..]
            .iter()
            .find(|l| l.contains("リカバリーコード"))
            .and_then(|l| l.split('）').nth(1))
            .expect("recovery codes printed");
        (password, codes.split_whitespace().next().expect("a code").to_string())
    }

    /// Asserts that the server asks for a sign-in, accepts the printed demo account, and then
    /// shows the 目黒区 R4 sheet.
    #[track_caller]
    fn assert_serves_meguro(&self) {
        let (password, code) = self.staff_credentials();
        let base = self.base.clone();
        block_on(async move {
            let client = reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap();
            let sheet = format!("{base}/municipalities/131105/sheets/2022");
            let response = client.get(&sheet).send().await.unwrap();
            assert_eq!(response.status().as_u16(), 303, "a stranger is sent to sign in");
            let csrf_of = |html: &str| {
                let at = html.find("name=\"csrf\" value=\"").expect("csrf") + "name=\"csrf\" value=\"".len();
                html[at..at + html[at..].find('"').unwrap()].to_string()
            };
            let page = client.get(format!("{base}/login")).send().await.unwrap().text().await.unwrap();
            let form = [("login", "demo-hokenshi"), ("password", password.as_str()), ("csrf", &csrf_of(&page))];
            let response = client.post(format!("{base}/login")).form(&form).send().await.unwrap();
            assert_eq!(response.status().as_u16(), 303, "the printed password works");
            let page = client.get(format!("{base}/login/totp")).send().await.unwrap().text().await.unwrap();
            let form = [("code", code.as_str()), ("csrf", &csrf_of(&page))];
            let response = client.post(format!("{base}/login/totp")).form(&form).send().await.unwrap();
            assert_eq!(response.status().as_u16(), 303, "the printed recovery code works");
            let response = client.get(&sheet).send().await.unwrap();
            assert_eq!(response.status().as_u16(), 200);
            let html = response.text().await.unwrap();
            assert!(html.contains("目黒区") && html.contains("278,748"), "{html}");
            // The demo's synthetic 令和3年度 case records reproduce the seed's section 4: every
            // keyed breakdown line shows the seed's value, marked as counted from the records.
            let seed = nimo_domain::demo::meguro_r4();
            let mut lines = 0;
            for line in seed.outcomes.indicators.iter().flat_map(|i| &i.breakdown).filter(|l| l.key.is_some()) {
                let shown = format!(
                    "{} {}{}{} <a class=\"badge\" href=\"/municipalities/131105/sheets/2022/figures/{}\"",
                    line.label,
                    line.value.display(),
                    line.unit,
                    line.note,
                    line.key.as_deref().unwrap_or_default()
                );
                assert!(html.contains(&shown), "{shown} on the demo sheet");
                lines += 1;
            }
            assert_eq!(lines, 7);
            assert!(
                html.contains("実施1件 <a class=\"badge\" href=\"/municipalities/131105/sheets/2022/figures/discharge_support.plans\""),
                "plans started: derived"
            );
            // The demo's 協議の場 reproduces the seed's section 4 ① (R3年度: 開催1回, the 書面開催
            // meeting) from its meetings, and section 3's meeting lines are tied to them.
            assert!(
                html.contains("開催1回 <a class=\"badge\" href=\"/municipalities/131105/sheets/2022/figures/kyogi_no_ba.meetings\" title=\"集計した記録を見る\">会議の記録から集計</a>"),
                "① counted from the meetings"
            );
            assert_eq!(
                html.matches("title=\"会議の記録を見る\">会議の記録から</a>").count(),
                3,
                "R3.10, R4.1 and R4.7 tied"
            );
            assert!(html.contains("令和3年度第1回目黒区精神保健福祉医療推進協議会を開催（書面開催）"));
            // The demo's five 地区, each with its 主担当, and the caseload over them.
            let page = client.get(format!("{base}/municipalities/131105/districts")).send().await.unwrap();
            let html = page.text().await.unwrap();
            for name in nimo_store::synthetic::MEGURO_DISTRICTS {
                assert!(html.contains(&format!("<h2>{name}</h2>")), "地区 {name} listed");
            }
            assert_eq!(html.matches("（主担当、").count(), 5, "one 主担当 each");
            let page = client.get(format!("{base}/municipalities/131105/caseload")).send().await.unwrap();
            assert_eq!(page.status().as_u16(), 200);
            // One 市町村長同意 in progress: consented, its visit due soon.
            let page = client.get(format!("{base}/municipalities/131105/consents")).send().await.unwrap();
            let html = page.text().await.unwrap();
            assert!(html.contains("同意済・入院中") && html.contains("同意後の本人への面会"), "{html}");
            assert!(html.contains("期限間近") && html.contains("目黒みどり病院（架空）"));
            // The bed finder's demo: synthetic hospitals with free beds, nearest to 目黒区 first.
            let beds = client.get(format!("{base}/beds?go=1&from=131105")).send().await.unwrap();
            assert_eq!(beds.status().as_u16(), 200);
            let html = beds.text().await.unwrap();
            let results = html.matches("class=\"bed-card").count();
            assert!(results >= 10, "{results} results");
            let first = html.find("（架空）").expect("synthetic names");
            assert!(html[first.saturating_sub(80)..first].contains("目黒"), "a 目黒 hospital ranks first");
            // The clock board: one clock overdue, one due soon, others running; the changed
            // admission's 72 hours stopped (shown on its page, not on the board).
            let board = client.get(format!("{base}/municipalities/131105/clocks")).send().await.unwrap();
            let html = board.text().await.unwrap();
            for state in ["badge overdue\">期限超過", "badge due_soon\">期限間近", "badge running\">進行中"]
            {
                assert!(html.contains(state), "{state} on the demo board:\n{html}");
            }
            let changed = (1..=4).map(|id| format!("{base}/municipalities/131105/admissions/{id}"));
            let mut stopped = 0;
            for url in changed {
                let page = client.get(url).send().await.unwrap().text().await.unwrap();
                if page.contains("入院形態の変更") && page.contains("badge stopped") {
                    stopped += 1;
                }
            }
            assert_eq!(stopped, 1, "one admission changed form and its 72 hours stopped");
        });
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_demo_serves_the_meguro_sheet() {
    for backend in backends() {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let data_dir = dir.path().join("data");
                let data_dir = data_dir.to_str().unwrap();
                let start = || {
                    let mut command = nimo(dir.path());
                    command.args(["demo", "--addr", "127.0.0.1:0", "--data-dir", data_dir]);
                    command
                };
                let server = RunningServer::start(&mut start());
                server.assert_serves_meguro();
                assert!(server.announced_beds(), "{:?}", server.announced);
                server.assert_accounts_last();
                server.assert_links_source(nimo_web::DEFAULT_SOURCE_URL);
                drop(server);
                assert!(dir.path().join("data/demo.db").exists());
                // A second start replaces the old demo database with a fresh one; a deployment
                // links its own source.
                let own = "https://git.city.example/nimo";
                let server = RunningServer::start(start().args(["--source-url", own]));
                server.assert_serves_meguro();
                server.assert_links_source(own);
            }
            Backend::Postgres => {
                let db = TestDatabase::new(backend);
                let start = || db.command(&["demo", "--addr", "127.0.0.1:0"]);
                RunningServer::start(&mut start()).assert_serves_meguro();
                // A database that already holds sheets is never overwritten by the demo.
                let run = Run::of(&mut start()).fails();
                assert!(run.stderr.contains("デモは空のデータベースでのみ起動できます"), "{}", run.stderr);
            }
        }
    }
}
