//! The numeric tables as one CSV for spreadsheets: written as UTF-8 with BOM, read back from
//! UTF-8 (with or without BOM) or Shift_JIS (CP932), the encodings Excel users have.

use crate::error::{FileFormat, ImportError};
use nimo_domain::Sheet;
use nimo_domain::figure::{Figure, Source, Value};
use nimo_domain::sheet::{Indicator, Measure};
use nimo_domain::template::{self, Kind};
use nimo_domain::text::{from_spreadsheet_cell, spreadsheet_cell};

pub(crate) use crate::labels::parse_source;
use crate::labels::{source_label, state_code, state_label, unknown_state};

pub(crate) const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The header of [`to_csv`]; [`figures_from_csv`] also reads the English names of earlier
/// versions (`section,key,label,unit,state,value,source`).
pub const COLUMNS: [&str; 7] = ["区分", "キー", "項目", "単位", "状態", "値", "出典"];

/// The figures as CSV, UTF-8 with BOM, one row per figure with the columns
/// `区分,キー,項目,単位,状態,値,出典`: section 1 in template order (then any figure the template
/// lacks), then section 4's targets, actuals and breakdown lines, keyed by their place
/// (`indicators[1].target`, `indicators[1].breakdown[0]`). Values are plain numbers (`278748`,
/// `23.4`), 有/無, ／ for not applicable and empty for unknown; the state and source are Japanese
/// words (`数`, `入力`: [`crate::labels`]), read back as words or codes. A text cell that a
/// spreadsheet would evaluate (a label starting with `=`) is written with a leading `'`
/// ([`spreadsheet_cell`]); [`figures_from_csv`] takes it off again.
pub fn to_csv(sheet: &Sheet) -> Vec<u8> {
    let mut writer = ::csv::Writer::from_writer(BOM.to_vec());
    let mut write = |row: [&str; 7]| {
        writer
            .write_record(row.map(|cell| spreadsheet_cell(cell).into_owned()))
            .expect("writing to memory cannot fail");
    };
    write(COLUMNS);
    for (key, label, unit, figure) in section_one(sheet) {
        write(["1", &key, &label, unit, state_label(figure), &value_text(figure), source_label(figure.source)]);
    }
    for (i, indicator) in sheet.outcomes.indicators.iter().enumerate() {
        let name = format!("{}{}", indicator.marker, indicator.name);
        for (part, basis, measure) in measures(sheet, indicator) {
            let label = format!("{name} {basis} {}", measure.prefix).trim_end().to_string();
            let key = format!("indicators[{i}].{part}");
            let figure = &measure.value;
            write([
                "4",
                &key,
                &label,
                &measure.unit,
                state_label(figure),
                &value_text(figure),
                source_label(figure.source),
            ]);
        }
        for (j, line) in indicator.breakdown.iter().enumerate() {
            let label = format!("{name} {}{}", line.label, line.note);
            let key = format!("indicators[{i}].breakdown[{j}]");
            let figure = &line.value;
            write([
                "4",
                &key,
                &label,
                &line.unit,
                state_label(figure),
                &value_text(figure),
                source_label(figure.source),
            ]);
        }
    }
    writer.into_inner().expect("writing to memory cannot fail")
}

fn measures<'a>(sheet: &'a Sheet, indicator: &'a Indicator) -> Vec<(&'static str, String, &'a Measure)> {
    let mut out = Vec::new();
    if let Some(target) = &indicator.target {
        out.push(("target", format!("目標値（{}）", sheet.outcomes.target_basis), target));
    }
    if let Some(actual) = &indicator.actual {
        out.push(("actual", format!("実績値（{}）", sheet.outcomes.actual_basis), actual));
    }
    out
}

/// Section 1's figures in template order, then those the template lacks, with label and unit.
pub(crate) fn section_one(sheet: &Sheet) -> Vec<(String, String, &'static str, &Figure)> {
    let figures = &sheet.basic.figures;
    let mut rows: Vec<_> = template::FIGURES
        .iter()
        .filter_map(|def| {
            let label = if def.group.is_empty() || def.label.starts_with(def.group) {
                def.label.to_string()
            } else {
                format!("{} {}", def.group, def.label)
            };
            figures.get(def.key).map(|f| (def.key.to_string(), label, def.unit, f))
        })
        .collect();
    for (key, figure) in figures {
        if template::figure_def(key).is_none() {
            rows.push((key.clone(), String::new(), "", figure));
        }
    }
    rows
}

/// The value as written to CSV and XLSX text: digits, 有/無, ／ or nothing.
pub(crate) fn value_text(figure: &Figure) -> String {
    match figure.value {
        Value::Count(n) => n.to_string(),
        Value::Rate(r) => r.to_string(),
        Value::YesNo(_) | Value::NotApplicable => figure.display(),
        Value::Unknown => String::new(),
    }
}

