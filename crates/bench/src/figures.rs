//! The bench's results and their two printed forms: a plain-text table for people and one JSON
//! line for scripts.

use crate::Sizes;
use crate::http::{BackendFigures, HEALTH_PATH, SHEET_PATH, Throughput};
use crate::offline::Offline;
use crate::stats::{Summary, human, ms};
use serde_json::{Map, Value, json};
use std::fmt::Write;
use std::time::Duration;

/// Everything one run measured.
#[derive(Debug, Clone)]
pub struct Figures {
    /// `debug` or `release`.
    pub profile: &'static str,
    pub cpus: usize,
    pub quick: bool,
    pub sizes: Sizes,
    pub offline: Offline,
    pub backends: Vec<BackendFigures>,
}

impl Figures {
    /// The plain-text table.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let o = &self.offline;
        let s = &self.sizes;
        let _ = writeln!(out, "nimo-bench: 目黒区 R4 demo sheet (131105, fiscal year 2022)");
        let _ = writeln!(
            out,
            "build profile: {}   cpus: {}   mode: {}",
            self.profile,
            self.cpus,
            if self.quick { "quick (small samples)" } else { "full" }
        );
        let _ = writeln!(out);
        let _ = writeln!(out, "{:<38}{:>6}{:>13}{:>13}{:>12}", "in process", "n", "median", "p90", "size");
        let once = |out: &mut String, label: &str, time: Duration, bytes: Option<usize>| {
            let _ = writeln!(out, "{label:<38}{:>6}{:>13}{:>13}{:>12}", 1, human(time), "-", size(bytes));
        };
        let series = |out: &mut String, label: &str, summary: Summary, bytes: Option<usize>| {
            let _ = writeln!(
                out,
                "{label:<38}{:>6}{:>13}{:>13}{:>12}",
                summary.n,
                human(summary.p50),
                human(summary.p90),
                size(bytes)
            );
        };
        once(&mut out, &format!("font discovery ({} font files)", o.font_files), o.font_discovery, None);
        once(&mut out, "PDF render, cold (first in process)", o.pdf_cold, Some(o.pdf_bytes));
        series(&mut out, "PDF render, warm", o.pdf_warm, Some(o.pdf_bytes));
        series(&mut out, "JSON export (to_json)", o.json_export, Some(o.json_bytes));
        series(&mut out, "JSON import (from_json)", o.json_import, None);
        series(&mut out, "XLSX export (to_xlsx)", o.xlsx_export, Some(o.xlsx_bytes));
        series(&mut out, "XLSX import (from_xlsx)", o.xlsx_import, None);

        if self.backends.is_empty() {
            return trim_line_ends(&out);
        }
        let _ = writeln!(out);
        let _ =
            writeln!(out, "HTTP latency: sheet page = GET {SHEET_PATH}, baseline = GET {HEALTH_PATH}, same server;");
        let _ = writeln!(
            out,
            "sequential on one keep-alive connection, the two interleaved, after {} warm-up requests each",
            s.warmup
        );
        let _ = writeln!(
            out,
            "{:<10}{:<12}{:>6}{:>12}{:>12}{:>12}{:>12}{:>10}",
            "backend", "endpoint", "n", "p50", "p90", "p99", "max", "size"
        );
        for b in &self.backends {
            for (endpoint, summary, bytes) in
                [("sheet page", b.sheet, Some(b.sheet_bytes)), (HEALTH_PATH, b.healthz, None)]
            {
                let _ = writeln!(
                    out,
                    "{:<10}{endpoint:<12}{:>6}{:>12}{:>12}{:>12}{:>12}{:>10}",
                    b.backend.name(),
                    summary.n,
                    human(summary.p50),
                    human(summary.p90),
                    human(summary.p99),
                    human(summary.max),
                    size(bytes)
                );
            }
            let _ = writeln!(out, "{:<10}ratio sheet-p50 / healthz-p50 = {:.1}x", b.backend.name(), b.ratio());
            let _ = writeln!(
                out,
                "{:<10}{:<12}{:>6}{:>12}{:>12}{:>12}{:>12}",
                b.backend.name(),
                "sign-in",
                b.sign_in.n,
                human(b.sign_in.p50),
                human(b.sign_in.p90),
                human(b.sign_in.p99),
                human(b.sign_in.max)
            );
        }

        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "HTTP throughput: {} concurrent clients x {} requests, a keep-alive connection each",
            s.clients, s.per_client
        );
        let _ = writeln!(out, "{:<10}{:<12}{:>10}{:>12}{:>12}", "backend", "endpoint", "requests", "wall", "req/s");
        for b in &self.backends {
            for (endpoint, t) in [("sheet page", b.sheet_throughput), (HEALTH_PATH, b.healthz_throughput)] {
                let _ = writeln!(
                    out,
                    "{:<10}{endpoint:<12}{:>10}{:>12}{:>12.1}",
                    b.backend.name(),
                    t.requests,
                    human(t.wall),
                    t.per_second()
                );
            }
        }
        trim_line_ends(&out)
    }

    /// The same figures as one line of JSON, times in milliseconds.
    pub fn to_json(&self) -> Value {
        let o = &self.offline;
        let mut http = Map::new();
        for b in &self.backends {
            http.insert(
                b.backend.name().to_string(),
                json!({
                    "sheet": b.sheet.to_json(),
                    "healthz": b.healthz.to_json(),
                    "ratio_p50": (b.ratio() * 100.0).round() / 100.0,
                    "sheet_bytes": b.sheet_bytes,
                    "sign_in": b.sign_in.to_json(),
                    "throughput": {
                        "sheet": throughput_json(b.sheet_throughput),
                        "healthz": throughput_json(b.healthz_throughput),
                    },
                }),
            );
        }
        json!({
            "bench": "nimo-bench",
            "sheet": "131105/2022",
            "profile": self.profile,
            "cpus": self.cpus,
            "quick": self.quick,
            "pdf": {
                "font_discovery_ms": ms(o.font_discovery),
                "font_files": o.font_files,
                "cold_ms": ms(o.pdf_cold),
                "warm": o.pdf_warm.to_json(),
                "bytes": o.pdf_bytes,
            },
            "json": { "export": o.json_export.to_json(), "import": o.json_import.to_json(), "bytes": o.json_bytes },
            "xlsx": { "export": o.xlsx_export.to_json(), "import": o.xlsx_import.to_json(), "bytes": o.xlsx_bytes },
            "http": {
                "sheet_path": SHEET_PATH,
                "baseline_path": HEALTH_PATH,
                "warmup": self.sizes.warmup,
                "backends": http,
            },
        })
    }
}

fn throughput_json(t: Throughput) -> Value {
    json!({
        "clients": t.clients,
        "requests": t.requests,
        "wall_ms": ms(t.wall),
        "requests_per_second": (t.per_second() * 10.0).round() / 10.0,
    })
}

/// Drops the padding that empty last columns leave at line ends.
fn trim_line_ends(text: &str) -> String {
    text.lines().map(|line| format!("{}\n", line.trim_end())).collect()
}

fn size(bytes: Option<usize>) -> String {
    bytes.map_or_else(String::new, |b| format!("{b} B"))
}
