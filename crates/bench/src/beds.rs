//! The bed finder at prefecture scale: search latency (p50, p99) and throughput beside the
//! trivial `/healthz` of the same server in the same run, and hold throughput when many clients
//! race for a ward's beds (with the over-booking count, which must be 0).
//!
//! ```text
//! cargo run --release -p nimo-bench --bin nimo-bench-beds                  # 300 hospitals, 1,500 wards, both backends
//! cargo run -p nimo-bench --bin nimo-bench-beds -- --quick --backends sqlite
//! ```
//!
//! The data: `hospitals` synthetic hospitals spread over the 23 wards of Tokyo, five wards each,
//! with free beds 0–4 posted at different times (some stale). Every request authenticates with
//! an API token of a staff account, so it goes through the token lookup, the account check and
//! the policy like a hospital system's would. The search asks for 措置 beds for a 34-year-old
//! woman within distance of 目黒区, which touches every ward (filter and rank in the domain).

mod posting;
mod seed;

use crate::stats::Summary;
use anyhow::{Context, ensure};
use nimo_domain::access::{Role, Scope};
use nimo_store::Backend;
use nimo_store::beds;
use nimo_store::testing::TestDb;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

/// The hospital whose wards the posting requests post (`PUT /api/v1/wards/{ward}/availability`).
pub const POSTING_HOSPITAL: &str = "h-bench-1";

/// The search every request makes.
pub const SEARCH_PATH: &str = "/api/v1/beds/search?admission=sochi&sex=female&age=34&from=131105";

/// How big a run is.
#[derive(Debug, Clone, Copy)]
pub struct BedSizes {
    pub hospitals: usize,
    pub wards_per_hospital: usize,
    pub requests: usize,
    pub clients: usize,
    pub per_client: usize,
    pub hold_clients: usize,
    pub hold_attempts_per_client: usize,
    pub hold_beds: i64,
}

impl BedSizes {
    /// Prefecture scale: 300 hospitals, 1,500 wards.
    pub fn full() -> Self {
        Self {
            hospitals: 300,
            wards_per_hospital: 5,
            requests: 500,
            clients: 8,
            per_client: 100,
            hold_clients: 50,
            hold_attempts_per_client: 8,
            hold_beds: 200,
        }
    }

    /// Prefecture scale's samples with `wards` wards (five per hospital): the `--scale` curve.
    pub fn at_wards(wards: usize) -> Self {
        Self { hospitals: wards.div_ceil(5).max(2), ..Self::full() }
    }

    /// A smoke run.
    pub fn quick() -> Self {
        Self {
            hospitals: 20,
            wards_per_hospital: 5,
            requests: 30,
            clients: 4,
            per_client: 10,
            hold_clients: 10,
            hold_attempts_per_client: 3,
            hold_beds: 12,
        }
    }
}

/// The figures of one backend.
#[derive(Debug, Clone)]
pub struct BedFigures {
    pub backend: Backend,
    pub hospitals: usize,
    pub wards: usize,
    pub search: Summary,
    pub healthz: Summary,
    pub search_per_second: f64,
    pub healthz_per_second: f64,
    /// `PUT /api/v1/wards/{ward}/availability` by a hospital's token, one at a time.
    pub posting: Summary,
    /// Postings per second from `clients` hospital clients at once.
    pub posting_per_second: f64,
    /// The resident memory of this process (server and clients) after the run, in MiB.
    pub rss_mib: Option<f64>,
    pub results: usize,
    pub hold_attempts: usize,
    pub hold_winners: usize,
    pub hold_refused: usize,
    pub over_booking: i64,
    pub hold_wall: Duration,
}

impl BedFigures {
    /// Search p50 over `/healthz` p50.
    pub fn ratio(&self) -> f64 {
        self.search.p50.as_secs_f64() / self.healthz.p50.as_secs_f64()
    }

