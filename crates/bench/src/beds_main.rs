//! The `nimo-bench-beds` command: the bed finder at prefecture scale (see `nimo_bench::beds`).

use clap::Parser;
use nimo_store::Backend;

/// The command line.
#[derive(Parser)]
#[command(name = "nimo-bench-beds", about = "Times the bed finder's search and holds at prefecture scale")]
struct Options {
    /// The backends, comma-separated
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    backends: Vec<String>,
    /// Small data and samples for a smoke run
    #[arg(long)]
    quick: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let options = Options::parse();
    let sizes = if options.quick { nimo_bench::beds::BedSizes::quick() } else { nimo_bench::beds::BedSizes::full() };
    println!("nimo bed finder bench, build profile: {}", nimo_bench::profile());
    for name in &options.backends {
        let backend = match name.trim() {
            "sqlite" => Backend::Sqlite,
            "postgres" => Backend::Postgres,
            other => anyhow::bail!("unknown backend {other:?}: use sqlite or postgres"),
        };
        let figures = nimo_bench::beds::measure(backend, sizes).await?;
        print!("{}", figures.to_text());
    }
    Ok(())
}
