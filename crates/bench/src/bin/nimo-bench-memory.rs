//! `nimo-bench-memory`: the server's memory while anonymous clients send oversized bodies to the
//! sign-in form. It starts the real server (this program again with `--serve`: the router of
//! `nimo serve` on a throw-away SQLite database) as a child process, reads the child's
//! `VmRSS` from `/proc/PID/status` idle, then its peak while `--posts` clients (16) each send a
//! `--mib` MiB (23) body to `POST /login` at once — first with a `Content-Length`, then chunked
//! (no length, so only a limit enforced while streaming stops it) — and after. It prints the
//! figures and times nothing; the server should stay near idle.

use anyhow::{Context, bail};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--serve") {
        return serve();
    }
    let value = |flag: &str, default: usize| -> anyhow::Result<usize> {
        match args.iter().position(|a| a == flag) {
            Some(i) => args.get(i + 1).context("a number after the flag")?.parse().context(flag.to_string()),
            None => Ok(default),
        }
    };
    let (posts, mib) = (value("--posts", 16)?, value("--mib", 23)?);
    let mut child = Command::new(std::env::current_exe()?)
        .arg("--serve")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .context("starting the server")?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().context("server output")?).read_line(&mut line)?;
    let addr = line.trim().strip_prefix("listening on ").context("the server's address")?.to_string();
    let pid = child.id();
    let runtime = tokio::runtime::Runtime::new()?;
    let result = runtime.block_on(measure(pid, &addr, posts, mib));
    drop(child.stdin.take()); // the server stops when its input closes
    let _ = child.wait();
    let figures = result?;
    println!("{figures}");
    Ok(())
}

/// The child: the real router on 127.0.0.1:0, until its standard input closes.
#[tokio::main]
async fn serve() -> anyhow::Result<()> {
    let database = nimo_store::testing::TestDb::new(nimo_store::Backend::Sqlite).await?;
    let state = nimo_web::AppState::with_fonts(database.db.clone(), Err("not needed".into()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("listening on {}", listener.local_addr()?);
    let stdin_closed = async {
        let mut sink = Vec::new();
        let _ = tokio::io::stdin().read_to_end(&mut sink).await;
    };
    tokio::select! {
        served = nimo_web::serve(listener, state) => served?,
        () = stdin_closed => {}
    }
    database.db.close().await;
    Ok(())
}

/// The resident set of a process, in KiB.
fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).context("no VmRSS")?;
    Ok(line.split_whitespace().nth(1).context("VmRSS value")?.parse()?)
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

async fn measure(pid: u32, addr: &str, posts: usize, body_mib: usize) -> anyhow::Result<String> {
    let client = reqwest::Client::builder().no_proxy().build()?;
    for _ in 0..20 {
        client.get(format!("http://{addr}/login")).send().await?.bytes().await?;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle = rss_kib(pid)?;
    let mut out = format!(
        "nimo-bench-memory: {posts} parallel anonymous POST /login of {body_mib} MiB each, server RSS (VmRSS)\n\
         idle:                          {:7.1} MiB\n",
        mib(idle)
    );
    for chunked in [false, true] {
        let (peak, answers) = flood(pid, addr, posts, body_mib * 1024 * 1024, chunked).await?;
        let what = if chunked { "peak, chunked (no length):" } else { "peak, with Content-Length:" };
        out.push_str(&format!(
            "{what:31}{:7.1} MiB ({:+.1} MiB over idle), answers: {answers}\n",
            mib(peak),
            mib(peak) - mib(idle)
        ));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    out.push_str(&format!("after:                         {:7.1} MiB", mib(rss_kib(pid)?)));
    Ok(out)
}

/// Sends the posts at once while sampling the server's RSS every 10 ms; returns the peak and the
/// status lines the clients got (or how their connection ended).
async fn flood(pid: u32, addr: &str, posts: usize, bytes: usize, chunked: bool) -> anyhow::Result<(u64, String)> {
    let peak = Arc::new(AtomicU64::new(rss_kib(pid)?));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (peak.clone(), done.clone());
        tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                if let Ok(kib) = rss_kib(pid) {
                    peak.fetch_max(kib, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };
    let tasks: Vec<_> = (0..posts)
        .map(|_| {
            let addr = addr.to_string();
            tokio::spawn(async move {
                tokio::time::timeout(Duration::from_secs(120), post(&addr, bytes, chunked))
                    .await
                    .unwrap_or_else(|_| "timeout".to_string())
            })
        })
        .collect();
    let mut answers = std::collections::BTreeMap::<String, usize>::new();
    for task in tasks {
        *answers.entry(task.await?).or_default() += 1;
    }
    done.store(true, Ordering::Relaxed);
    sampler.await?;
    let answers = answers.iter().map(|(a, n)| format!("{a} ×{n}")).collect::<Vec<_>>().join(", ");
    if answers.is_empty() {
        bail!("no answers");
    }
    Ok((peak.load(Ordering::Relaxed), answers))
}

/// One anonymous POST of `bytes` bytes to /login over a raw connection, written in 64 KiB pieces
/// from one buffer (the client holds no body); returns the answer's status code, or how the
/// connection ended.
async fn post(addr: &str, bytes: usize, chunked: bool) -> String {
    let Ok(stream) = tokio::net::TcpStream::connect(addr).await else {
        return "no connection".into();
    };
    // Read while writing: a server that answers early and closes is seen answering.
    let (mut reader, mut stream) = stream.into_split();
    let reading = tokio::spawn(async move {
        let mut answer = Vec::new();
        let _ = reader.read_to_end(&mut answer).await;
        answer
    });
    let length = if chunked { "Transfer-Encoding: chunked".to_string() } else { format!("Content-Length: {bytes}") };
    let head = format!(
        "POST /login HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\n{length}\r\n\
         Connection: close\r\n\r\n"
    );
    let piece = vec![b'a'; 64 * 1024];
    let mut sent = 0;
    let mut result = stream.write_all(head.as_bytes()).await;
    while result.is_ok() && sent < bytes {
        let n = piece.len().min(bytes - sent);
        result = if chunked {
            let mut framed = format!("{n:x}\r\n").into_bytes();
            framed.extend_from_slice(&piece[..n]);
            framed.extend_from_slice(b"\r\n");
            stream.write_all(&framed).await
        } else {
            stream.write_all(&piece[..n]).await
        };
        sent += n;
    }
    if result.is_ok() && chunked {
        result = stream.write_all(b"0\r\n\r\n").await;
    }
    let answer = reading.await.unwrap_or_default();
    let text = String::from_utf8_lossy(&answer);
    match text.lines().next().and_then(|l| l.split_whitespace().nth(1)) {
        Some(status) => status.to_string(),
        None if result.is_err() => "closed while sending".into(),
        None => "no answer".into(),
    }
}
