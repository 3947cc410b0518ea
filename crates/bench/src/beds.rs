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

use crate::stats::Summary;
use anyhow::{Context, ensure};
use nimo_domain::access::{Role, Scope};
use nimo_domain::beds::{AdmissionType, Sex, TOKYO_WARD_CENTRES, WardType};
use nimo_store::Backend;
use nimo_store::beds::{self, Hospital, Ward};
use nimo_store::testing::TestDb;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

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
             {name:<9} ratio search-p50 / healthz-p50 = {:.1}\n\
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
    let kinds = [WardType::Kyukyu, WardType::Kyuseiki, WardType::Heisa, WardType::Kaiho, WardType::Ninchisho];
    let sexes = [Sex::Mixed, Sex::Male, Sex::Female, Sex::Mixed, Sex::Mixed];
    for index in 0..sizes.hospitals {
        let (code, _, lat, lon) = TOKYO_WARD_CENTRES[index % TOKYO_WARD_CENTRES.len()];
        let spread = (index / TOKYO_WARD_CENTRES.len()) as f64 * 0.002;
        let id = format!("h-bench-{index}");
        let hospital = Hospital {
            id: id.clone(),
            name: format!("ベンチ病院{index}（架空）"),
            phone: "03-0000-0000".into(),
            municipality_code: nimo_domain::MunicipalityCode::parse(code)?,
            area: "ベンチ".into(),
            latitude: lat + spread,
            longitude: lon - spread,
            emergency: index % 3 == 0,
            okyu_designated: index % 2 == 0,
            physical_care: index % 5 == 0,
            sochi_designation: if index % 3 == 2 {
                nimo_domain::beds::SochiDesignation::None
            } else {
                nimo_domain::beds::SochiDesignation::Shitei
            },
            night_holiday: index % 4 != 3,
        };
        beds::upsert_hospital(db, &hospital, nimo_store::audit::AuditEvent::cli("hospital_admin")).await?;
        let mut postings = Vec::new();
        for w in 0..sizes.wards_per_hospital {
            let ward = Ward {
                id: format!("{id}-{w}"),
                hospital_id: id.clone(),
                name: format!("{w}病棟"),
                ward_type: kinds[w % kinds.len()],
                sex: sexes[w % sexes.len()],
                min_age: 16,
                max_age: 120,
                admissions: AdmissionType::ALL.to_vec(),
                seclusion_rooms: 2,
            };
            beds::upsert_ward(db, &ward, now, nimo_store::audit::AuditEvent::cli("hospital_admin")).await?;
            postings.push((ward.id, ((index + w) % 5) as i64));
        }
        let age = if index % 10 == 0 { 8 * 3600 } else { (index % 60) as i64 * 60 };
        beds::post_many_at(db, Some(&id), &postings, "cli", "cli", now - age).await?;
    }
    let (hospitals, wards) = beds::counts(db).await?;
    // The contention ward: one of the first hospital's wards with `hold_beds` free beds.
    let race_ward = "h-bench-0-0";
    beds::post_availability_at(db, race_ward, sizes.hold_beds, "cli", "cli", now).await?;

    let new = nimo_store::accounts::NewUser {
        login: "bench-staff",
        display_name: "ベンチ 職員",
        role: Role::Staff,
        scope: Scope { municipality: Some(nimo_domain::MunicipalityCode::parse("131105")?), ..Scope::default() },
        password: "ベンチマーク用の長いパスフレーズです",
        must_change_password: false,
    };
    let user = nimo_store::accounts::create_user(
        db,
        &new,
        nimo_store::audit::AuditEvent::cli("user_admin").with_detail("create"),
    )
    .await
    .context("bench account")?;
    let enrolment = nimo_store::accounts::begin_totp_enrolment(
        db,
        user.id,
        nimo_store::audit::AuditEvent::cli("totp_enrolment_started"),
    )
    .await?;
    let code = nimo_store::accounts::code_at(&enrolment.secret_base32, time::OffsetDateTime::now_utc())?;
    nimo_store::accounts::confirm_totp_enrolment(
        db,
        user.id,
        &code,
        nimo_store::audit::AuditEvent::cli("totp_enrolled"),
    )
    .await?;
    let mut tokens = Vec::new();
    for _ in 0..sizes.hold_clients.max(sizes.clients).max(1) {
        tokens.push(
            nimo_store::tokens::create_token(
                db,
                user.id,
                "bench",
                now,
                nimo_store::audit::AuditEvent::cli("token_create"),
            )
            .await?,
        );
    }

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
    let result = run_requests(backend, &base, &tokens, sizes, race_ward, db).await;
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
    tokens: &[String],
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
