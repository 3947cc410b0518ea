//! The `nimo-bench-beds` command: the bed finder at prefecture scale (see `nimo_bench::beds`),
//! and with `--scale` the curve up to a national deployment (15,000 wards).

use clap::Parser;
use nimo_store::Backend;

/// The ward counts of the `--scale` curve: a prefecture, a large region, Japan.
const CURVE: [usize; 3] = [1_500, 5_000, 15_000];

/// The command line.
#[derive(Parser)]
#[command(name = "nimo-bench-beds", about = "Times the bed finder's search, postings and holds at prefecture scale")]
struct Options {
    /// The backends, comma-separated
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    backends: Vec<String>,
    /// Small data and samples for a smoke run
    #[arg(long)]
    quick: bool,
    /// Also 5,000 and 15,000 wards (a national deployment): a curve of wards vs p50/p99
    #[arg(long, conflicts_with = "quick")]
    scale: bool,
}

/// The allocator `nimo` itself uses (`crates/cli/src/main.rs`): the bench runs the server in its own
/// process, so its figures are the server's only with the same allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let options = Options::parse();
    let runs: Vec<nimo_bench::beds::BedSizes> = if options.quick {
        vec![nimo_bench::beds::BedSizes::quick()]
    } else if options.scale {
        CURVE.iter().map(|wards| nimo_bench::beds::BedSizes::at_wards(*wards)).collect()
    } else {
        vec![nimo_bench::beds::BedSizes::full()]
    };
    println!("nimo bed finder bench, build profile: {}", nimo_bench::profile());
    let mut curve = Vec::new();
    for name in &options.backends {
        let backend = match name.trim() {
            "sqlite" => Backend::Sqlite,
            "postgres" => Backend::Postgres,
            other => anyhow::bail!("unknown backend {other:?}: use sqlite or postgres"),
        };
        for sizes in &runs {
            let figures = nimo_bench::beds::measure(backend, *sizes).await?;
            print!("{}", figures.to_text());
            curve.push(figures);
        }
    }
    if curve.len() > 1 {
        println!("curve: backend, wards, search p50 / p99 ms, search req/s, posting p50 / p99 ms, RSS MiB");
        let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
        for f in &curve {
            println!(
                "curve {:<9} {:>6} {:>7.3} / {:>7.3} {:>7.0} {:>7.3} / {:>7.3} {:>5.0}",
                f.backend.name(),
                f.wards,
                ms(f.search.p50),
                ms(f.search.p99),
                f.search_per_second,
                ms(f.posting.p50),
                ms(f.posting.p99),
                f.rss_mib.unwrap_or(0.0),
            );
        }
    }
    Ok(())
}
