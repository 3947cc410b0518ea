//! The sheet as an Excel workbook: one worksheet per section (表紙, 基礎情報, 取組概要, 経緯,
//! 成果・効果, 強みと課題, スケジュール, 注記), written with rust_xlsxwriter and read back with
//! calamine behind size guards.

mod grid;
mod guard;
mod layout;
mod read;
mod write;

use crate::error::{ExportError, ImportError};
use nimo_domain::Sheet;

pub use guard::MAX_FILE_BYTES;

/// The sheet as an XLSX workbook. Figures are numbers in numeric cells, dates ISO text
/// (`2022-07`) in text cells, headers bold. [`from_xlsx`] reads it back to an equal sheet.
pub fn to_xlsx(sheet: &Sheet) -> Result<Vec<u8>, ExportError> {
    write::workbook(sheet)
}

/// Reads a sheet from an XLSX workbook laid out as [`to_xlsx`] writes it. Strict: a missing
/// worksheet, item or column, a cell of the wrong type, a bad 地方公共団体コード or date is an
/// error naming worksheet, row and field; dates may be ISO or 和暦 text. Corrupt, truncated or
/// oversized files (see the limits) are refused before they are inflated. Columns after the
/// 32nd are ignored. Like [`crate::from_json`], it does not validate against the menu.
pub fn from_xlsx(bytes: &[u8]) -> Result<Sheet, ImportError> {
    guard::check_archive(bytes)?;
    // calamine parses untrusted bytes; should it ever panic on a case the guard misses, the
    // upload is refused rather than the server thread lost.
    std::panic::catch_unwind(|| read_unguarded(bytes))
        .unwrap_or_else(|_| Err(guard::unreadable("ファイルが壊れています")))
}

/// Reads a workbook that passed the guard, without catching panics (tests call it directly, so
/// that a panic in calamine would fail them instead of being hidden).
fn read_unguarded(bytes: &[u8]) -> Result<Sheet, ImportError> {
    let mut book: calamine::Xlsx<_> = calamine::Reader::new(std::io::Cursor::new(bytes))
        .map_err(|e: calamine::XlsxError| guard::unreadable(format!("ファイルが壊れています（{e}）")))?;
    read::sheet(&mut book)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Damaged copies of a real workbook that still pass the guard go through calamine without
    /// the panic net, so that any panic there fails this test.
    #[test]
    fn damaged_workbooks_that_pass_the_guard_never_panic_in_calamine() {
        let good = to_xlsx(&nimo_domain::demo::meguro_r4()).unwrap();
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut reached_calamine = 0;
        for _ in 0..300 {
            let mut bytes = good.clone();
            let at = (next() as usize) % bytes.len();
            bytes[at] ^= 1 << (next() % 8);
            if guard::check_archive(&bytes).is_ok() {
                reached_calamine += 1;
                let _ = read_unguarded(&bytes);
            }
        }
        assert!(reached_calamine > 0);
    }
}
