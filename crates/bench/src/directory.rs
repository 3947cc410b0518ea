//! The resource directory's search at 10,000 organisations (`nimo-bench-directory`): the JSON
//! API's search (`/api/v1/municipalities/{code}/directory`, queries in hiragana, half-width
//! katakana and kanji, with and without filters) over a synthetic directory
//! (`nimo_store::synthetic::directory::scaled`), beside the trivial `/healthz` of the same
//! in-process server in the same run: p50/p99 of one client's requests in turn, and req/s of
//! several clients at once.

use crate::stats::{Summary, ms};
use anyhow::{Context, ensure};
use nimo_domain::access::{Role, Scope};
use nimo_store::Backend;
use nimo_store::testing::TestDb;
use std::time::{Duration, Instant};

/// The searches timed in turn: typed text and filters, as a query string.
pub const QUERIES: [&str; 6] = [
    "q=%E3%81%AA%E3%81%8B%E3%82%81%E3%81%90%E3%82%8D", // なかめぐろ
    "q=%EF%BD%BC%EF%BE%9E%EF%BE%95%EF%BD%B3%EF%BD%B6%EF%BE%9E%EF%BD%B5%EF%BD%B6", // ｼﾞﾕｳｶﾞｵｶ
    "q=%E7%9B%B8%E8%AB%87%E6%94%AF%E6%8F%B4",          // 相談支援
    "type=soudan_shien&area=%E6%9D%B1%E9%83%A8%E5%9C%B0%E5%8C%BA", // 東部地区
    "kakaritsuke=1&page=2",
    "q=%E3%81%B2%E3%81%A0%E3%81%BE%E3%82%8A&type=kazokukai", // ひだまり
];

/// What one backend measured.
pub struct DirectoryFigures {
    pub backend: Backend,
    pub organisations: usize,
    pub search: Summary,
    pub healthz: Summary,
    pub search_per_second: f64,
    pub healthz_per_second: f64,
    /// Organisations the first query's page held (the search finds something).
    pub found: i64,
}

impl DirectoryFigures {
    /// The figures as printed, one line each.
    pub fn to_text(&self) -> String {
        let name = self.backend.name();
        format!(
            "{name:<9} directory of {} organisations ({} found by the first query)\n\
             {name:<9} search   p50 {:.3} ms p99 {:.3} ms ({} requests), {:.0} req/s\n\
             {name:<9} /healthz p50 {:.3} ms p99 {:.3} ms, {:.0} req/s\n\
             {name:<9} ratio search-p50 / healthz-p50 = {:.1}\n",
            self.organisations,
            self.found,
            ms(self.search.p50),
            ms(self.search.p99),
            self.search.n,
            self.search_per_second,
            ms(self.healthz.p50),
            ms(self.healthz.p99),
            self.healthz_per_second,
            self.search.p50.as_secs_f64() / self.healthz.p50.as_secs_f64(),
        )
    }
}

async fn token(db: &nimo_store::Db, clients: usize) -> anyhow::Result<Vec<String>> {
    let scope = Scope { municipality: Some(nimo_domain::MunicipalityCode::parse("131105")?), ..Scope::default() };
    let new = nimo_store::accounts::NewUser {
        login: "bench-directory",
        display_name: "ベンチ 職員",
        role: Role::CouncilMember,
        scope,
        password: "ベンチマーク用の長いパスフレーズです",
        must_change_password: false,
    };
    let user = nimo_store::accounts::create_user(db, &new, nimo_store::audit::AuditEvent::cli("user_admin")).await?;
    // A council member signs in without a second factor and makes no token in the UI; the CLI's
    // token (as `nimo token create`) carries the role's scopes.
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut tokens = Vec::new();
    for _ in 0..clients {
        let audit = nimo_store::audit::AuditEvent::cli("token_create");
        tokens.push(nimo_store::tokens::create_token(db, user.id, "bench", now, audit).await?);
    }
    Ok(tokens)
}

fn client(token: &str) -> anyhow::Result<reqwest::Client> {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::AUTHORIZATION, format!("Bearer {token}").parse()?);
    Ok(reqwest::Client::builder().no_proxy().default_headers(headers).build()?)
}

async fn timed(client: &reqwest::Client, url: &str) -> anyhow::Result<Duration> {
    let start = Instant::now();
    let response = client.get(url).send().await?;
    let status = response.status();
    let _ = response.bytes().await?;
    ensure!(status == reqwest::StatusCode::OK, "GET {url} answered {status}");
    Ok(start.elapsed())
}

/// Seeds `organisations` into a fresh database of `backend`, serves the app and measures
/// `requests` searches and `/healthz` calls, then `clients` × `per_client` of each at once.
pub async fn measure(
    backend: Backend,
    organisations: usize,
    requests: usize,
    (clients, per_client): (usize, usize),
) -> anyhow::Result<DirectoryFigures> {
    let database = TestDb::new(backend).await.context("creating a throw-away database")?;
    let db = &database.db;
    let orgs = nimo_store::synthetic::directory::scaled(organisations);
    nimo_store::directory::import(db, "131105", &orgs, nimo_store::audit::AuditEvent::cli("directory")).await?;
    let tokens = token(db, clients.max(1)).await?;
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
    let search = |i: usize| format!("{base}/api/v1/municipalities/131105/directory?{}", QUERIES[i % QUERIES.len()]);
    let health = format!("{base}/healthz");
    let one = client(&tokens[0])?;
    let first: serde_json::Value = one.get(search(0)).send().await?.json().await?;
    let found = first["total"].as_i64().unwrap_or(0);
    for i in 0..20 {
        timed(&one, &search(i)).await?;
        timed(&one, &health).await?;
    }
    let (mut searches, mut healths) = (Vec::new(), Vec::new());
    for i in 0..requests {
        searches.push(timed(&one, &search(i)).await?);
        healths.push(timed(&one, &health).await?);
    }
    let connected = || tokens.iter().take(clients).map(|t| client(t)).collect::<anyhow::Result<Vec<_>>>();
    let search_per_second = crate::http::concurrent_gets(connected()?, &search(2), per_client).await?.per_second();
    let healthz_per_second = crate::http::concurrent_gets(connected()?, &health, per_client).await?.per_second();
    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
    database.db.close().await;
    Ok(DirectoryFigures {
        backend,
        organisations,
        search: Summary::of(searches),
        healthz: Summary::of(healths),
        search_per_second,
        healthz_per_second,
        found,
    })
}
