//! One worksheet's cells as a sparse map, with typed getters whose errors name the worksheet,
//! the row (1-based, as Excel shows it) and the field.

use super::guard::{MAX_ROWS, unreadable};
use crate::csv::{parse_figure, parse_source};
use crate::error::ImportError;
use calamine::{Data, Reader, Xlsx};
use nimo_domain::PartialDate;
use nimo_domain::figure::Figure;
use std::collections::HashMap;
use std::io::{Read, Seek};

/// Columns past this one are ignored: a person may keep notes beside the tables.
const MAX_COLUMNS: u32 = 32;

/// The non-empty cells of one worksheet.
pub struct Grid {
    pub name: &'static str,
    cells: HashMap<(u32, u32), Data>,
    /// One past the last row that has a non-empty cell.
    pub rows: u32,
}

static EMPTY: Data = Data::Empty;

impl Grid {
    /// Reads a worksheet cell by cell (never as a dense range: see `guard.rs`).
    pub fn load<R: Read + Seek>(book: &mut Xlsx<R>, name: &'static str) -> Result<Self, ImportError> {
        if !book.sheet_names().iter().any(|n| n == name) {
            return Err(ImportError::Xlsx {
                worksheet: name.into(),
                row: None,
                field: String::new(),
                reason: "ワークシートがありません".into(),
            });
        }
        let corrupt = |e: calamine::XlsxError| unreadable(format!("「{name}」シートが壊れています（{e}）"));
        let mut reader = book.worksheet_cells_reader(name).map_err(corrupt)?;
        let mut grid = Grid { name, cells: HashMap::new(), rows: 0 };
        while let Some(cell) = reader.next_cell().map_err(corrupt)? {
            let (row, col) = cell.get_position();
            let value = Data::from(cell.get_value().clone());
            if col >= MAX_COLUMNS || value == Data::Empty {
                continue;
            }
            if row >= MAX_ROWS {
                return Err(grid.error(row, "", format!("行が多すぎます（{MAX_ROWS}行まで）")));
            }
            grid.rows = grid.rows.max(row + 1);
            grid.cells.insert((row, col), value);
        }
        Ok(grid)
    }

    fn get(&self, row: u32, col: u32) -> &Data {
        self.cells.get(&(row, col)).unwrap_or(&EMPTY)
    }

    /// An error at a 0-based row.
    pub fn error(&self, row: u32, field: &str, reason: impl Into<String>) -> ImportError {
        ImportError::Xlsx {
            worksheet: self.name.into(),
            row: Some(row as usize + 1),
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// A text cell; empty gives "".
    pub fn text(&self, row: u32, col: u32, field: &str) -> Result<String, ImportError> {
        match self.get(row, col) {
            Data::String(s) => Ok(s.clone()),
            Data::Empty => Ok(String::new()),
            other => Err(self.error(row, field, format!("文字列ではありません（{}）", describe(other)))),
        }
    }

    /// A non-empty text cell.
    pub fn required_text(&self, row: u32, col: u32, field: &str) -> Result<String, ImportError> {
        let text = self.text(row, col, field)?;
        if text.trim().is_empty() {
            return Err(self.error(row, field, "入力してください"));
        }
        Ok(text)
    }

    /// A number cell; empty gives `None`.
    pub fn number(&self, row: u32, col: u32, field: &str) -> Result<Option<f64>, ImportError> {
        match self.get(row, col) {
            Data::Float(n) => Ok(Some(*n)),
            Data::Int(n) => Ok(Some(*n as f64)),
            Data::Empty => Ok(None),
            other => Err(self.error(row, field, format!("数値ではありません（{}）", describe(other)))),
        }
    }

    /// A whole number within `range`.
    pub fn integer(
        &self,
        row: u32,
        col: u32,
        field: &str,
        range: std::ops::RangeInclusive<i64>,
    ) -> Result<i64, ImportError> {
        let Some(n) = self.number(row, col, field)? else {
            return Err(self.error(row, field, "入力してください"));
        };
        if n.fract() != 0.0 || !n.is_finite() {
            return Err(self.error(row, field, format!("整数ではありません（{n}）")));
        }
        if !range.contains(&(n as i64)) || n.abs() > 9.0e15 {
            return Err(self.error(row, field, format!("{}〜{}の整数です（{n}）", range.start(), range.end())));
        }
        Ok(n as i64)
    }

    /// A date written as text (ISO or 和暦); empty gives `None`.
    pub fn date(&self, row: u32, col: u32, field: &str) -> Result<Option<PartialDate>, ImportError> {
        if let Data::DateTime(_) | Data::DateTimeIso(_) | Data::Float(_) | Data::Int(_) = self.get(row, col) {
            return Err(self.error(row, field, "日付は文字列で入力してください（例: 2022-07、令和4年7月）"));
        }
        let text = self.text(row, col, field)?;
        if text.trim().is_empty() {
            return Ok(None);
        }
        PartialDate::parse(&text).map(Some).map_err(|e| self.error(row, field, e.to_string()))
    }

    /// A figure from its state, value and source cells (columns named by `names`).
    pub fn figure(&self, row: u32, cols: [u32; 3], names: [&str; 3]) -> Result<Figure, ImportError> {
        let [state_col, value_col, source_col] = cols;
        let state = self.required_text(row, state_col, names[0])?;
        let source = parse_source(&self.text(row, source_col, names[2])?).map_err(|e| self.error(row, names[2], e))?;
        let value = match self.get(row, value_col) {
            Data::Float(n) if crate::labels::state_code(&state) == Some("count") && n.fract() != 0.0 => {
                return Err(self.error(row, names[1], format!("整数ではありません（{n}）")));
            }
            Data::Float(n) => n.to_string(),
            Data::Int(n) => n.to_string(),
            Data::Bool(b) => (if *b { "1" } else { "0" }).to_string(),
            _ => self.text(row, value_col, names[1])?,
        };
        parse_figure(&state, &value, source).map_err(|e| self.error(row, names[1], e))
    }

    /// Checks the item labels in column A, from row 1.
    pub fn expect_items(&self, items: &[&str]) -> Result<(), ImportError> {
        for (row, label) in items.iter().enumerate() {
            let found = self.text(row as u32, 0, label)?;
            if found.trim() != *label {
                return Err(self.error(
                    row as u32,
                    label,
                    format!("A列に「{label}」が必要です（「{found}」があります）"),
                ));
            }
        }
        Ok(())
    }

    /// The column of each header name in the header row.
    pub fn columns<const N: usize>(&self, header: u32, names: &[&str; N]) -> Result<[u32; N], ImportError> {
        let mut found = [0u32; N];
        for (i, name) in names.iter().enumerate() {
            found[i] = (0..MAX_COLUMNS)
                .find(|col| matches!(self.get(header, *col), Data::String(s) if s.trim() == *name))
                .ok_or_else(|| self.error(header, name, "列がありません（見出し行を確認してください）"))?;
        }
        Ok(found)
    }
}

/// A cell's content as a person would describe it.
fn describe(data: &Data) -> String {
    match data {
        Data::String(s) => format!("文字列「{s}」"),
        Data::Float(n) => format!("数値 {n}"),
        Data::Int(n) => format!("数値 {n}"),
        Data::Bool(b) => format!("真偽値 {b}"),
        Data::DateTime(d) => format!("日付 {}", d.as_f64()),
        Data::DateTimeIso(d) | Data::DurationIso(d) => format!("日付 {d}"),
        Data::Error(e) => format!("エラー {e}"),
        Data::Empty => "空欄".into(),
    }
}
