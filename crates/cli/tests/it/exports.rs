//! `nimo sheet export`: PDF, CSV and XLSX files as a user opens them, and a missing sheet.

use crate::harness::{TestDatabase, export_args, for_each_backend};
use crate::poppler::{RenderedPdf, squeeze};
use crate::seed;

/// Exports the 目黒区 sheet to a file with `-o` and returns its bytes.
fn export_to_file(db: &TestDatabase, format: &str) -> Vec<u8> {
    let out = db.path(&format!("sheet.{format}"));
    let mut args = export_args(format).to_vec();
    args.extend(["-o", out.to_str().unwrap()]);
    let run = db.nimo(&args).succeeds();
    assert!(run.stdout.is_empty(), "with -o nothing goes to stdout");
    std::fs::read(&out).expect("the export wrote its file")
}

/// The expected texts that the printed text (squeezed) lacks.
fn missing<'a>(printed: &str, expected: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let printed = squeeze(printed);
    expected.into_iter().filter(|text| !printed.contains(&squeeze(text))).collect()
}

/// As in the report crate: short texts never wrap, so they must also be in the `-layout` text.
const FITS_ON_ONE_LINE: usize = 20;

#[test]
fn the_pdf_export_contains_every_seed_value() {
    for_each_backend(|db| {
        db.import_demo();
        let pdf = RenderedPdf::write(&export_to_file(db, "pdf"));
        let info = pdf.info();
        assert!(info.lines().any(|line| line.starts_with("Page size:") && line.contains("(A4)")), "{info}");

        let (layout, raw) = (pdf.layout_text(), pdf.raw_text());
        let expected = seed::expected_texts();
        let lost = missing(&raw, expected.iter().map(String::as_str));
        assert!(lost.is_empty(), "not in the PDF ({:?}): {lost:#?}\n\n{raw}", db.backend);
        let short = expected.iter().map(String::as_str).filter(|text| text.chars().count() <= FITS_ON_ONE_LINE);
        let lost = missing(&layout, short);
        assert!(lost.is_empty(), "not in the -layout text ({:?}): {lost:#?}\n\n{layout}", db.backend);
    });
}

#[test]
fn csv_and_xlsx_exports_write_files() {
    for_each_backend(|db| {
        db.import_demo();
        let csv = export_to_file(db, "csv");
        assert!(csv.starts_with(&[0xEF, 0xBB, 0xBF]), "the CSV starts with the UTF-8 BOM");
        let text = String::from_utf8(csv).expect("UTF-8 CSV");
        assert!(text.contains("278748") && text.contains("目黒区"), "{text}");

        let xlsx = export_to_file(db, "xlsx");
        assert!(xlsx.starts_with(b"PK\x03\x04"), "an XLSX file is a zip archive");
        assert_eq!(nimo_exchange::from_xlsx(&xlsx).unwrap(), nimo_domain::demo::meguro_r4(), "{:?}", db.backend);
    });
}

#[test]
fn exporting_a_missing_sheet_fails_clearly() {
    for_each_backend(|db| {
        db.import_demo();
        let out = db.path("missing.json");
        let run = db
            .nimo(&[
                "sheet",
                "export",
                "--municipality",
                "131105",
                "--fy",
                "2023",
                "--format",
                "json",
                "-o",
                out.to_str().unwrap(),
            ])
            .fails();
        assert!(run.stderr.contains("131105") && run.stderr.contains("令和5年度"), "{}", run.stderr);
        assert!(!out.exists(), "no file is left behind");

        // Another municipality (千代田区, a valid code) has no sheet either.
        let run = db.nimo(&["sheet", "export", "--municipality", "131016", "--fy", "2022", "--format", "pdf"]).fails();
        assert!(run.stderr.contains("131016") && run.stderr.contains("令和4年度"), "{}", run.stderr);
    });
}
