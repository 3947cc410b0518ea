//! Sheet-page latency and throughput over HTTP: the real router served on 127.0.0.1:0 in this
//! process, on a throw-away database of one backend, beside the trivial `/healthz` of the same
//! server as the baseline.

use crate::Sizes;
use crate::stats::Summary;
use anyhow::{Context, ensure};
use nimo_domain::Sheet;
use nimo_report::Fonts;
use nimo_store::Backend;
use nimo_store::testing::{TestDb, postgres_admin_url};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;
use tokio::task::JoinSet;

/// The 目黒区 R4 sheet page.
pub const SHEET_PATH: &str = "/municipalities/131105/sheets/2022";

/// The trivial endpoint of the same server: routing, middleware and HTTP, no database.
pub const HEALTH_PATH: &str = "/healthz";

/// The figures of one backend.
#[derive(Debug, Clone)]
pub struct BackendFigures {
    pub backend: Backend,
    pub sheet: Summary,
    pub healthz: Summary,
    pub sheet_bytes: usize,
    pub sheet_throughput: Throughput,
    pub healthz_throughput: Throughput,
    /// Password sign-ins over HTTP (login page for the CSRF token, then the POST that verifies
    /// the argon2id hash and starts the session), one after another.
    pub sign_in: Summary,
}

impl BackendFigures {
    /// How many times slower the sheet page's median is than the trivial endpoint's.
    pub fn ratio(&self) -> f64 {
        self.sheet.p50.as_secs_f64() / self.healthz.p50.as_secs_f64()
    }
}

/// Concurrent clients, each sending its requests one after another on its own connection.
#[derive(Debug, Clone, Copy)]
pub struct Throughput {
    pub clients: usize,
    pub requests: usize,
    pub wall: Duration,
}

impl Throughput {
    /// Completed requests per second of wall-clock time.
    pub fn per_second(&self) -> f64 {
        self.requests as f64 / self.wall.as_secs_f64()
    }
}

/// Serves the app on a fresh database of `backend` holding `sheet`, measures, and tears it down.
pub async fn measure(backend: Backend, sheet: &Sheet, fonts: &Fonts, sizes: &Sizes) -> anyhow::Result<BackendFigures> {
    let database = TestDb::new(backend).await.with_context(|| match backend {
        Backend::Sqlite => "cannot create a temporary SQLite database".to_string(),
        Backend::Postgres => format!(
            "cannot create a throw-away database on {} (set NIMO_TEST_POSTGRES_URL, or pass --backends sqlite)",
            nimo_store::redact(&postgres_admin_url())
        ),
    })?;
    nimo_store::sheets::save(
        &database.db,
        sheet,
        nimo_store::sheets::SaveMode::Create,
        nimo_store::audit::AuditEvent::cli("import"),
    )
    .await
    .context("saving the demo sheet")?;
    // A reader of the sheet who signs in with a password only (a 協議の場 member), so that every
    // measured page request goes through the session, the account check and the policy.
    let scope = nimo_domain::access::Scope {
        municipality: Some(sheet.municipality.code.clone()),
        ..nimo_domain::access::Scope::default()
    };
    let new = nimo_store::accounts::NewUser {
        login: BENCH_LOGIN,
        display_name: "ベンチ 閲覧者",
        role: nimo_domain::access::Role::CouncilMember,
        scope,
        password: BENCH_PASSWORD,
        must_change_password: false,
    };
    nimo_store::accounts::create_user(
        &database.db,
        &new,
        nimo_store::audit::AuditEvent::cli("user_admin").with_detail("create"),
    )
    .await
    .context("creating the bench account")?;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    // The fonts found for the PDF figures, rather than `AppState::new` finding them again: the
    // sheet page does not use them, and discovery would only slow the start.
    let state = nimo_web::AppState::with_fonts(database.db.clone(), Ok(fonts.clone()));
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, nimo_web::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>())
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });

    let figures = async {
        let cookie = sign_in(&base).await?;
        let sign_ins = measure_sign_ins(&base, sizes.sign_ins).await?;
        measure_server(backend, &base, &cookie, sign_ins, sizes).await
    }
    .await;

    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
    database.db.close().await;
    drop(database);
    figures
}

const BENCH_LOGIN: &str = "bench-reader";
const BENCH_PASSWORD: &str = "ベンチマーク用の長いパスフレーズです";

