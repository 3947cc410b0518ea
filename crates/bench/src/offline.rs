//! Measurements without a server: font discovery, the PDF render (cold, then warm) and the
//! JSON and XLSX exchange formats, each way.

use crate::Sizes;
use crate::stats::{Summary, time_each};
use anyhow::{Context, ensure};
use nimo_domain::{ProgramMenu, Sheet};
use nimo_report::Fonts;
use std::convert::Infallible;
use std::time::{Duration, Instant};

/// The in-process figures.
#[derive(Debug, Clone)]
pub struct Offline {
    /// `Fonts::discover`: reading and parsing the Noto Sans CJK collections.
    pub font_discovery: Duration,
    pub font_files: usize,
    /// The first `render_pdf` of the process, with typst's caches empty.
    pub pdf_cold: Duration,
    /// Later renders of the same sheet, which typst's memoisation (comemo) partly serves.
    pub pdf_warm: Summary,
    pub pdf_bytes: usize,
    pub json_export: Summary,
    pub json_import: Summary,
    pub json_bytes: usize,
    pub xlsx_export: Summary,
    pub xlsx_import: Summary,
    pub xlsx_bytes: usize,
}

/// Measures everything that needs no database, and returns the fonts for the web server.
///
/// Call it before anything else renders a PDF in the process, or the "cold" render is not cold.
pub fn measure(sheet: &Sheet, sizes: &Sizes) -> anyhow::Result<(Offline, Fonts)> {
    let start = Instant::now();
    let fonts = Fonts::discover()?;
    let font_discovery = start.elapsed();

    let menu = ProgramMenu::builtin(sheet.fiscal_year);
    let start = Instant::now();
    let pdf = nimo_report::render_pdf(sheet, &menu, &fonts).context("first PDF render")?;
    let pdf_cold = start.elapsed();
    ensure!(pdf.starts_with(b"%PDF-"), "render_pdf did not return a PDF");
    let pdf_warm = time_each(sizes.pdf_warm, || nimo_report::render_pdf(sheet, &menu, &fonts))?;

    // Check each format once, so that the timings below are of working code paths.
    let json = nimo_exchange::to_json(sheet);
    ensure!(&nimo_exchange::from_json(&json)? == sheet, "the JSON export does not read back as the same sheet");
    let xlsx = nimo_exchange::to_xlsx(sheet)?;
    ensure!(&nimo_exchange::from_xlsx(&xlsx)? == sheet, "the XLSX export does not read back as the same sheet");

    let offline = Offline {
        font_discovery,
        font_files: fonts.files().len(),
        pdf_cold,
        pdf_warm: Summary::of(pdf_warm),
        pdf_bytes: pdf.len(),
        json_export: Summary::of(time_each(sizes.json, || Ok::<_, Infallible>(nimo_exchange::to_json(sheet)))?),
        json_import: Summary::of(time_each(sizes.json, || nimo_exchange::from_json(&json))?),
        json_bytes: json.len(),
        xlsx_export: Summary::of(time_each(sizes.xlsx, || nimo_exchange::to_xlsx(sheet))?),
        xlsx_import: Summary::of(time_each(sizes.xlsx, || nimo_exchange::from_xlsx(&xlsx))?),
        xlsx_bytes: xlsx.len(),
    };
    Ok((offline, fonts))
}