    /// The figures as lines of text.
    pub fn to_text(&self) -> String {
        let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1e3);
        let name = self.backend.name();
        format!(
            "{name:<9} data: {} hospitals, {} wards; search returns {} results\n\
             {name:<9} search   p50 {} p99 {} ({} requests), {:.0} req/s\n\
             {name:<9} /healthz p50 {} p99 {}, {:.0} req/s\n\
             {name:<9} ratio search-p50 / healthz-p50 = {:.1}; search req/s / healthz req/s = {:.0} %\n\
             {name:<9} posting  p50 {} p99 {} ({} requests), {:.0} req/s\n\
             {name:<9} memory (RSS of the bench process, server included): {}\n\
             {name:<9} holds: attempts={}, winners={}, refused={}, over-booking={}, {:.0} attempts/s\n",
            self.hospitals,
            self.wards,
            self.results,
            ms(self.search.p50),
            ms(self.search.p99),
            self.search.n,
            self.search_per_second,
            ms(self.healthz.p50),
            ms(self.healthz.p99),
            self.healthz_per_second,
            self.ratio(),
            100.0 * self.search_per_second / self.healthz_per_second,
            ms(self.posting.p50),
            ms(self.posting.p99),
            self.posting.n,
            self.posting_per_second,
            self.rss_mib.map_or_else(|| "unknown".to_string(), |mib| format!("{mib:.0} MiB")),
            self.hold_attempts,
            self.hold_winners,
            self.hold_refused,
            self.over_booking,
            self.hold_attempts as f64 / self.hold_wall.as_secs_f64(),
        )
    }
}

/// Seeds a fresh database of `backend`, serves the app and measures.
pub async fn measure(backend: Backend, sizes: BedSizes) -> anyhow::Result<BedFigures> {
    let database = TestDb::new(backend).await.context("creating a throw-away database")?;
    let db = &database.db;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let race_ward = "h-bench-0-0";
    let (hospitals, wards) = seed::seed(db, sizes, race_ward, now).await?;
    let scope = Scope { municipality: Some(nimo_domain::MunicipalityCode::parse("131105")?), ..Scope::default() };
    let count = sizes.hold_clients.max(sizes.clients).max(1);
    let tokens = seed::tokens(db, "bench-staff", Role::Staff, scope, count, now).await?;
    let hospital_scope = Scope { hospital: Some(POSTING_HOSPITAL.into()), ..Scope::default() };
    let hospital_tokens =
        seed::tokens(db, "bench-byoin", Role::HospitalStaff, hospital_scope, sizes.clients.max(1), now).await?;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let state = nimo_web::AppState::with_fonts(db.clone(), Err("not needed".into()));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, nimo_web::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>())
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    let result = run_requests(backend, &base, (&tokens, &hospital_tokens), sizes, race_ward, db).await;
    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
    let mut figures = result?;
    figures.hospitals = usize::try_from(hospitals)?;
    figures.wards = usize::try_from(wards)?;
    database.db.close().await;
    Ok(figures)
}

fn token_client(token: &str) -> anyhow::Result<reqwest::Client> {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::AUTHORIZATION, format!("Bearer {token}").parse()?);
    Ok(reqwest::Client::builder().no_proxy().default_headers(headers).build()?)
}

async fn timed_get(client: &reqwest::Client, url: &str) -> anyhow::Result<(Duration, usize)> {
    let start = Instant::now();
    let response = client.get(url).send().await?;
    let status = response.status();
    let body = response.bytes().await?;
    ensure!(status == reqwest::StatusCode::OK, "GET {url} answered {status}");
    Ok((start.elapsed(), body.len()))
}

/// Requests per second of `clients` token clients sending `per_client` GETs each at once.
async fn throughput(tokens: &[String], url: &str, clients: usize, per_client: usize) -> anyhow::Result<f64> {
    let connected = tokens.iter().take(clients).map(|t| token_client(t)).collect::<anyhow::Result<Vec<_>>>()?;
    Ok(crate::http::concurrent_gets(connected, url, per_client).await?.per_second())
}

