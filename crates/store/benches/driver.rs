//! What sqlx's `Any` driver costs: the same query text, run through the `Any` pool nimo uses and
//! through the native SQLite or PostgreSQL pool on the same database, timed side by side.
//!
//! `cargo bench -p nimo-store --bench driver [-- --backends sqlite,postgres --wards 1500]`
//!
//! Two queries: the bed search's full read of every ward with its hospital (many rows, many
//! columns: the row conversion dominates) and a point read of one hospital by id (one row: the
//! round trip dominates). Each is timed alone (p50 and p99 of single calls) and under 8 concurrent
//! tasks (calls per second), through each pool. Set `LIBSQLITE3_FLAGS` when building to compare
//! SQLite builds (the workspace's `.cargo/config.toml` turns memory statistics off).

use nimo_domain::beds::{AdmissionType, SochiDesignation, WardType};
use nimo_domain::beds::{Sex, TOKYO_WARD_CENTRES};
use nimo_store::Backend;
use nimo_store::audit::AuditEvent;
use nimo_store::beds::{self, Hospital, Ward};
use nimo_store::testing::TestDb;
use sqlx::Row;
use std::time::{Duration, Instant};

/// Every ward with its hospital, as the search read it before its snapshot (no WHERE, no LIMIT).
const SCAN: &str = "SELECT w.id AS ward_id, w.hospital_id, w.name AS ward_name, w.ward_type, w.sex, w.min_age, \
     w.max_age, w.admissions, w.free_beds, w.posted_at, w.seclusion_rooms, w.seclusion_free, \
     h.name, h.phone, h.municipality_code, h.area, h.latitude, h.longitude \
     FROM ward w JOIN hospital h ON h.id = w.hospital_id";

/// One hospital by its key.
const POINT: &str = "SELECT id, name, phone, municipality_code, area, latitude, longitude FROM hospital WHERE id = $1";

/// The fields both drivers decode from a [`SCAN`] row (the same work on each side).
type ScanRow = (String, String, String, String, i64, i64, String, f64, f64);

macro_rules! decode_scan {
    ($row:expr) => {
        (
            $row.try_get::<String, _>("ward_id")?,
            $row.try_get::<String, _>("ward_name")?,
            $row.try_get::<String, _>("ward_type")?,
            $row.try_get::<String, _>("admissions")?,
            $row.try_get::<i64, _>("free_beds")?,
            $row.try_get::<i64, _>("posted_at")?,
            $row.try_get::<String, _>("name")?,
            $row.try_get::<f64, _>("latitude")?,
            $row.try_get::<f64, _>("longitude")?,
        )
    };
}

/// The three pools on one database.
#[derive(Clone)]
enum Pool {
    Any(sqlx::AnyPool),
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Pool {
    fn name(&self) -> &'static str {
        match self {
            Pool::Any(_) => "Any",
            Pool::Sqlite(_) | Pool::Postgres(_) => "native",
        }
    }

    async fn scan(&self) -> anyhow::Result<usize> {
        let rows: Vec<ScanRow> = match self {
            Pool::Any(pool) => sqlx::query(SCAN)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| Ok(decode_scan!(r)))
                .collect::<anyhow::Result<_>>()?,
            Pool::Sqlite(pool) => sqlx::query(SCAN)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| Ok(decode_scan!(r)))
                .collect::<anyhow::Result<_>>()?,
            Pool::Postgres(pool) => sqlx::query(SCAN)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| Ok(decode_scan!(r)))
                .collect::<anyhow::Result<_>>()?,
        };
        Ok(rows.len())
    }

    async fn point(&self, id: &str) -> anyhow::Result<usize> {
        let name: String = match self {
            Pool::Any(pool) => sqlx::query(POINT).bind(id).fetch_one(pool).await?.try_get("name")?,
            Pool::Sqlite(pool) => sqlx::query(POINT).bind(id).fetch_one(pool).await?.try_get("name")?,
            Pool::Postgres(pool) => sqlx::query(POINT).bind(id).fetch_one(pool).await?.try_get("name")?,
        };
        Ok(name.len())
    }

    async fn run(&self, query: Query, i: usize) -> anyhow::Result<usize> {
        match query {
            Query::Scan => self.scan().await,
            Query::Point(hospitals) => self.point(&format!("h-drv-{}", i % hospitals)).await,
        }
    }
}

#[derive(Clone, Copy)]
enum Query {
    Scan,
    Point(usize),
}

struct Timing {
    p50: Duration,
    p99: Duration,
    /// This process's CPU time (user + system, all threads) per sequential call: the client's own
    /// cost, which other work on the machine does not inflate as it inflates wall time.
    cpu_per_call: Duration,
    per_second: f64,
}

/// The CPU time this process has used so far (every thread, user and system), from
/// `/proc/self/stat` in clock ticks (100 per second on Linux: run long enough for 1 % precision).
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at field 3; utime and stime
    // are fields 14 and 15.
    let rest = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or_default();
    let fields: Vec<u64> = rest.split_whitespace().skip(11).take(2).filter_map(|f| f.parse().ok()).collect();
    Duration::from_millis(fields.iter().sum::<u64>() * 10)
}