/// Signs the bench account in and returns the session cookie (`name=value`).
async fn sign_in(base: &str) -> anyhow::Result<String> {
    let client =
        reqwest::Client::builder().no_proxy().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build()?;
    let page = client.get(format!("{base}/login")).send().await?.text().await?;
    let marker = "name=\"csrf\" value=\"";
    let at = page.find(marker).context("the login page has no CSRF token")? + marker.len();
    let csrf = &page[at..at + page[at..].find('"').context("CSRF token")?];
    let form = [("login", BENCH_LOGIN), ("password", BENCH_PASSWORD), ("csrf", csrf)];
    let response = client.post(format!("{base}/login")).form(&form).send().await?;
    ensure!(response.status() == reqwest::StatusCode::SEE_OTHER, "sign-in answered {}", response.status());
    let cookie = response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("nimo_session="))
        .context("no session cookie after sign-in")?;
    Ok(cookie.split(';').next().unwrap_or_default().to_string())
}

/// Times `n` sign-ins, each from a new client (its own session).
async fn measure_sign_ins(base: &str, n: usize) -> anyhow::Result<Summary> {
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let start = Instant::now();
        sign_in(base).await?;
        times.push(start.elapsed());
    }
    Ok(Summary::of(times))
}

async fn measure_server(
    backend: Backend,
    base: &str,
    cookie: &str,
    sign_in: Summary,
    sizes: &Sizes,
) -> anyhow::Result<BackendFigures> {
    let sheet_url = format!("{base}{SHEET_PATH}");
    let health_url = format!("{base}{HEALTH_PATH}");
    let client = client(cookie)?;
    let page = get_text(&client, &sheet_url).await?;
    ensure!(page.contains("目黒区"), "GET {SHEET_PATH} did not show the 目黒区 sheet");

    for _ in 0..sizes.warmup {
        get(&client, &sheet_url).await?;
        get(&client, &health_url).await?;
    }
    // Interleaved, so that both series see the same machine: other processes come and go.
    let mut sheet = Vec::with_capacity(sizes.requests);
    let mut healthz = Vec::with_capacity(sizes.requests);
    for _ in 0..sizes.requests {
        sheet.push(timed_get(&client, &sheet_url).await?);
        healthz.push(timed_get(&client, &health_url).await?);
    }
    drop(client);

    Ok(BackendFigures {
        backend,
        sheet: Summary::of(sheet),
        healthz: Summary::of(healthz),
        sheet_bytes: page.len(),
        sheet_throughput: throughput(&sheet_url, cookie, sizes.clients, sizes.per_client).await?,
        healthz_throughput: throughput(&health_url, cookie, sizes.clients, sizes.per_client).await?,
        sign_in,
    })
}

/// A keep-alive client of the signed-in session that ignores any proxy settings: only the
/// loopback address is a target.
fn client(cookie: &str) -> anyhow::Result<reqwest::Client> {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::COOKIE, reqwest::header::HeaderValue::from_str(cookie)?);
    Ok(reqwest::Client::builder()
        .no_proxy()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()?)
}

/// GETs a URL, reads the whole body and insists on 200.
async fn get(client: &reqwest::Client, url: &str) -> anyhow::Result<usize> {
    let response = client.get(url).send().await.with_context(|| format!("GET {url}"))?;
    let status = response.status();
    let body = response.bytes().await.with_context(|| format!("GET {url}: body"))?;
    ensure!(status == reqwest::StatusCode::OK, "GET {url} answered {status}");
    Ok(body.len())
}

async fn get_text(client: &reqwest::Client, url: &str) -> anyhow::Result<String> {
    let response = client.get(url).send().await.with_context(|| format!("GET {url}"))?;
    ensure!(response.status() == reqwest::StatusCode::OK, "GET {url} answered {}", response.status());
    Ok(response.text().await?)
}

/// One request, from sending to the last byte of the body.
async fn timed_get(client: &reqwest::Client, url: &str) -> anyhow::Result<Duration> {
    let start = Instant::now();
    get(client, url).await?;
    Ok(start.elapsed())
}

/// `clients` tasks with a connection each send `per_client` requests; the clock starts once
/// every connection is open.
async fn throughput(url: &str, cookie: &str, clients: usize, per_client: usize) -> anyhow::Result<Throughput> {
    let connected = (0..clients).map(|_| client(cookie)).collect::<anyhow::Result<Vec<_>>>()?;
    concurrent_gets(connected, url, per_client).await
}

/// Each client, on its own connection (opened by a first request before the clock starts), GETs
/// `url` `per_client` times; all clients run at once. Shared by the sheet and bed-finder benches.
pub(crate) async fn concurrent_gets(
    clients: Vec<reqwest::Client>,
    url: &str,
    per_client: usize,
) -> anyhow::Result<Throughput> {
    for client in &clients {
        get(client, url).await?;
    }
    let count = clients.len();
    let start = Instant::now();
    let mut tasks = JoinSet::new();
    for client in clients {
        let url = url.to_string();
        tasks.spawn(async move {
            for _ in 0..per_client {
                get(&client, &url).await?;
            }
            anyhow::Ok(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    Ok(Throughput { clients: count, requests: count * per_client, wall: start.elapsed() })
}
