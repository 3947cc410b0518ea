//! `nimo-bench-idle`: the resident memory of the `nimo` binary beside this one, idle, as an
//! operator starts it: `nimo demo` (which made its database, accounts and demo records first)
//! and then `nimo serve` on the database the demo made. Each process is started on a free
//! loopback port, asked `/readyz` until it answers, left idle for `--settle` seconds (3), and its
//! `VmRSS` read from `/proc/PID/status`; then it is stopped. Prints the figures; times nothing.

use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let settle = match args.iter().position(|a| a == "--settle") {
        Some(i) => args.get(i + 1).context("seconds after --settle")?.parse::<u64>()?,
        None => 3,
    };
    let nimo = std::env::current_exe()?.with_file_name("nimo");
    if !nimo.exists() {
        bail!("{} is missing: build it first (cargo build --release --bins)", nimo.display());
    }
    let dir = std::env::temp_dir().join(format!("nimo-bench-idle-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let demo = measure(&nimo, &["demo", "--data-dir", path(&dir)?], settle).await?;
    let database = format!("sqlite://{}", dir.join("demo.db").display());
    let keys = dir.join("demo.keys");
    let serve = measure(&nimo, &["serve", "--database-url", &database, "--key-file", path(&keys)?], settle).await?;
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "nimo-bench-idle: resident memory (VmRSS) {settle} s after /readyz answered ({})\n\
         nimo demo:  {:7.1} MiB\n\
         nimo serve: {:7.1} MiB (on the database the demo made)",
        nimo.display(),
        demo as f64 / 1024.0,
        serve as f64 / 1024.0
    );
    Ok(())
}

fn path(p: &Path) -> anyhow::Result<&str> {
    p.to_str().context("a temporary path that is not UTF-8")
}

/// Starts `nimo ARGS --addr 127.0.0.1:PORT`, waits for `/readyz`, settles, reads its RSS (KiB).
async fn measure(nimo: &PathBuf, args: &[&str], settle: u64) -> anyhow::Result<u64> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = Command::new(nimo)
        .args(args)
        .args(["--addr", &addr])
        .env("NIMO_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting nimo {}", args[0]))?;
    let result = wait_and_read(&mut child, &addr, settle).await;
    let _ = child.kill();
    let _ = child.wait();
    result
}

async fn wait_and_read(child: &mut Child, addr: &str, settle: u64) -> anyhow::Result<u64> {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            bail!("nimo exited early: {status}");
        }
        if ready(addr) {
            break;
        }
        if started.elapsed() > Duration::from_secs(120) {
            bail!("nimo did not become ready within 120 s");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(settle)).await;
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id()))?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).context("no VmRSS")?;
    Ok(line.split_whitespace().nth(1).context("VmRSS value")?.parse()?)
}

/// Whether `GET /readyz` answers 200 (a plain HTTP/1.1 request over a loopback socket).
fn ready(addr: &str) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(addr) else { return false };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let request = format!("GET /readyz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.1 200")
}
