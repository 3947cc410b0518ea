//! nimo's exchange formats for the 自治体情報シート: canonical JSON, a CSV of the numeric tables
//! and a full XLSX workbook, each turned into bytes and read back.
//!
//! This crate does no I/O of its own: callers hand it bytes and get a [`Sheet`] (or figures)
//! back. Imports check the shape of the file strictly and name the place of every problem
//! (worksheet, row, column or JSON path), but they do not validate the sheet against the
//! 構築推進事業 menu: the caller does that with `nimo_domain::validate::validate` and the menu
//! of the sheet's year. The JSON format is documented in `docs/sheet-json.md`.

mod csv;
pub mod directory;
mod error;
mod json;
pub mod labels;
mod xlsx;

pub use crate::csv::{figures_from_csv, to_csv};
pub use error::{ExportError, FileFormat, ImportError};
pub use json::{SheetDocument, from_json, to_json};
pub use xlsx::{MAX_FILE_BYTES as MAX_XLSX_BYTES, from_xlsx, to_xlsx};

/// The `format` tag of the JSON envelope and of the XLSX cover worksheet.
pub const FORMAT: &str = "nimo.jichitai-sheet";

/// The version of the exchange format this build writes and the newest it reads.
pub const VERSION: u32 = 1;

#[doc(no_inline)]
pub use nimo_domain::Sheet;
