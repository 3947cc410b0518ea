//! Escalation by e-mail through a local SMTP sink (a test-only server on a free port that keeps
//! what arrives): the 保健所 page sets the addresses, the `nimo serve` task mails a clock that
//! became overdue once — with its 受付番号, rule, deadline in JST and link, never the person's
//! name — and never again; without SMTP settings nothing is sent and the board still marks it.

use crate::harness::{TestApp, form};
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;
use time::{Duration, OffsetDateTime};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// One mail as the sink received it: the recipients and the raw message.
#[derive(Debug, Clone)]
struct Received {
    to: Vec<String>,
    data: String,
}

/// A minimal SMTP server: answers EHLO, MAIL, RCPT, DATA and QUIT, and keeps each message.
async fn smtp_sink() -> (u16, Arc<Mutex<Vec<Received>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let inbox: Arc<Mutex<Vec<Received>>> = Arc::default();
    let kept = inbox.clone();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else { return };
            let inbox = kept.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                let mut to = Vec::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                    let answer: &[u8] = match verb.as_str() {
                        "EHLO" => b"250-sink\r\n250 8BITMIME\r\n",
                        "HELO" | "MAIL" | "RSET" | "NOOP" => b"250 ok\r\n",
                        "RCPT" => {
                            to.push(line[8..].trim().trim_matches(['<', '>']).to_string());
                            b"250 ok\r\n"
                        }
                        "DATA" => {
                            write.write_all(b"354 go on\r\n").await.unwrap();
                            let mut data = String::new();
                            while let Ok(Some(line)) = lines.next_line().await {
                                if line == "." {
                                    break;
                                }
                                data.push_str(&line);
                                data.push('\n');
                            }
                            inbox.lock().unwrap().push(Received { to: std::mem::take(&mut to), data });
                            b"250 kept\r\n"
                        }
                        "QUIT" => {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            return;
                        }
                        _ => b"502 no\r\n",
                    };
                    write.write_all(answer).await.unwrap();
                }
            });
        }
    });
    (port, inbox)
}

const INTAKE: &[(&str, &str)] = &[
    ("received_at", "2024-06-01T10:30"),
    ("police_station", "目黒警察署"),
    ("district", "西部"),
    ("resident", "1"),
    ("circumstances", "路上で保護、警察官が通報"),
    ("name_kana", "みほん しろう"),
    ("name_kanji", "見本 四郎"),
    ("birth_date", "1966-06-06"),
    ("sex", "m"),
    ("address", "見本町4-4"),
    ("contact", "000-4444-0000"),
];

fn typed(at: OffsetDateTime) -> String {
    nimo_web::display::jst_minute(at).replace(' ', "T")
}

/// A case whose police 保護 began 23 h 58 min ago (to the minute); returns its path.
async fn protected_case(app: &TestApp) -> (String, OffsetDateTime) {
    let now = app.clock.now();
    let start =
        now.replace_second(0).unwrap().replace_nanosecond(0).unwrap() - Duration::hours(23) - Duration::minutes(58);
    let mut fields = form(INTAKE);
    fields.push(("protection_started_at".into(), typed(start)));
    let (status, location, body) = app.post_form("/municipalities/131105/cases", &fields).await;
    assert_eq!(status, 303, "{body}");
    (location.unwrap().split('?').next().unwrap().to_string(), start)
}

async fn set_recipients(app: &TestApp, emails: &str) -> (u16, String) {
    let fields =
        form(&[("health_centre", "目黒区保健所"), ("callback_phone", "03-3715-1111"), ("escalation_emails", emails)]);
    let (status, _, body) = app.post_form("/municipalities/131105/health-centre", &fields).await;
    (status, body)
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db.pool).await.unwrap()
}

