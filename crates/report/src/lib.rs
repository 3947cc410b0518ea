//! nimo's print reports, laid out by typst used as a library: the 自治体情報シート as an A4
//! landscape PDF, and the prints of case work ([`records`]: a 23条通報 case summary and a
//! 退院後支援計画) as A4 portrait PDFs.
//!
//! Each report becomes a JSON view model ([`data`], [`records`]) that a fixed typst template
//! reads from a virtual file, so user text never passes through typst markup and needs no
//! escaping. Fonts are loaded once ([`Fonts::discover`]) and shared by every render. This crate
//! never opens the database, and it is the only one that depends on typst.

#![warn(missing_docs)]

mod data;
mod fonts;
pub mod records;
mod world;

pub use data::DERIVED_MARKER;
pub use fonts::{DEBIAN_FONT_DIR, FAMILY, FONT_DIR_VARIABLE, Fonts};
pub use records::{CaseSummary, SupportPlan};

use nimo_domain::{ProgramMenu, Sheet};
use typst::diag::{SourceDiagnostic, Warned};
use typst_layout::PagedDocument;

/// The typst template, whose first line loads the sheet's data.
const TEMPLATE: &str = include_str!("sheet.typ");

/// The template's first line, replaced by an inline copy of the data in [`typst_source`].
const DATA_LINE: &str = "#let sheet = json(\"/sheet.json\")";

/// What the prints of case work share (page frame, fonts, tables), after their data line.
const RECORD_COMMON: &str = include_str!("record.typ");

/// The case summary's body.
const CASE_SUMMARY_TEMPLATE: &str = include_str!("case_summary.typ");

/// The 退院後支援計画's body.
const PLAN_TEMPLATE: &str = include_str!("plan.typ");

/// How many compilations a cached typst result may go unused before it is dropped, so that a
/// long-running server does not keep every sheet it ever rendered in memory.
const CACHE_MAX_AGE: usize = 10;

/// Why a report could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// No Japanese font was found.
    #[error(
        "no Japanese font (Noto Sans CJK JP) found: install the Debian package fonts-noto-cjk (apt-get install fonts-noto-cjk), or set NIMO_FONT_DIR"
    )]
    FontsMissing,
    /// typst rejected the template or the data (a bug in this crate, not in the sheet).
    #[error("typst could not lay out the sheet: {0}")]
    Layout(String),
    /// typst could not write the laid-out pages as PDF.
    #[error("typst could not write the PDF: {0}")]
    Pdf(String),
}

/// Renders a sheet as an A4 landscape PDF, one section per page after a cover page.
///
/// `menu` is the 構築推進事業 menu of the sheet's fiscal year; its labels appear beside the
/// full-width item numbers of section 5. Editorial notes are not printed.
pub fn render_pdf(sheet: &Sheet, menu: &ProgramMenu, fonts: &Fonts) -> Result<Vec<u8>, ReportError> {
    let data = data::sheet_json(sheet, menu).to_string();
    compile_pdf(TEMPLATE.to_string(), data.into_bytes(), fonts)
}

/// Renders a 23条通報 case summary as an A4 portrait PDF: its facts, events and bed holds, each
/// page marked 取扱注意 and footed with who printed it when.
pub fn render_case_summary(summary: &CaseSummary, fonts: &Fonts) -> Result<Vec<u8>, ReportError> {
    compile_record(summary, CASE_SUMMARY_TEMPLATE, fonts)
}

/// Renders a 退院後支援計画 as an A4 portrait PDF, its sections after the guideline's items, with
/// a place for the person's consent.
pub fn render_support_plan(plan: &SupportPlan, fonts: &Fonts) -> Result<Vec<u8>, ReportError> {
    compile_record(plan, PLAN_TEMPLATE, fonts)
}

