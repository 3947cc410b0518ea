//! Helpers that run poppler-utils on a rendered PDF, as a reader's tools would see it.

use std::path::{Path, PathBuf};
use std::process::Command;
use unicode_normalization::UnicodeNormalization;

/// A rendered PDF written to a temporary directory.
pub struct RenderedPdf {
    _dir: tempfile::TempDir,
    pub path: PathBuf,
}

impl RenderedPdf {
    /// Writes the bytes as `sheet.pdf` in a fresh temporary directory.
    pub fn write(bytes: &[u8]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sheet.pdf");
        std::fs::write(&path, bytes).unwrap();
        Self { _dir: dir, path }
    }

    /// `pdftotext -layout` of the whole document.
    pub fn layout_text(&self) -> String {
        run("pdftotext", &["-layout"], &self.path, &["-"])
    }

    /// `pdftotext -raw` (content-stream order, so a wrapped table cell stays in one piece).
    pub fn raw_text(&self) -> String {
        run("pdftotext", &["-raw"], &self.path, &["-"])
    }

    /// `pdftotext -bbox-layout`: every word with its box, as XHTML.
    pub fn bbox_layout(&self) -> String {
        run("pdftotext", &["-bbox-layout"], &self.path, &["-"])
    }

    /// `pdftotext -layout` of one page (1-based).
    pub fn page_text(&self, page: usize) -> String {
        let page = page.to_string();
        run("pdftotext", &["-layout", "-f", &page, "-l", &page], &self.path, &["-"])
    }

    /// `pdftotext -raw` of one page (1-based).
    pub fn page_raw_text(&self, page: usize) -> String {
        let page = page.to_string();
        run("pdftotext", &["-raw", "-f", &page, "-l", &page], &self.path, &["-"])
    }

    /// `pdfinfo`.
    pub fn info(&self) -> String {
        run("pdfinfo", &[], &self.path, &[])
    }

    /// `pdffonts`.
    pub fn fonts(&self) -> String {
        run("pdffonts", &[], &self.path, &[])
    }

    /// The page count from `pdfinfo`.
    pub fn pages(&self) -> usize {
        self.info()
            .lines()
            .find_map(|line| line.strip_prefix("Pages:"))
            .and_then(|n| n.trim().parse().ok())
            .expect("pdfinfo reports the page count")
    }
}

/// Runs a poppler tool and returns its stdout. Its stderr is ignored: poppler complains about
/// tagged PDFs ("Syntax Error: Suspects object is wrong type") although they are fine.
fn run(tool: &str, before: &[&str], path: &Path, after: &[&str]) -> String {
    let output = Command::new(tool)
        .args(before)
        .arg(path)
        .args(after)
        .output()
        .unwrap_or_else(|e| panic!("{tool} runs (install poppler-utils): {e}"));
    assert!(output.status.success(), "{tool} failed on {}", path.display());
    String::from_utf8(output.stdout).unwrap()
}

/// NFKC without any whitespace: how the tests compare printed text with expected values, since
/// line breaks and layout spaces may fall anywhere.
pub fn squeeze(text: &str) -> String {
    text.nfkc().filter(|c| !c.is_whitespace()).collect()
}
