//! `nimo-bench-login`: whether a refused sign-in tells an unknown login from a wrong password by
//! its time, and whether a throttled account tells a right password from a wrong one.
//!
//! ```text
//! cargo run --release -p nimo-bench --bin nimo-bench-login                 # both backends, 30 each
//! cargo run -p nimo-bench --bin nimo-bench-login -- --attempts 10 --backends sqlite
//! ```
//!
//! On a fresh database per backend with one account, times `accounts::check_password_at` (the
//! password step the sign-in page runs: throttle checks, argon2id, failure bookkeeping) for an
//! unknown login and for the account's login with a wrong password, interleaved, and prints the
//! median and p90 of each and their difference. Each attempt comes from an address of its own and
//! a day after the previous one, so that no throttle stops a series. Then it fails the account
//! six times and says what a right and a wrong password are answered. Nothing is asserted: the
//! figures are for people (the tests check the answers). SQLite's file is in the temporary
//! directory: set `TMPDIR` to a directory on the data disk to include its `fsync`s.

use clap::Parser;
use nimo_domain::access::{Role, Scope};
use nimo_store::Backend;
use nimo_store::accounts::{self, LoginError, NewUser};
use nimo_store::audit::AuditEvent;
use nimo_store::testing::TestDb;
use std::time::{Duration, Instant};

#[derive(Debug, Parser)]
#[command(name = "nimo-bench-login", about = "Times refused sign-ins: unknown login against wrong password")]
struct Options {
    /// Timed attempts per path.
    #[arg(long, default_value_t = 30)]
    attempts: usize,
    /// The backends, comma-separated
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    backends: Vec<String>,
}

const LOGIN: &str = "bench-login";
const PASSWORD: &str = "ベンチマーク用の長いパスフレーズです";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let options = Options::parse();
    println!(
        "nimo sign-in timing bench, build profile: {}, {} attempts per path",
        nimo_bench::profile(),
        options.attempts
    );
    for name in &options.backends {
        let backend = match name.trim() {
            "sqlite" => Backend::Sqlite,
            "postgres" => Backend::Postgres,
            other => anyhow::bail!("unknown backend {other:?}: use sqlite or postgres"),
        };
        measure(backend, options.attempts.max(1)).await?;
    }
    Ok(())
}

async fn measure(backend: Backend, attempts: usize) -> anyhow::Result<()> {
    let t = TestDb::new(backend).await?;
    let new = NewUser {
        login: LOGIN,
        display_name: "ベンチ 利用者",
        role: Role::CouncilMember,
        scope: Scope { municipality: Some(nimo_domain::MunicipalityCode::parse("131105")?), ..Scope::default() },
        password: PASSWORD,
        must_change_password: false,
    };
    accounts::create_user(&t.db, &new, AuditEvent::cli("user_admin").with_detail("create")).await?;
    let start = time::OffsetDateTime::now_utc();
    let day = time::Duration::days(1);
    let mut unknown = Vec::with_capacity(attempts);
    let mut wrong = Vec::with_capacity(attempts);
    // Two warm-up rounds (connections, the dummy hash), then the timed ones, interleaved so that
    // both series see the same machine.
    for i in 0..attempts + 2 {
        let at = start + day * (2 * i as i32);
        let address = format!("198.51.{}.{}", i / 250, i % 250 + 1);
        let began = Instant::now();
        let result = accounts::check_password_at(&t.db, &format!("nobody-{i}"), PASSWORD, &address, at).await;
        let unknown_time = began.elapsed();
        anyhow::ensure!(matches!(result, Err(LoginError::BadCredentials)), "unknown login answered {result:?}");
        let began = Instant::now();
        let result = accounts::check_password_at(&t.db, LOGIN, "まちがったパスワードです", &address, at + day).await;
        let wrong_time = began.elapsed();
        anyhow::ensure!(matches!(result, Err(LoginError::BadCredentials)), "wrong password answered {result:?}");
        if i >= 2 {
            unknown.push(unknown_time);
            wrong.push(wrong_time);
        }
    }
    let (unknown, wrong) = (median(unknown), median(wrong));
    println!(
        "{backend:<9} unknown login  median {:>7.1} ms\n{backend:<9} wrong password median {:>7.1} ms   (difference {:+.1} ms)",
        ms(unknown.0),
        ms(wrong.0),
        ms(wrong.0) - ms(unknown.0),
        backend = backend_name(backend),
    );
    println!(
        "{backend:<9} p90: unknown {:.1} ms, wrong {:.1} ms",
        ms(unknown.1),
        ms(wrong.1),
        backend = backend_name(backend)
    );
    // Six wrong passwords from one address, then the right and a wrong one.
    let burst = start + day * (2 * attempts as i32 + 10);
    for _ in 0..6 {
        let _ = accounts::check_password_at(&t.db, LOGIN, "まちがったパスワードです", "203.0.113.1", burst).await;
    }
    let right = accounts::check_password_at(&t.db, LOGIN, PASSWORD, "203.0.113.2", burst).await.map(|u| u.id);
    let wrong = accounts::check_password_at(&t.db, LOGIN, "まちがったパスワードです", "203.0.113.3", burst).await;
    println!(
        "{backend:<9} after 6 failures: right password → {}, wrong password → {}",
        answer(&right),
        answer(&wrong.map(|u| u.id)),
        backend = backend_name(backend)
    );
    t.db.close().await;
    Ok(())
}

fn answer(result: &Result<i64, LoginError>) -> String {
    match result {
        Ok(_) => "signed in".into(),
        Err(error) => format!("{error}"),
    }
}

fn backend_name(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

/// The median and the p90 (nearest rank) of a series.
fn median(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort_unstable();
    let at = |p: usize| samples[((samples.len() * p).div_ceil(100)).max(1) - 1];
    (at(50), at(90))
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