async fn time(pool: &Pool, query: Query, calls: usize) -> anyhow::Result<Timing> {
    for i in 0..calls / 10 + 1 {
        pool.run(query, i).await?;
    }
    let mut samples = Vec::with_capacity(calls);
    let cpu_before = cpu_time();
    for i in 0..calls {
        let start = Instant::now();
        std::hint::black_box(pool.run(query, i).await?);
        samples.push(start.elapsed());
    }
    let cpu_per_call = (cpu_time() - cpu_before) / calls as u32;
    samples.sort();
    let at = |p: usize| samples[(samples.len() * p).div_ceil(100).saturating_sub(1)];
    let tasks = 8;
    let start = Instant::now();
    let mut handles = Vec::new();
    for t in 0..tasks {
        let pool = pool.clone();
        handles.push(tokio::spawn(async move {
            for i in 0..calls {
                pool.run(query, i * tasks + t).await?;
            }
            anyhow::Ok(())
        }));
    }
    for handle in handles {
        handle.await??;
    }
    let per_second = (tasks * calls) as f64 / start.elapsed().as_secs_f64();
    Ok(Timing { p50: at(50), p99: at(99), cpu_per_call, per_second })
}

async fn seed(db: &nimo_store::Db, hospitals: usize, wards_per: usize) -> anyhow::Result<()> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    for index in 0..hospitals {
        let (code, _, lat, lon) = TOKYO_WARD_CENTRES[index % TOKYO_WARD_CENTRES.len()];
        let id = format!("h-drv-{index}");
        let hospital = Hospital {
            id: id.clone(),
            name: format!("計測病院{index}（架空）"),
            phone: "03-0000-0000".into(),
            municipality_code: nimo_domain::MunicipalityCode::parse(code)?,
            area: "計測".into(),
            latitude: lat,
            longitude: lon,
            emergency: index % 3 == 0,
            okyu_designated: index % 2 == 0,
            physical_care: false,
            sochi_designation: SochiDesignation::Shitei,
            night_holiday: true,
        };
        beds::upsert_hospital(db, &hospital, AuditEvent::cli("hospital_admin")).await?;
        let mut postings = Vec::new();
        for w in 0..wards_per {
            let ward = Ward {
                id: format!("{id}-{w}"),
                hospital_id: id.clone(),
                name: format!("{w}病棟"),
                ward_type: WardType::Heisa,
                sex: Sex::Mixed,
                min_age: 16,
                max_age: 120,
                admissions: AdmissionType::ALL.to_vec(),
                seclusion_rooms: 2,
            };
            beds::upsert_ward(db, &ward, now, AuditEvent::cli("hospital_admin")).await?;
            postings.push((ward.id, (w % 5) as i64));
        }
        beds::post_many_at(db, Some(&id), &postings, "cli", "cli", now).await?;
    }
    Ok(())
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1000.0)
}

async fn measure(backend: Backend, wards: usize, calls: usize) -> anyhow::Result<()> {
    let test = TestDb::new(backend).await?;
    let hospitals = wards.div_ceil(5);
    seed(&test.db, hospitals, 5).await?;
    // The same pool sizes as `Db::connect` (4 for SQLite, 10 for PostgreSQL).
    let native = match backend {
        Backend::Sqlite => {
            Pool::Sqlite(sqlx::sqlite::SqlitePoolOptions::new().max_connections(4).connect(&test.url).await?)
        }
        Backend::Postgres => {
            Pool::Postgres(sqlx::postgres::PgPoolOptions::new().max_connections(10).connect(&test.url).await?)
        }
    };
    let any = Pool::Any(test.db.pool.clone());
    if backend == Backend::Sqlite {
        let options: Vec<String> = sqlx::query_scalar("PRAGMA compile_options").fetch_all(&test.db.pool).await?;
        let memstatus = options.iter().find(|o| o.starts_with("DEFAULT_MEMSTATUS")).cloned();
        println!(
            "SQLite {}: {}",
            sqlx::query_scalar::<_, String>("SELECT sqlite_version()").fetch_one(&test.db.pool).await?,
            memstatus.unwrap_or_else(|| "DEFAULT_MEMSTATUS not set (memory statistics on)".into())
        );
    }
    println!(
        "\n{} — {} wards, {} calls per figure; sequential p50/p99 in ms, 8 tasks in calls/s",
        backend.name(),
        hospitals * 5,
        calls
    );
    println!("{:<14} {:<7} {:>9} {:>9} {:>11} {:>11}", "query", "driver", "p50", "p99", "CPU ms/call", "calls/s");
    for (label, query, calls) in
        [("scan (wards)", Query::Scan, calls), ("point (1 row)", Query::Point(hospitals), calls * 100)]
    {
        let mut figures = Vec::new();
        for pool in [&any, &native] {
            let t = time(pool, query, calls).await?;
            println!(
                "{:<14} {:<7} {:>9} {:>9} {:>11} {:>11.0}",
                label,
                pool.name(),
                ms(t.p50),
                ms(t.p99),
                ms(t.cpu_per_call),
                t.per_second
            );
            figures.push(t);
        }
        println!(
            "{:<14} native/Any: p50 {:.2}×, CPU per call {:.2}×, calls/s {:.2}×",
            "",
            figures[1].p50.as_secs_f64() / figures[0].p50.as_secs_f64(),
            figures[1].cpu_per_call.as_secs_f64() / figures[0].cpu_per_call.as_secs_f64(),
            figures[1].per_second / figures[0].per_second
        );
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let backends = value("--backends").unwrap_or_else(|| "sqlite,postgres".into());
    let wards: usize = value("--wards").map(|w| w.parse()).transpose()?.unwrap_or(1500);
    let calls: usize = value("--calls").map(|c| c.parse()).transpose()?.unwrap_or(200);
    println!("sqlx Any vs native driver");
    for name in backends.split(',') {
        let backend = match name.trim() {
            "sqlite" => Backend::Sqlite,
            "postgres" => Backend::Postgres,
            other => anyhow::bail!("unknown backend {other:?}: use sqlite or postgres"),
        };
        measure(backend, wards, calls).await?;
    }
    Ok(())
}
