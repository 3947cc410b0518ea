//! `nimo serve` as an operator runs it: the `Host` allow-list from `--allowed-hosts`, the loopback
//! names by default, HSTS from `NIMO_BEHIND_HTTPS`, and JSON logs (`NIMO_LOG_FORMAT=json`).

use crate::harness::{Server, TestDatabase, block_on, for_each_backend};
use std::time::Duration;

/// GET `/municipalities` with a `Host` header; returns the status, HSTS header and body.
fn get_as(server: &Server, host: &str) -> (u16, Option<String>, String) {
    block_on(async {
        let response = reqwest::Client::new()
            .get(format!("{}/municipalities", server.base))
            .header("host", host)
            .send()
            .await
            .expect("request");
        let hsts = response.headers().get("strict-transport-security").map(|v| v.to_str().unwrap().to_string());
        (response.status().as_u16(), hsts, response.text().await.expect("body"))
    })
}

fn serve(database: &TestDatabase, args: &[&str]) -> Server {
    let mut command = database.command(&["serve", "--addr", "127.0.0.1:0"]);
    command.args(args);
    Server::start(&mut command)
}

#[test]
fn allowed_hosts_from_the_flag_are_the_only_ones_answered() {
    for_each_backend(|database| {
        let server = serve(database, &["--allowed-hosts", "nimo.example, localhost:1"]);
        let (status, hsts, html) = get_as(&server, &format!("NIMO.example:{}", server.port()));
        assert_eq!(status, 200, "{html}");
        assert!(hsts.is_none(), "no HSTS unless configured");
        for host in
            [format!("127.0.0.1:{}", server.port()), format!("localhost:{}", server.port()), "evil.example".into()]
        {
            let (status, _, html) = get_as(&server, &host);
            assert_eq!(status, 400, "{host}");
            assert!(html.contains("このホスト名ではアクセスできません"), "{host}: {html}");
        }
    })
}

#[test]
fn a_loopback_server_answers_only_to_loopback_names_by_default() {
    for_each_backend(|database| {
        let server = serve(database, &[]);
        for host in [format!("127.0.0.1:{}", server.port()), format!("LocalHost:{}", server.port())] {
            assert_eq!(get_as(&server, &host).0, 200, "{host}");
        }
        let (status, _, html) = get_as(&server, "evil.example");
        assert_eq!(status, 400);
        assert!(html.contains("このホスト名ではアクセスできません"), "{html}");
    })
}

#[test]
fn the_environment_and_config_file_set_the_hosts_and_hsts() {
    for_each_backend(|database| {
        let config = database.write("nimo.toml", b"allowed_hosts = [\"from-file.example\"]\nbehind_https = true\n");
        let mut command = database.command(&["serve", "--addr", "127.0.0.1:0", "--config", &config]);
        command.env("NIMO_ALLOWED_HOSTS", "from-env.example,other.example");
        let server = Server::start(&mut command);
        let (status, hsts, _) = get_as(&server, "from-env.example");
        assert_eq!(status, 200);
        assert_eq!(hsts.as_deref(), Some("max-age=31536000"), "behind_https from the file");
        assert_eq!(get_as(&server, "from-file.example").0, 400, "the environment wins over the file");
        drop(server);

        let mut command = database.command(&["serve", "--addr", "127.0.0.1:0", "--config", &config]);
        command.env("NIMO_BEHIND_HTTPS", "0");
        let server = Server::start(&mut command);
        let (status, hsts, _) = get_as(&server, "from-file.example");
        assert_eq!(status, 200, "the file's list when nothing else says");
        assert!(hsts.is_none(), "NIMO_BEHIND_HTTPS=0 wins over the file");
    })
}

#[test]
fn a_malformed_host_list_is_refused_before_serving() {
    for_each_backend(|database| {
        let run = database.nimo(&["serve", "--addr", "127.0.0.1:0", "--allowed-hosts", "https://nimo.example"]);
        let run = run.fails();
        assert!(run.stderr.contains("ホスト名ではありません"), "{}", run.stderr);
    })
}

#[test]
fn json_logs_carry_the_request_id_of_each_answer() {
    for_each_backend(|database| {
        let mut command = database.command(&["serve", "--addr", "127.0.0.1:0"]);
        command.env("NIMO_LOG_FORMAT", "json").env("NIMO_LOG", "info");
        let server = Server::start(&mut command);
        let id = block_on(async {
            let response = reqwest::Client::new()
                .get(format!("{}/healthz", server.base))
                .header("x-request-id", "probe-42")
                .send()
                .await
                .expect("request");
            response.headers().get("x-request-id").map(|v| v.to_str().unwrap().to_string())
        });
        assert_eq!(id.as_deref(), Some("probe-42"));
        // The access line of that answer: one JSON object whose span names the id and the path.
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        let line = loop {
            let line = server.stderr.recv_timeout(Duration::from_secs(20)).expect("a log line for the request");
            if line.contains("probe-42") {
                break line;
            }
            assert!(std::time::Instant::now() < deadline, "no log line named the request id");
        };
        let entry: serde_json::Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert_eq!(entry["span"]["request_id"], "probe-42", "{line}");
        assert_eq!(entry["span"]["path"], "/healthz", "{line}");
        assert_eq!(entry["level"], "INFO", "{line}");
    });
}
