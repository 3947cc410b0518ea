//! nimo's benchmark: how long the 目黒区 R4 demo sheet takes to render as PDF, to export and
//! import as JSON and XLSX, and to serve as a page over HTTP on SQLite and on PostgreSQL.
//!
//! # Running it
//!
//! ```text
//! cargo run --release -p nimo-bench                        # everything, both backends
//! cargo run --release -p nimo-bench -- --backends sqlite   # without PostgreSQL
//! cargo run --release -p nimo-bench -- --requests 5000     # longer latency series
//! cargo run -p nimo-bench -- --quick                       # smoke run: small samples, debug build
//! ```
//!
//! The first release build compiles typst with optimisations, which takes about 14 minutes on
//! two cores; later builds take seconds. Debug figures are several times slower and not worth
//! comparing: the output names the build profile on its second line and in the JSON line.
//!
//! PostgreSQL is the server `NIMO_TEST_POSTGRES_URL` names (default
//! `postgres://postgres@127.0.0.1:5432/test`); the bench creates a randomly named database there
//! and drops it afterwards, as the tests do (`nimo_store::testing::TestDb`). SQLite uses a
//! temporary file with the app's own pragmas (WAL, `synchronous = FULL`).
//!
//! # What is measured
//!
//! - **PDF**: `Fonts::discover` once, the first `nimo_report::render_pdf` of the process (cold),
//!   then 20 more renders of the same sheet (warm: median and p90). Warm renders profit from
//!   typst's memoisation, as repeated downloads of one sheet do in the server.
//! - **Exchange**: `to_json`/`from_json` 200 times, `to_xlsx`/`from_xlsx` 50 times (median, p90).
//!   Each format is first checked to read back as the same sheet.
//! - **Sheet page**: the real router (`nimo_web::router`) served on 127.0.0.1:0 in this process,
//!   on a fresh database holding the demo sheet. After 50 warm-up requests each, 1,000 sequential
//!   GETs of the sheet page and 1,000 of `/healthz`, interleaved one for one on one keep-alive
//!   connection, each timed from sending to the last body byte (p50, p90, p99, max). The ratio
//!   sheet-p50 / healthz-p50 is the cost of the page (database, domain, template) relative to
//!   routing, middleware and HTTP alone. Then 8 concurrent clients, a connection each, send 250
//!   requests each, for requests per second.
//! - **Sign-in**: 20 password sign-ins over HTTP, each from a new client (GET the login page for
//!   the CSRF token, POST the password: argon2id m=19456 KiB, t=2, p=1, and a new session).
//!
//! Client and server share the process and its cores, as with any load generator on the same
//! machine, so the figures are an upper bound on latency rather than the server's alone. No
//! `tracing` subscriber is installed, so the request spans cost next to nothing; `nimo serve`
//! logging at `info` pays a little more per request.
//!
//! The output is a plain-text table followed by one JSON line with the same figures (times in
//! milliseconds). This library exists so that `tests/smoke.rs` drives the same code as the
//! binary.

pub mod beds;
pub mod directory;
mod figures;
mod http;
mod offline;
mod stats;

pub use figures::Figures;
pub use http::{BackendFigures, HEALTH_PATH, SHEET_PATH, Throughput};
pub use offline::Offline;
pub use stats::Summary;

use nimo_store::Backend;

/// The command line.
#[derive(Debug, Clone, clap::Parser)]
#[command(name = "nimo-bench", about = "Times nimo's PDF render, exchange formats and sheet page (目黒区 R4 demo)")]
pub struct Options {
    /// Sequential requests per endpoint and backend [default: 1000, or 50 with --quick]
    #[arg(long, value_name = "N")]
    pub requests: Option<usize>,
    /// The backends to serve the page from, comma-separated
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres", value_parser = parse_backend)]
    pub backends: Vec<Backend>,
    /// Small samples for a smoke run: checks that everything works, the figures mean little
    #[arg(long)]
    pub quick: bool,
}

fn parse_backend(name: &str) -> Result<Backend, String> {
    match name.trim() {
        "sqlite" => Ok(Backend::Sqlite),
        "postgres" => Ok(Backend::Postgres),
        other => Err(format!("unknown backend {other:?}: use sqlite or postgres")),
    }
}

/// How many times each thing is measured.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    pub pdf_warm: usize,
    pub json: usize,
    pub xlsx: usize,
    pub requests: usize,
    pub warmup: usize,
    pub clients: usize,
    pub per_client: usize,
    pub sign_ins: usize,
}

impl Options {
    /// The sample sizes these options ask for.
    pub fn sizes(&self) -> Sizes {
        if self.quick {
            Sizes {
                pdf_warm: 2,
                json: 10,
                xlsx: 3,
                requests: self.requests.unwrap_or(50),
                warmup: 5,
                clients: 8,
                per_client: 5,
                sign_ins: 2,
            }
        } else {
            Sizes {
                pdf_warm: 20,
                json: 200,
                xlsx: 50,
                requests: self.requests.unwrap_or(1000),
                warmup: 50,
                clients: 8,
                per_client: 250,
                sign_ins: 20,
            }
        }
    }
}

/// The build profile of this binary, printed with the figures so that debug ones are never
/// mistaken for release ones.
pub fn profile() -> &'static str {
    if cfg!(debug_assertions) { "debug" } else { "release" }
}

/// Runs every measurement, reporting progress on stderr. Call it once per process: only the
/// first call sees a cold PDF render.
pub async fn run(options: &Options) -> anyhow::Result<Figures> {
    let sizes = options.sizes();
    anyhow::ensure!(sizes.requests > 0, "--requests must be at least 1");
    anyhow::ensure!(!options.backends.is_empty(), "--backends names no backend");
    let sheet = nimo_domain::demo::meguro_r4();

    eprintln!("nimo-bench: PDF render and exchange formats ({} build)", profile());
    let (offline, fonts) = offline::measure(&sheet, &sizes)?;
    let mut backends = Vec::new();
    for &backend in &options.backends {
        eprintln!("nimo-bench: sheet page on {}", backend.name());
        backends.push(http::measure(backend, &sheet, &fonts, &sizes).await?);
    }
    Ok(Figures {
        profile: profile(),
        cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
        quick: options.quick,
        sizes,
        offline,
        backends,
    })
}