#[tokio::test]
async fn an_overdue_clock_is_mailed_once_with_its_number_and_deadline_and_no_name() {
    for backend in nimo_store::testing::backends() {
        let (port, inbox) = smtp_sink().await;
        let kept: Arc<Mutex<Option<nimo_web::AppState>>> = Arc::default();
        let slot = kept.clone();
        let app = TestApp::spawn_with(backend, move |state| {
            let state = state.with_smtp(nimo_web::escalation::SmtpSettings {
                host: "127.0.0.1".into(),
                port,
                from: "nimo@example.jp".into(),
                credentials: None,
                starttls: false,
                public_url: "https://nimo.example.jp".into(),
                every: StdDuration::from_millis(100),
            });
            *slot.lock().unwrap() = Some(state.clone());
            state
        })
        .await;
        let state = kept.lock().unwrap().clone().unwrap();
        // A bad address is refused beside its field; nothing is set.
        let (status, body) = set_recipients(&app, "hoken@example.jp\n見本 四郎").await;
        assert_eq!(status, 422);
        assert!(body.contains("メールアドレスの形になっていないものがあります"), "{body}");
        let (status, _) = set_recipients(&app, "hoken@example.jp\nkakari@example.jp").await;
        assert_eq!(status, 303);
        let (_, page) = app.get("/municipalities/131105/health-centre").await;
        assert!(page.contains("hoken@example.jp\nkakari@example.jp"), "{page}");

        let (case, start) = protected_case(&app).await;
        let task = nimo_web::escalation::spawn_escalation(&state);
        tokio::time::sleep(StdDuration::from_millis(600)).await;
        assert!(inbox.lock().unwrap().is_empty(), "nothing is overdue yet");

        app.clock.advance(Duration::minutes(3));
        let mut waited = 0;
        while inbox.lock().unwrap().is_empty() && waited < 100 {
            tokio::time::sleep(StdDuration::from_millis(100)).await;
            waited += 1;
        }
        // Several more rounds: the clock is not mailed again.
        tokio::time::sleep(StdDuration::from_millis(800)).await;
        task.abort();
        let mails = inbox.lock().unwrap().clone();
        assert_eq!(mails.len(), 1, "one mail for the overdue clock: {mails:?}");
        let mail = &mails[0];
        assert_eq!(mail.to, ["hoken@example.jp", "kakari@example.jp"]);
        // The body is UTF-8 in base64: decoded as a mail client would.
        let (headers, encoded) = mail.data.split_once("\n\n").expect("headers and body");
        assert!(headers.contains("Content-Transfer-Encoding: base64"), "{headers}");
        let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, encoded.replace('\n', ""));
        let text = String::from_utf8(bytes.expect("base64")).expect("UTF-8");
        let id = case.rsplit('/').next().unwrap();
        let reception = format!("R6-{:03}", id.parse::<i64>().unwrap());
        let deadline = nimo_web::display::jst_minute(start + Duration::hours(24));
        assert!(text.contains(&format!("記録: {reception}")), "{text}");
        assert!(text.contains("期限: 警察官による保護（24時間）"), "{text}");
        assert!(text.contains(&format!("期限日時（日本時間）: {deadline}まで")), "{text}");
        assert!(text.contains(&format!("https://nimo.example.jp{case}#protection")), "{text}");
        for personal in ["見本 四郎", "みほん", "1966-06-06", "見本町", "000-4444"] {
            assert!(!text.contains(personal) && !mail.data.contains(personal), "{personal} in the mail");
        }
        let notices = "SELECT COUNT(*) FROM clock_notice WHERE outcome = 'sent' AND recipients = 2";
        assert_eq!(count(&app, notices).await, 1);
        let audits = "SELECT COUNT(*) FROM audit_log WHERE action = 'escalation' AND record_type = 'clock_notice'";
        assert_eq!(count(&app, audits).await, 2, "the claim and the outcome, each with its row");
        // A round by hand sends nothing either.
        let round = nimo_web::escalation::escalate_at(&state, app.clock.now()).await.unwrap();
        assert_eq!(round, nimo_web::escalation::Round::default());
        assert_eq!(inbox.lock().unwrap().len(), 1);
    }
}

#[tokio::test]
async fn without_smtp_settings_nothing_is_sent_and_the_board_still_marks_it() {
    for backend in nimo_store::testing::backends() {
        let kept: Arc<Mutex<Option<nimo_web::AppState>>> = Arc::default();
        let slot = kept.clone();
        let app = TestApp::spawn_with(backend, move |state| {
            *slot.lock().unwrap() = Some(state.clone());
            state
        })
        .await;
        let state = kept.lock().unwrap().clone().unwrap();
        let (status, _) = set_recipients(&app, "hoken@example.jp").await;
        assert_eq!(status, 303);
        protected_case(&app).await;
        app.clock.advance(Duration::minutes(3));
        let round = nimo_web::escalation::escalate_at(&state, app.clock.now()).await.unwrap();
        assert_eq!(round, nimo_web::escalation::Round::default());
        assert_eq!(count(&app, "SELECT COUNT(*) FROM clock_notice").await, 0);
        let (_, board) = app.get("/municipalities/131105/clocks").await;
        assert!(board.contains("期限を過ぎた法定期限が 1 件あります"), "{board}");
    }
}