async fn run_requests(
    backend: Backend,
    base: &str,
    (tokens, hospital_tokens): (&[String], &[String]),
    sizes: BedSizes,
    race_ward: &str,
    db: &nimo_store::Db,
) -> anyhow::Result<BedFigures> {
    let search_url = format!("{base}{SEARCH_PATH}");
    let health_url = format!("{base}/healthz");
    let client = token_client(&tokens[0])?;
    let first = client.get(&search_url).send().await?;
    ensure!(first.status() == reqwest::StatusCode::OK, "search answered {}", first.status());
    let body: serde_json::Value = first.json().await?;
    let results = body["results"].as_array().map_or(0, Vec::len);
    for _ in 0..20 {
        timed_get(&client, &search_url).await?;
        timed_get(&client, &health_url).await?;
    }
    let (mut search, mut healthz) = (Vec::new(), Vec::new());
    for _ in 0..sizes.requests {
        search.push(timed_get(&client, &search_url).await?.0);
        healthz.push(timed_get(&client, &health_url).await?.0);
    }
    let search_per_second = throughput(tokens, &search_url, sizes.clients, sizes.per_client).await?;
    let healthz_per_second = throughput(tokens, &health_url, sizes.clients, sizes.per_client).await?;
    let posting_clients = hospital_tokens.iter().map(|t| token_client(t)).collect::<anyhow::Result<Vec<_>>>()?;
    let (posting, posting_per_second) = posting::measure(base, &posting_clients, sizes).await?;

    // Holds: every client tries `hold_attempts_per_client` times at once.
    let hold_url = format!("{base}/api/v1/holds");
    let body = serde_json::json!({ "ward_id": race_ward, "case_ref": "B-001", "admission": "sochi" });
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(sizes.hold_clients));
    let start = Instant::now();
    let mut tasks = JoinSet::new();
    for token in tokens.iter().take(sizes.hold_clients) {
        let (client, url, body, barrier) = (token_client(token)?, hold_url.clone(), body.clone(), barrier.clone());
        let attempts = sizes.hold_attempts_per_client;
        tasks.spawn(async move {
            barrier.wait().await;
            let mut statuses = Vec::new();
            for _ in 0..attempts {
                statuses.push(client.post(&url).json(&body).send().await?.status().as_u16());
            }
            anyhow::Ok(statuses)
        });
    }
    let mut statuses = Vec::new();
    while let Some(done) = tasks.join_next().await {
        statuses.extend(done??);
    }
    let hold_wall = start.elapsed();
    let winners = statuses.iter().filter(|s| **s == 201).count();
    let refused = statuses.iter().filter(|s| **s == 409).count();
    ensure!(winners + refused == statuses.len(), "unexpected hold answers: {statuses:?}");
    let rows: i64 = sqlx_count(db, race_ward).await?;
    Ok(BedFigures {
        backend,
        hospitals: 0,
        wards: 0,
        search: Summary::of(search),
        healthz: Summary::of(healthz),
        search_per_second,
        healthz_per_second,
        posting,
        posting_per_second,
        rss_mib: posting::rss_mib(),
        results,
        hold_attempts: statuses.len(),
        hold_winners: winners,
        hold_refused: refused,
        over_booking: (rows - sizes.hold_beds).max(0),
        hold_wall,
    })
}

/// Active holds of a ward, read straight from the store.
async fn sqlx_count(db: &nimo_store::Db, ward: &str) -> anyhow::Result<i64> {
    let hospital = beds::hospital_of_ward(db, ward).await?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let wards = beds::wards_of_hospital_at(db, &hospital, now).await?;
    Ok(wards.iter().find(|w| w.ward.id == ward).map_or(0, |w| w.availability.active_holds))
}
