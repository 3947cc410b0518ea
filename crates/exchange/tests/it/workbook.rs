//! A test helper that edits a workbook's cells: read every worksheet with calamine, change
//! cells, write it again with rust_xlsxwriter. Good enough for the files nimo writes.

use calamine::{Data, Reader, Xlsx};
use std::collections::BTreeMap;
use std::io::Cursor;

/// Worksheets in order, each a map from (row, column), both 0-based, to a cell.
pub type Cells = Vec<(String, BTreeMap<(u32, u32), Data>)>;

/// Every worksheet's cells.
pub fn read(bytes: &[u8]) -> Cells {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
    book.sheet_names()
        .into_iter()
        .map(|name| {
            let range = book.worksheet_range(&name).unwrap();
            let cells = range
                .cells()
                .filter(|(_, _, data)| **data != Data::Empty)
                .map(|(row, col, data)| {
                    let (r0, c0) = range.start().unwrap();
                    ((row as u32 + r0, col as u32 + c0), data.clone())
                })
                .collect();
            (name, cells)
        })
        .collect()
}

/// A workbook of the given cells.
pub fn write(cells: &Cells) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    for (name, sheet) in cells {
        let worksheet = book.add_worksheet();
        worksheet.set_name(name).unwrap();
        for ((row, col), data) in sheet {
            let col = *col as u16;
            match data {
                Data::String(s) => worksheet.write_string(*row, col, s).unwrap(),
                Data::Float(n) => worksheet.write_number(*row, col, *n).unwrap(),
                Data::Int(n) => worksheet.write_number(*row, col, *n as f64).unwrap(),
                Data::Bool(b) => worksheet.write_boolean(*row, col, *b).unwrap(),
                other => panic!("not needed in these tests: {other:?}"),
            };
        }
    }
    book.save_to_buffer().unwrap()
}

/// The bytes of a workbook after changing it.
pub fn edit(bytes: &[u8], change: impl FnOnce(&mut Cells)) -> Vec<u8> {
    let mut cells = read(bytes);
    change(&mut cells);
    write(&cells)
}

/// One worksheet's cells, by name.
pub fn sheet<'a>(cells: &'a mut Cells, name: &str) -> &'a mut BTreeMap<(u32, u32), Data> {
    &mut cells.iter_mut().find(|(n, _)| n == name).unwrap().1
}

/// The 0-based row whose column A (or another column) holds a text.
pub fn row_of(cells: &BTreeMap<(u32, u32), Data>, col: u32, text: &str) -> u32 {
    cells
        .iter()
        .find(|((_, c), d)| *c == col && matches!(d, Data::String(s) if s == text))
        .map(|((r, _), _)| *r)
        .unwrap()
}