/// Compiles one of the case-work prints: the record as `/data.json` (with the handling mark),
/// the shared frame, then the body.
fn compile_record(record: &impl serde::Serialize, body: &str, fonts: &Fonts) -> Result<Vec<u8>, ReportError> {
    let mut data = serde_json::to_value(record).map_err(|e| ReportError::Layout(e.to_string()))?;
    if let serde_json::Value::Object(map) = &mut data {
        map.insert("handling".into(), records::HANDLING_MARK.into());
    }
    let source = format!("#let data = json(\"{}\")\n{RECORD_COMMON}\n{body}", world::RECORD_DATA_PATH);
    let world = world::ReportWorld::new(source, world::RECORD_DATA_PATH, data.to_string().into_bytes(), fonts.clone());
    compile_world(&world)
}

/// Compiles a main source (with `data` as `/sheet.json`) to PDF bytes.
fn compile_pdf(source: String, data: Vec<u8>, fonts: &Fonts) -> Result<Vec<u8>, ReportError> {
    compile_world(&world::ReportWorld::new(source, world::DATA_PATH, data, fonts.clone()))
}

/// Lays out a world's main source and writes the pages as PDF.
fn compile_world(world: &world::ReportWorld) -> Result<Vec<u8>, ReportError> {
    let Warned { output, .. } = typst::compile::<PagedDocument>(world);
    let pdf = output.map_err(|errors| ReportError::Layout(describe(&errors))).and_then(|document| {
        typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default())
            .map_err(|errors| ReportError::Pdf(describe(&errors)))
    });
    typst::comemo::evict(CACHE_MAX_AGE);
    pdf
}

/// The typst markup of a sheet as one self-contained document, for debugging: the template that
/// [`render_pdf`] compiles, with the data inlined as a string literal instead of read from the
/// virtual `/sheet.json`. `typst compile` accepts it as is (given the fonts).
pub fn typst_source(sheet: &Sheet, menu: &ProgramMenu) -> String {
    let data = data::sheet_json(sheet, menu).to_string();
    let inline = format!("#let sheet = json(bytes({}))", string_literal(&data));
    TEMPLATE.replacen(DATA_LINE, &inline, 1)
}

/// A typst string literal holding `text` exactly.
fn string_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn describe(errors: &[SourceDiagnostic]) -> String {
    errors.iter().map(|error| error.message.to_string()).collect::<Vec<_>>().join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_starts_with_the_data_line() {
        assert!(TEMPLATE.starts_with(DATA_LINE));
    }

    #[test]
    fn string_literals_escape_quotes_backslashes_and_newlines() {
        assert_eq!(string_literal("a\"b\\c\nd"), r#""a\"b\\c\nd""#);
        assert_eq!(string_literal("#set ]"), "\"#set ]\"");
    }

    #[test]
    fn debugging_source_inlines_the_data() {
        let sheet = nimo_domain::demo::meguro_r4();
        let source = typst_source(&sheet, &ProgramMenu::builtin(sheet.fiscal_year));
        assert!(!source.contains("/sheet.json"));
        assert!(source.contains("json(bytes(\""));
        assert!(source.contains("目黒区"));
    }

    #[test]
    fn debugging_source_renders_the_same_pdf() {
        let fonts = Fonts::discover().unwrap();
        let mut sheet = nimo_domain::demo::meguro_r4();
        sheet.header.slogan = "\"quotes\" and \\ backslashes\nand a line break".into();
        let menu = ProgramMenu::builtin(sheet.fiscal_year);
        let inline = compile_pdf(typst_source(&sheet, &menu), Vec::new(), &fonts).unwrap();
        assert_eq!(inline, render_pdf(&sheet, &menu, &fonts).unwrap());
    }

    #[test]
    fn template_errors_are_reported_as_layout_errors() {
        let fonts = Fonts::discover().unwrap();
        let error = compile_pdf("#let x = ".into(), Vec::new(), &fonts).unwrap_err();
        assert!(matches!(error, ReportError::Layout(_)), "{error}");
    }
}