/// A figure from its state (word or code) and value text, as [`to_csv`] writes them.
pub(crate) fn parse_figure(state: &str, value: &str, source: Source) -> Result<Figure, String> {
    let state = state_code(state).ok_or_else(|| unknown_state(state))?;
    let text = nimo_domain::text::nfkc(value.trim()).replace(',', "");
    let number = match (state, text.as_str()) {
        (_, "") => None,
        ("not_applicable", "/") => None,
        ("yes_no", "有" | "あり" | "1" | "true" | "TRUE") => Some(1.0),
        ("yes_no", "無" | "なし" | "0" | "false" | "FALSE") => Some(0.0),
        ("yes_no", _) => return Err(format!("有か無です（{}）", value.trim())),
        ("count", t) if t.parse::<i64>().is_err() => {
            return Err(match t.parse::<f64>() {
                Ok(_) => format!("整数ではありません（{}）", value.trim()),
                Err(_) => format!("数値ではありません（{}）", value.trim()),
            });
        }
        (_, t) => Some(
            t.parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .ok_or_else(|| format!("数値ではありません（{}）", value.trim()))?,
        ),
    };
    Figure::from_parts(state, number, source)
}

/// Reads section-1 figures from a CSV: the layout of [`to_csv`] (rows of other sections are
/// skipped) or a minimal `key,value` file, in which the state comes from the template (digits,
/// ／, 有/無, empty). The encoding is detected: UTF-8 with or without BOM, else Shift_JIS
/// (CP932). Returns the figures in file order; an unknown or repeated key, a wrong value or a
/// state that does not fit the template's kind is an error naming the row and column.
pub fn figures_from_csv(bytes: &[u8]) -> Result<Vec<(String, Figure)>, ImportError> {
    let text = decode(bytes)?;
    let mut reader = ::csv::ReaderBuilder::new().has_headers(true).from_reader(text.as_bytes());
    let bad = |row: usize, column: &str, reason: String| ImportError::Csv { row, column: column.to_string(), reason };
    let headers = reader.headers().map_err(|e| bad(1, "", format!("見出し行を読めません（{e}）")))?.clone();
    let find = |names: &[&str]| headers.iter().position(|h| names.contains(&h.trim()));
    let section = find(&["section", "区分"]);
    let state = find(&["state", "状態"]);
    let source = find(&["source", "出典"]);
    let key = find(&["key", "キー"])
        .ok_or_else(|| bad(1, "キー", "列がありません（見出し行に キー か key が必要です）".into()))?;
    let value = find(&["value", "値"])
        .ok_or_else(|| bad(1, "値", "列がありません（見出し行に 値 か value が必要です）".into()))?;
    let mut figures: Vec<(String, Figure)> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let row = e.position().map_or(0, |p| p.line() as usize);
            match e.kind() {
                ::csv::ErrorKind::UnequalLengths {
                    expected_len, len, ..
                } => bad(
                    row,
                    "列数",
                    format!(
                        "列が{len}個あります（見出しは{expected_len}個）。ファイルが途中で切れていないか確認してください"
                    ),
                ),
                _ => bad(row, "行", format!("行を読めません（{e}）")),
            }
        })?;
        let row = record.position().map_or(0, |p| p.line() as usize);
        let cell = |i: Option<usize>| from_spreadsheet_cell(i.and_then(|i| record.get(i)).unwrap_or("").trim()).trim();
        if section.is_some() && cell(section) != "1" {
            continue;
        }
        let name = cell(Some(key));
        let def =
            template::figure_def(name).ok_or_else(|| bad(row, "キー", format!("様式にない項目です（{name}）")))?;
        if figures.iter().any(|(k, _)| k == name) {
            return Err(bad(row, "キー", format!("項目「{name}」が2回あります")));
        }
        let source = parse_source(cell(source)).map_err(|e| bad(row, "出典", e))?;
        let figure = match state {
            Some(_) => parse_figure(cell(state), cell(Some(value)), source),
            None => Figure::parse_input(cell(Some(value)), def.kind).map(|f| Figure { source, ..f }),
        }
        .map_err(|e| bad(row, "値", e))?;
        check_kind(def.kind, &figure).map_err(|e| bad(row, "状態", e))?;
        figures.push((name.to_string(), figure));
    }
    Ok(figures)
}

/// Whether a figure's state fits the template's kind for its key.
pub(crate) fn check_kind(kind: Kind, figure: &Figure) -> Result<(), String> {
    match (kind, figure.value) {
        (_, Value::NotApplicable | Value::Unknown)
        | (Kind::Count, Value::Count(_))
        | (Kind::Rate, Value::Rate(_))
        | (Kind::YesNo, Value::YesNo(_)) => Ok(()),
        (kind, _) => Err(format!(
            "この項目の状態は {} です（{} ではありません）",
            match kind {
                Kind::Count => "数",
                Kind::Rate => "割合",
                Kind::YesNo => "有無",
            },
            crate::labels::state_label(figure)
        )),
    }
}

/// UTF-8 (BOM or not) when the bytes are valid UTF-8, else Shift_JIS when they decode cleanly.
pub(crate) fn decode(bytes: &[u8]) -> Result<String, ImportError> {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => return Ok(text.to_string()),
        // Valid UTF-8 up to a character cut in half at the very end: a truncated UTF-8 file.
        Err(e) if e.error_len().is_none() && e.valid_up_to() > 0 => {
            return Err(ImportError::Unreadable {
                format: FileFormat::Csv,
                reason: "ファイルが途中で切れています（UTF-8 の文字の途中で終わっています）".into(),
            });
        }
        Err(_) => {}
    }
    let (text, had_errors) = encoding_rs::SHIFT_JIS.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(ImportError::Unreadable {
            format: FileFormat::Csv,
            reason: "文字コードを判別できません（UTF-8 か Shift_JIS で保存してください）".into(),
        });
    }
    Ok(text.into_owned())
}
