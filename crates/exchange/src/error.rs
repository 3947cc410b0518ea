//! Import and export errors: where the problem is (format, worksheet, row, field or JSON path)
//! and why, shown in Japanese as staff read them.

use std::fmt;

/// The file formats this crate reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileFormat {
    Json,
    Csv,
    Xlsx,
}

impl fmt::Display for FileFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileFormat::Json => "JSON",
            FileFormat::Csv => "CSV",
            FileFormat::Xlsx => "XLSX",
        })
    }
}

/// Why a file could not be imported. Every variant names its place: a JSON path with line and
/// column, a CSV row and column, or an XLSX worksheet, row (1-based, as Excel shows it) and
/// field. The `Display` text is Japanese, e.g.
/// `XLSX「基礎情報」シート 12行目 値: 整数ではありません（12.5）`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// JSON that is not well formed or does not fit the sheet. `path` is a JSON path such as
    /// `sheet.basic.figures.hokenjo.value` (`.` for the whole document).
    #[error("JSON {}: {reason}", json_place(.path, .line, .column))]
    Json { path: String, line: Option<usize>, column: Option<usize>, reason: String },
    /// A CSV row (1-based line number, the header being line 1) and column that are wrong.
    #[error("CSV {row}行目 {column}: {reason}")]
    Csv { row: usize, column: String, reason: String },
    /// An XLSX cell, row or worksheet that is wrong. `row` is `None` when the whole worksheet is
    /// at fault (missing), `field` is the column or item name (empty when none applies).
    #[error("XLSX「{worksheet}」シート{}: {reason}", xlsx_place(.row, .field))]
    Xlsx { worksheet: String, row: Option<usize>, field: String, reason: String },
    /// The file was written by a newer nimo, in a version of the format this build cannot read.
    #[error(
        "{format}: version {found} のファイルです。このnimoが読めるのは version {supported} までです（nimoを更新してください）"
    )]
    NewerVersion { format: FileFormat, found: u64, supported: u32 },
    /// Bytes that are not a file of the format at all: truncated, corrupt, too large, or in an
    /// unknown text encoding.
    #[error("{format}ファイルとして読み取れません: {reason}")]
    Unreadable { format: FileFormat, reason: String },
}

fn json_place(path: &str, line: &Option<usize>, column: &Option<usize>) -> String {
    let path = if path.is_empty() || path == "." { "（最上位）" } else { path };
    match (line, column) {
        (Some(line), Some(column)) => format!("{path}（{line}行目 {column}列目）"),
        _ => path.to_string(),
    }
}

fn xlsx_place(row: &Option<usize>, field: &str) -> String {
    let mut place = String::new();
    if let Some(row) = row {
        place.push_str(&format!(" {row}行目"));
    }
    if !field.is_empty() {
        place.push(' ');
        place.push_str(field);
    }
    place
}

impl ImportError {
    /// The format of the file that failed.
    pub fn format(&self) -> FileFormat {
        match self {
            ImportError::Json { .. } => FileFormat::Json,
            ImportError::Csv { .. } => FileFormat::Csv,
            ImportError::Xlsx { .. } => FileFormat::Xlsx,
            ImportError::NewerVersion { format, .. } | ImportError::Unreadable { format, .. } => *format,
        }
    }

    /// The 1-based row (CSV, XLSX) or line (JSON) of the problem, when known.
    pub fn row(&self) -> Option<usize> {
        match self {
            ImportError::Json { line, .. } => *line,
            ImportError::Csv { row, .. } => Some(*row),
            ImportError::Xlsx { row, .. } => *row,
            _ => None,
        }
    }

    /// The XLSX worksheet of the problem.
    pub fn worksheet(&self) -> Option<&str> {
        match self {
            ImportError::Xlsx { worksheet, .. } => Some(worksheet),
            _ => None,
        }
    }

    /// The field of the problem: JSON path, CSV column or XLSX column/item name.
    pub fn field(&self) -> Option<&str> {
        match self {
            ImportError::Json { path, .. } => Some(path),
            ImportError::Csv { column, .. } => Some(column),
            ImportError::Xlsx { field, .. } if !field.is_empty() => Some(field),
            _ => None,
        }
    }

    /// The reason alone, without the place.
    pub fn reason(&self) -> String {
        match self {
            ImportError::Json { reason, .. }
            | ImportError::Csv { reason, .. }
            | ImportError::Xlsx { reason, .. }
            | ImportError::Unreadable { reason, .. } => reason.clone(),
            other => other.to_string(),
        }
    }
}

/// Why a sheet could not be written. Only XLSX can fail (a text longer than Excel's 32,767
/// characters, for one); JSON and CSV always succeed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The XLSX writer refused a worksheet.
    #[error("XLSX「{worksheet}」シートを書き出せません: {source}")]
    Xlsx {
        worksheet: String,
        #[source]
        source: rust_xlsxwriter::XlsxError,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xlsx_errors_read_like_the_example() {
        let error = ImportError::Xlsx {
            worksheet: "基礎情報".into(),
            row: Some(12),
            field: "値".into(),
            reason: "整数ではありません（12.5）".into(),
        };
        assert_eq!(error.to_string(), "XLSX「基礎情報」シート 12行目 値: 整数ではありません（12.5）");
        assert_eq!(error.row(), Some(12));
        assert_eq!(error.format(), FileFormat::Xlsx);
    }

    #[test]
    fn json_errors_show_path_line_and_column() {
        let error = ImportError::Json {
            path: "sheet.fiscal_year".into(),
            line: Some(3),
            column: Some(17),
            reason: "型が違います".into(),
        };
        assert_eq!(error.to_string(), "JSON sheet.fiscal_year（3行目 17列目）: 型が違います");
    }
}
