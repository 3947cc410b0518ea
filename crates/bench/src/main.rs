//! The `nimo-bench` command: runs every measurement and prints the table, then the JSON line.

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let options = nimo_bench::Options::parse();
    let figures = nimo_bench::run(&options).await?;
    print!("{}", figures.to_text());
    println!();
    println!("{}", figures.to_json());
    Ok(())
}
