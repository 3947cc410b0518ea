//! The `nimo-bench-directory` command: the resource directory's search at 10,000 organisations
//! beside `/healthz` of the same server (see `nimo_bench::directory`), on each backend.

use clap::Parser;
use nimo_store::Backend;

/// The command line.
#[derive(Parser)]
#[command(name = "nimo-bench-directory", about = "Times the resource directory's search at 10,000 organisations")]
struct Options {
    /// The backends, comma-separated
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    backends: Vec<String>,
    /// Organisations in the directory
    #[arg(long, default_value_t = 10_000)]
    organisations: usize,
    /// Timed searches (and as many /healthz calls)
    #[arg(long, default_value_t = 1000)]
    requests: usize,
    /// Small data and samples for a smoke run
    #[arg(long)]
    quick: bool,
}

/// The allocator `nimo` itself uses, as in `nimo-bench-beds`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let options = Options::parse();
    let (organisations, requests, load) =
        if options.quick { (300, 30, (2, 20)) } else { (options.organisations, options.requests, (8, 250)) };
    println!("nimo directory bench, build profile: {}", nimo_bench::profile());
    for name in &options.backends {
        let backend = match name.trim() {
            "sqlite" => Backend::Sqlite,
            "postgres" => Backend::Postgres,
            other => anyhow::bail!("unknown backend {other:?}: use sqlite or postgres"),
        };
        let figures = nimo_bench::directory::measure(backend, organisations, requests, load).await?;
        print!("{}", figures.to_text());
    }
    Ok(())
}
