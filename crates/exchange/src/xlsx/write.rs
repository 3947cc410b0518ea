//! Writes a sheet as a workbook: one worksheet per section, bold Japanese headers, figures as
//! numbers, dates as ISO text in text-formatted cells.

use super::layout::*;
use crate::csv::section_one;
use crate::error::ExportError;
use crate::labels::{source_label, state_label};
use crate::{FORMAT, VERSION};
use nimo_domain::figure::{Figure, Value};
use nimo_domain::sheet::Measure;
use nimo_domain::{PartialDate, Sheet};
use rust_xlsxwriter::{Format, FormatAlign, Workbook, Worksheet, XlsxError};

/// What goes into one cell.
enum Cell {
    Text(String),
    Number(f64),
    /// ISO date text, in a cell formatted as text so that Excel leaves a typed date alone.
    Date(String),
}

fn text(value: impl Into<String>) -> Cell {
    Cell::Text(value.into())
}

fn date(value: Option<&PartialDate>) -> Cell {
    Cell::Date(value.map(PartialDate::iso).unwrap_or_default())
}

/// The value cell of a figure: a number for counts and rates, 有/無, ／ or empty.
fn figure_value(figure: &Figure) -> Cell {
    match figure.value {
        Value::Count(n) => Cell::Number(n as f64),
        Value::Rate(r) => Cell::Number(r),
        _ => text(crate::csv::value_text(figure)),
    }
}

fn figure_cells(figure: &Figure) -> [Cell; 3] {
    [text(state_label(figure)), figure_value(figure), text(source_label(figure.source))]
}

struct Formats {
    bold: Format,
    wrap: Format,
    date: Format,
}

/// Builds one worksheet.
struct Page<'a> {
    sheet: &'a mut Worksheet,
    formats: &'a Formats,
}

impl Page<'_> {
    fn put(&mut self, row: u32, col: u16, cell: Cell) -> Result<(), XlsxError> {
        match cell {
            Cell::Text(value) => self.sheet.write_string_with_format(row, col, value, &self.formats.wrap)?,
            Cell::Number(value) => self.sheet.write_number(row, col, value)?,
            Cell::Date(value) => self.sheet.write_string_with_format(row, col, value, &self.formats.date)?,
        };
        Ok(())
    }

    fn items(&mut self, items: Vec<(&str, Cell)>) -> Result<(), XlsxError> {
        for (row, (label, cell)) in items.into_iter().enumerate() {
            self.sheet.write_string_with_format(row as u32, 0, label, &self.formats.bold)?;
            self.put(row as u32, 1, cell)?;
        }
        Ok(())
    }

    fn table(&mut self, header: u32, columns: &[&str], rows: Vec<Vec<Cell>>) -> Result<(), XlsxError> {
        for (col, name) in columns.iter().enumerate() {
            self.sheet.write_string_with_format(header, col as u16, *name, &self.formats.bold)?;
        }
        self.sheet.set_freeze_panes(header + 1, 0)?;
        for (i, row) in rows.into_iter().enumerate() {
            for (col, cell) in row.into_iter().enumerate() {
                self.put(header + 1 + i as u32, col as u16, cell)?;
            }
        }
        Ok(())
    }
}

/// The whole workbook as bytes.
pub fn workbook(sheet: &Sheet) -> Result<Vec<u8>, ExportError> {
    let formats = Formats {
        bold: Format::new().set_bold().set_align(FormatAlign::Top),
        wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
        date: Format::new().set_num_format("@").set_align(FormatAlign::Top),
    };
    let mut book = Workbook::new();
    for name in WORKSHEETS {
        let failed = |source| ExportError::Xlsx { worksheet: name.to_string(), source };
        let worksheet = book.add_worksheet();
        worksheet.set_name(name).map_err(failed)?;
        for (col, width) in widths(name).iter().enumerate() {
            worksheet.set_column_width(col as u16, *width).map_err(failed)?;
        }
        let mut page = Page { sheet: worksheet, formats: &formats };
        fill(&mut page, name, sheet).map_err(failed)?;
    }
    book.save_to_buffer().map_err(|source| ExportError::Xlsx { worksheet: String::new(), source })
}

