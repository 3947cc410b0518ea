//! A quick run of the bench on SQLite, so that it keeps compiling and working as the app changes.

use clap::Parser;
use nimo_bench::Options;

#[tokio::test(flavor = "multi_thread")]
async fn a_quick_run_prints_every_figure() {
    let options = Options::try_parse_from(["nimo-bench", "--quick", "--backends", "sqlite"]).unwrap();
    let figures = nimo_bench::run(&options).await.unwrap();
    let text = figures.to_text();

    assert!(text.contains(&format!("build profile: {}", nimo_bench::profile())), "{text}");
    for label in [
        "font discovery (",
        "PDF render, cold (first in process)",
        "PDF render, warm",
        "JSON export (to_json)",
        "JSON import (from_json)",
        "XLSX export (to_xlsx)",
        "XLSX import (from_xlsx)",
        "sqlite    sheet page",
        "sqlite    /healthz",
        "sqlite    ratio sheet-p50 / healthz-p50 = ",
        "req/s",
    ] {
        assert!(text.lines().any(|line| line.starts_with(label) || line.contains(label)), "no {label:?} in\n{text}");
    }
    assert!(!text.contains("postgres"), "{text}");

    let json: serde_json::Value = serde_json::from_str(&figures.to_json().to_string()).unwrap();
    assert_eq!(json["profile"], nimo_bench::profile());
    assert_eq!(json["http"]["backends"]["sqlite"]["sheet"]["n"], 50);
    assert!(json["http"]["backends"]["sqlite"]["ratio_p50"].as_f64().unwrap() > 0.0);
    assert!(json["pdf"]["cold_ms"].as_f64().unwrap() > 0.0);
    assert!(json["pdf"]["bytes"].as_u64().unwrap() > 1000);
}

#[test]
fn unknown_backends_are_refused() {
    let error = Options::try_parse_from(["nimo-bench", "--backends", "mysql"]).unwrap_err();
    assert!(error.to_string().contains("unknown backend \"mysql\""), "{error}");
}

#[test]
fn defaults_measure_both_backends_with_full_samples() {
    let options = Options::try_parse_from(["nimo-bench"]).unwrap();
    assert_eq!(options.backends.len(), 2);
    let sizes = options.sizes();
    assert_eq!((sizes.requests, sizes.pdf_warm, sizes.json, sizes.xlsx), (1000, 20, 200, 50));
    assert_eq!((sizes.clients, sizes.per_client, sizes.warmup), (8, 250, 50));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_quick_bed_finder_run_measures_search_and_holds_without_over_booking() {
    let sizes = nimo_bench::beds::BedSizes::quick();
    let figures = nimo_bench::beds::measure(nimo_store::Backend::Sqlite, sizes).await.unwrap();
    let text = figures.to_text();
    assert_eq!((figures.hospitals, figures.wards), (20, 100), "{text}");
    assert!(figures.results > 0, "{text}");
    assert_eq!(figures.search.n, sizes.requests);
    assert_eq!(figures.hold_winners as i64, sizes.hold_beds, "{text}");
    assert_eq!(figures.over_booking, 0, "{text}");
    assert!(text.contains("ratio search-p50 / healthz-p50 = "), "{text}");
}

#[test]
fn the_idle_bench_prints_the_demos_and_the_servers_memory() {
    // It runs the `nimo` binary beside it (a workspace build makes both).
    let output =
        std::process::Command::new(env!("CARGO_BIN_EXE_nimo-bench-idle")).args(["--settle", "1"]).output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}{}", String::from_utf8_lossy(&output.stderr));
    for label in ["nimo demo:", "nimo serve:"] {
        let line = text.lines().find(|l| l.starts_with(label)).unwrap_or_else(|| panic!("no {label} in {text}"));
        let mib: f64 = line.split_whitespace().nth(2).unwrap().parse().unwrap();
        assert!(mib > 1.0, "{line}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_quick_directory_run_finds_organisations_and_prints_both_figures() {
    let figures = nimo_bench::directory::measure(nimo_store::Backend::Sqlite, 300, 12, (2, 5)).await.unwrap();
    let text = figures.to_text();
    assert!(figures.found > 0, "{text}");
    assert_eq!(figures.search.n, 12, "{text}");
    for label in ["directory of 300 organisations", "search   p50", "/healthz p50", "req/s"] {
        assert!(text.contains(label), "no {label:?} in\n{text}");
    }
}
