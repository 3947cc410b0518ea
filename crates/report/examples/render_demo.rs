//! Renders the 目黒区 demo sheet to a PDF and reports cold and warm render times.
//!
//! `cargo run -p nimo-report --example render_demo -- /tmp/sheet.pdf`

use nimo_domain::ProgramMenu;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args().nth(1).unwrap_or_else(|| "sheet.pdf".to_string());
    let sheet = nimo_domain::demo::meguro_r4();
    let menu = ProgramMenu::builtin(sheet.fiscal_year);

    let started = Instant::now();
    let fonts = nimo_report::Fonts::discover()?;
    let fonts_time = started.elapsed();

    let started = Instant::now();
    let pdf = nimo_report::render_pdf(&sheet, &menu, &fonts)?;
    let cold = started.elapsed();

    let mut warm = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        nimo_report::render_pdf(&sheet, &menu, &fonts)?;
        warm.push(started.elapsed());
    }
    // A warm render of a sheet that differs (as the next request usually does).
    let mut changed = sheet.clone();
    changed.header.slogan.push_str("（改）");
    changed.history.truncate(5);
    let started = Instant::now();
    nimo_report::render_pdf(&changed, &menu, &fonts)?;
    let warm_changed = started.elapsed();

    std::fs::write(&out, &pdf)?;
    println!(
        "fonts {fonts_time:?}, cold render {cold:?}, warm renders (same sheet) {warm:?}, \
         warm render (changed sheet) {warm_changed:?}, {} bytes -> {out}",
        pdf.len()
    );
    Ok(())
}