fn fill(page: &mut Page, name: &str, sheet: &Sheet) -> Result<(), XlsxError> {
    match name {
        COVER => {
            let m = &sheet.municipality;
            page.items(vec![
                (COVER_ITEMS[0], text(FORMAT)),
                (COVER_ITEMS[1], Cell::Number(f64::from(VERSION))),
                (COVER_ITEMS[2], text(m.code.as_str())),
                (COVER_ITEMS[3], text(&m.name)),
                (COVER_ITEMS[4], text(&m.prefecture)),
                (COVER_ITEMS[5], Cell::Number(f64::from(sheet.fiscal_year.year()))),
                (COVER_ITEMS[6], text(&sheet.header.program_title)),
                (COVER_ITEMS[7], text(&sheet.header.slogan)),
                (COVER_ITEMS[8], text(&sheet.header.vision)),
            ])?;
            // A reading aid only; the reader ignores column C.
            page.put(5, 2, text(sheet.fiscal_year.wareki()))?;
        }
        BASIC => {
            page.items(vec![
                (BASIC_ITEMS[0], date(Some(&sheet.basic.as_of))),
                (BASIC_ITEMS[1], text(&sheet.basic.profile)),
            ])?;
            let rows = section_one(sheet)
                .into_iter()
                .map(|(key, label, unit, figure)| {
                    let mut row = vec![text(key), text(label), text(unit)];
                    row.extend(figure_cells(figure));
                    row
                })
                .collect();
            page.table(header_row(BASIC_ITEMS.len()), &BASIC_COLUMNS, rows)?;
        }
        POLICY => {
            let p = &sheet.policy;
            page.items(vec![
                (POLICY_ITEMS[0], date(p.plans_date.as_ref())),
                (POLICY_ITEMS[1], text(&p.goal)),
                (POLICY_ITEMS[2], text(&p.project_title)),
                (POLICY_ITEMS[3], text(&p.project_text)),
            ])?;
            let rows = (p.plans.iter().map(|t| vec![text(PLAN), text(t)]))
                .chain(p.measures.iter().map(|t| vec![text(MEASURE), text(t)]))
                .collect();
            page.table(header_row(POLICY_ITEMS.len()), &POLICY_COLUMNS, rows)?;
        }
        HISTORY => {
            let rows = sheet.history.iter().map(|e| vec![date(Some(&e.date)), text(&e.text)]).collect();
            page.table(0, &HISTORY_COLUMNS, rows)?;
        }
        OUTCOMES => {
            let o = &sheet.outcomes;
            page.items(vec![
                (OUTCOMES_ITEMS[0], text(&o.period_label)),
                (OUTCOMES_ITEMS[1], text(&o.target_basis)),
                (OUTCOMES_ITEMS[2], text(&o.actual_basis)),
            ])?;
            page.table(header_row(OUTCOMES_ITEMS.len()), &OUTCOMES_COLUMNS, outcome_rows(sheet))?;
        }
        STRENGTHS => {
            let s = &sheet.strengths;
            page.items(vec![(STRENGTHS_ITEMS[0], text(&s.closing))])?;
            let mut rows: Vec<Vec<Cell>> =
                s.strengths.iter().map(|t| vec![text(STRENGTH), text(""), text(""), text(""), text(t)]).collect();
            for item in &s.items {
                rows.push(vec![
                    text(CHALLENGE),
                    Cell::Number(f64::from(item.menu_code)),
                    text(&item.challenge),
                    text(""),
                    text(&item.challenge_detail),
                ]);
                for action in &item.actions {
                    let tag = action.tag.map(|t| t.label().trim_matches(['（', '）'])).unwrap_or("");
                    rows.push(vec![
                        text(ACTION),
                        text(""),
                        text(""),
                        text(&action.marker),
                        text(&action.text),
                        text(tag),
                        text(&action.note),
                    ]);
                }
            }
            page.table(header_row(STRENGTHS_ITEMS.len()), &STRENGTHS_COLUMNS, rows)?;
        }
        SCHEDULE => {
            let rows =
                sheet.schedule.iter().map(|r| vec![date(Some(&r.month)), text(&r.item), text(&r.content)]).collect();
            page.table(0, &SCHEDULE_COLUMNS, rows)?;
        }
        _ => {
            let rows = (sheet.editorial_notes.iter().enumerate())
                .map(|(i, n)| vec![Cell::Number(i as f64 + 1.0), text(n)])
                .collect();
            page.table(0, &NOTES_COLUMNS, rows)?;
        }
    }
    Ok(())
}

/// Section 4 as rows: each 指標 row is followed by its target, actual, breakdown and effects.
fn outcome_rows(sheet: &Sheet) -> Vec<Vec<Cell>> {
    let measure = |kind: &str, m: &Measure| {
        let [state, value, source] = figure_cells(&m.value);
        vec![
            text(kind),
            text(""),
            text(""),
            text(m.key.clone().unwrap_or_default()),
            text(&m.prefix),
            state,
            value,
            text(&m.unit),
            source,
        ]
    };
    let mut rows = Vec::new();
    for indicator in &sheet.outcomes.indicators {
        rows.push(vec![text(INDICATOR), text(&indicator.marker), text(&indicator.name)]);
        rows.extend(indicator.target.as_ref().map(|m| measure(TARGET, m)));
        rows.extend(indicator.actual.as_ref().map(|m| measure(ACTUAL, m)));
        for line in &indicator.breakdown {
            let [state, value, source] = figure_cells(&line.value);
            rows.push(vec![
                text(BREAKDOWN),
                text(""),
                text(&line.label),
                text(line.key.clone().unwrap_or_default()),
                text(""),
                state,
                value,
                text(&line.unit),
                source,
                Cell::Number(f64::from(line.depth)),
                text(&line.note),
            ]);
        }
        for effect in &indicator.effects {
            rows.push(vec![text(EFFECT), text(""), text(effect)]);
        }
    }
    rows
}
