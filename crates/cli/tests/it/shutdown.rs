//! SIGTERM lets a request in flight finish: `nimo serve` gets SIGTERM while a posting's body is
//! half sent; it refuses new connections at once, still answers the posting in full (committed,
//! in the database), then exits 0 within a few seconds. On SQLite and PostgreSQL.

use crate::harness::{Server, block_on, for_each_backend};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// How long the stopped server may take to exit once its last request is answered.
const EXIT_BOUND: Duration = Duration::from_secs(10);

#[test]
fn sigterm_lets_a_request_in_flight_finish_refuses_new_connections_and_exits_0() {
    for_each_backend(|db| {
        drop(Server::start(&mut db.command(&["demo", "--addr", "127.0.0.1:0"])));
        let token = db.nimo(&["token", "create", "--user", "demo-byoin"]).succeeds().stdout_text().trim().to_string();
        let ward: String = block_on(async {
            sqlx::any::install_default_drivers();
            let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
            let ward = sqlx::query_scalar(
                "SELECT w.id FROM ward w JOIN app_user u ON u.scope_hospital = w.hospital_id
                 WHERE u.login = 'demo-byoin' ORDER BY w.id LIMIT 1",
            )
            .fetch_one(&pool)
            .await
            .unwrap();
            pool.close().await;
            ward
        });
        let mut server = Server::start(&mut db.command(&["serve", "--addr", "127.0.0.1:0"]));
        let address = format!("127.0.0.1:{}", server.port());

        // A posting whose headers and half of whose body are sent: the server is reading it.
        let body = br#"{"free_beds": 23}"#;
        let mut stream = TcpStream::connect(&address).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let head = format!(
            "PUT /api/v1/wards/{ward}/availability HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(&body[..8]).unwrap();
        stream.flush().unwrap();
        pause(Duration::from_millis(700));

        let pid = server.child.id().to_string();
        assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        pause(Duration::from_millis(700));
        assert!(server.child.try_wait().unwrap().is_none(), "{:?}: the server waits for the request", db.backend);
        assert!(TcpStream::connect(&address).is_err(), "{:?}: a new connection is refused once stopping", db.backend);

        // The rest of the body: the answer comes in full and the server then closes the connection.
        stream.write_all(&body[8..]).unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).unwrap();
        let answered = Instant::now();
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 200"), "{:?}: {answer}", db.backend);
        let json = &answer[answer.find("\r\n\r\n").unwrap() + 4..];
        let posted: serde_json::Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"));
        assert_eq!(posted["free_beds"], 23, "{json}");
        let posted_at = posted["posted_at"].as_i64().unwrap();

        let status = loop {
            if let Some(status) = server.child.try_wait().unwrap() {
                break status;
            }
            assert!(answered.elapsed() < EXIT_BOUND, "{:?}: still running {EXIT_BOUND:?} after the answer", db.backend);
            pause(Duration::from_millis(50));
        };
        let exited_after = answered.elapsed();
        assert!(status.success(), "{:?}: exit status {status}", db.backend);
        let log: Vec<String> = server.stderr.try_iter().collect();
        assert!(log.iter().any(|l| l.contains("stopped")), "{:?}: {log:?}", db.backend);
        let committed = db.count(&format!(
            "SELECT COUNT(*) FROM ward_posting WHERE ward_id = '{ward}' AND free_beds = 23 AND posted_at = {posted_at}"
        ));
        assert_eq!(committed, 1, "{:?}: the answered posting is committed", db.backend);
        eprintln!("{:?}: exited 0 {:.0} ms after the last answer", db.backend, exited_after.as_secs_f64() * 1000.0);
    });
}

/// Waits on the test's own small runtime (the test is a plain thread).
fn pause(duration: Duration) {
    block_on(async { tokio::time::sleep(duration).await });
}
