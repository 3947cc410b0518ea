//! The resource directory's files: a CSV for spreadsheets (written UTF-8 with BOM, read from
//! UTF-8 with or without BOM or Shift_JIS, with the sheet CSV's decoding) and Open Referral HSDS
//! 3.0 as one JSON document (`hsds.rs`, described in docs/directory-hsds.md). Reading is strict
//! and names every problem's line (or JSON place), column and reason; callers write nothing
//! unless the whole file reads.

mod hsds;

pub use hsds::{from_hsds, to_hsds};

use crate::ImportError;
use crate::csv::{BOM, decode};
use nimo_domain::directory::{Memberships, OrgType, Organisation, Specialty, parse_coordinates};
use nimo_domain::text::{from_spreadsheet_cell, spreadsheet_cell};

/// The CSV's columns: code (also accepted as the header) and Japanese header.
pub const CSV_COLUMNS: [(&str, &str); 23] = [
    ("id", "ID"),
    ("type", "種別"),
    ("name", "名称"),
    ("name_kana", "よみがな"),
    ("hospital_id", "病院ID"),
    ("ishikai", "医師会"),
    ("shikaishikai", "歯科医師会"),
    ("yakuzaishikai", "薬剤師会"),
    ("soudan_ippan", "一般相談"),
    ("soudan_tokutei", "特定相談"),
    ("specialties", "専門分野"),
    ("description", "説明"),
    ("address", "所在地"),
    ("phone", "電話"),
    ("fax", "FAX"),
    ("email", "メール"),
    ("url", "URL"),
    ("area", "地区・圏域"),
    ("capacity", "定員"),
    ("hours", "開所時間"),
    ("latitude", "緯度"),
    ("longitude", "経度"),
    ("active", "状態"),
];

/// The header of a column code.
fn header(code: &str) -> &'static str {
    match code {
        "soudan" => "一般相談・特定相談",
        "kakaritsuke" => "医師会・歯科医師会・薬剤師会",
        _ => CSV_COLUMNS.iter().find(|c| c.0 == code).map_or("", |c| c.1),
    }
}

/// The organisations as CSV, UTF-8 with BOM, one line each, every cell through
/// `spreadsheet_cell`.
pub fn directory_to_csv(orgs: &[Organisation]) -> Vec<u8> {
    let mut writer = ::csv::Writer::from_writer(BOM.to_vec());
    let flag = |on: bool| if on { "○" } else { "" };
    let _ = writer.write_record(CSV_COLUMNS.iter().map(|c| c.1));
    for org in orgs {
        let specialties: Vec<&str> = org.specialties.iter().map(|s| s.label()).collect();
        let cells = [
            org.reference.clone(),
            org.org_type.label().to_string(),
            org.name.clone(),
            org.name_kana.clone(),
            org.hospital_id.clone().unwrap_or_default(),
            flag(org.memberships.ishikai).into(),
            flag(org.memberships.shikaishikai).into(),
            flag(org.memberships.yakuzaishikai).into(),
            flag(org.soudan_ippan).into(),
            flag(org.soudan_tokutei).into(),
            specialties.join("、"),
            org.description.clone(),
            org.address.clone(),
            org.phone.clone(),
            org.fax.clone(),
            org.email.clone(),
            org.url.clone(),
            org.area.clone(),
            org.capacity.map(|n| n.to_string()).unwrap_or_default(),
            org.hours.clone(),
            org.coordinates.map(|c| c.0.to_string()).unwrap_or_default(),
            org.coordinates.map(|c| c.1.to_string()).unwrap_or_default(),
            if org.active { "運営中" } else { "休止・廃止" }.into(),
        ];
        let _ = writer.write_record(cells.iter().map(|c| spreadsheet_cell(c).into_owned()));
    }
    writer.into_inner().unwrap_or_default()
}

/// The organisations of a directory CSV, each with its line number (the header is line 1), or
/// every problem found (line, column, reason). The header names the columns (codes or Japanese
/// headers, any order; `id`, `type` and `name` are required, others may be left out).
pub fn directory_from_csv(bytes: &[u8]) -> Result<Vec<(usize, Organisation)>, Vec<ImportError>> {
    let text = decode(bytes).map_err(|e| vec![e])?;
    if let Some(line) = unclosed_quote(&text) {
        return Err(vec![csv_error(line, "", "引用符（\"）が閉じていません")]);
    }
    let mut reader = ::csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut records = reader.records();
    let head = match records.next() {
        Some(Ok(head)) => head,
        _ => return Err(vec![csv_error(1, "", "見出し行がありません")]),
    };
    let mut columns: Vec<Option<&'static str>> = Vec::new();
    let mut errors = Vec::new();
    for cell in head.iter() {
        let cell = cell.trim();
        let code = CSV_COLUMNS.iter().find(|c| c.0 == cell || c.1 == cell).map(|c| c.0);
        if code.is_none() {
            errors.push(csv_error(1, cell, "知らない列です"));
        } else if columns.contains(&code) {
            errors.push(csv_error(1, cell, "列が重複しています"));
        }
        columns.push(code);
    }
    for required in ["id", "type", "name"] {
        if !columns.contains(&Some(required)) {
            errors.push(csv_error(1, header(required), "必要な列がありません"));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut orgs = Vec::new();
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                errors.push(csv_error(line, "", "行を読み取れません"));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line() as usize);
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if record.len() != columns.len() {
            let reason = format!("列の数が見出しと違います（見出し{}列、この行{}列）", columns.len(), record.len());
            errors.push(csv_error(line, "", &reason));
            continue;
        }
        let cell = |code: &str| {
            columns
                .iter()
                .position(|c| *c == Some(code))
                .and_then(|i| record.get(i))
                .map(|c| from_spreadsheet_cell(c.trim()).trim().to_string())
                .unwrap_or_default()
        };
        match organisation(&cell) {
            Ok(org) => orgs.push((line, org)),
            Err(problems) => errors.extend(problems.into_iter().map(|(c, r)| csv_error(line, header(c), &r))),
        }
    }
    if errors.is_empty() { Ok(orgs) } else { Err(errors) }
}

fn csv_error(row: usize, column: &str, reason: &str) -> ImportError {
    ImportError::Csv { row, column: column.to_string(), reason: reason.to_string() }
}

/// The line where a quote that is never closed opens, if one is.
fn unclosed_quote(text: &str) -> Option<usize> {
    let (mut line, mut opened, mut quoted) = (1, 0, false);
    for c in text.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                if quoted {
                    opened = line;
                }
            }
            '\n' => line += 1,
            _ => {}
        }
    }
    quoted.then_some(opened)
}

/// A flag cell: 「○」「1」「true」「はい」… on, empty 「0」「×」… off.
fn flag(text: &str) -> Option<bool> {
    match nimo_domain::text::nfkc(text).to_lowercase().as_str() {
        "○" | "〇" | "◯" | "1" | "true" | "yes" | "はい" | "有" | "あり" => Some(true),
        "" | "0" | "false" | "no" | "いいえ" | "×" | "無" | "なし" | "-" => Some(false),
        _ => None,
    }
}

/// One organisation from its cells by column code, or each (column, reason) problem: the
/// cells' shapes here, then the domain's checks.
fn organisation(cell: &dyn Fn(&str) -> String) -> Result<Organisation, Vec<(&'static str, String)>> {
    let mut problems: Vec<(&'static str, String)> = Vec::new();
    let typed = cell("type");
    let org_type = OrgType::parse(&typed).unwrap_or_else(|| {
        problems.push(("type", format!("知らない種別です（{typed}）")));
        OrgType::Other
    });
    let mut org = Organisation::empty(org_type);
    let mut flag_of = |code: &'static str| {
        let text = cell(code);
        flag(&text).unwrap_or_else(|| {
            problems.push((code, format!("○ か空欄で入力してください（{text}）")));
            false
        })
    };
    org.memberships = Memberships {
        ishikai: flag_of("ishikai"),
        shikaishikai: flag_of("shikaishikai"),
        yakuzaishikai: flag_of("yakuzaishikai"),
    };
    org.soudan_ippan = flag_of("soudan_ippan");
    org.soudan_tokutei = flag_of("soudan_tokutei");
    org.reference = cell("id");
    org.name = cell("name");
    org.name_kana = cell("name_kana");
    org.hospital_id = Some(cell("hospital_id")).filter(|h| !h.is_empty());
    match Specialty::parse_list(&cell("specialties")) {
        Ok(list) => org.specialties = list,
        Err(unknown) => problems.push(("specialties", format!("知らない専門分野です（{unknown}）"))),
    }
    (org.description, org.address, org.phone, org.fax) =
        (cell("description"), cell("address"), cell("phone"), cell("fax"));
    (org.email, org.url, org.area, org.hours) = (cell("email"), cell("url"), cell("area"), cell("hours"));
    let capacity = nimo_domain::text::nfkc(&cell("capacity"));
    if !capacity.is_empty() {
        match capacity.parse::<i64>() {
            Ok(n) => org.capacity = Some(n),
            Err(_) => problems.push(("capacity", format!("整数ではありません（{capacity}）"))),
        }
    }
    match parse_coordinates(&cell("latitude"), &cell("longitude")) {
        Ok(coordinates) => org.coordinates = coordinates,
        Err(problem) => problems.push((problem.field, problem.reason)),
    }
    match cell("active").as_str() {
        "" | "運営中" | "active" | "1" | "○" => org.active = true,
        "休止・廃止" | "休止" | "廃止" | "inactive" | "0" => org.active = false,
        other => problems.push(("active", format!("「運営中」か「休止・廃止」で入力してください（{other}）"))),
    }
    if org.org_type == OrgType::PsychHospital {
        // The name is the bed finder's; what the file says is only for people reading it.
        org.name.clear();
    }
    problems.extend(org.problems().into_iter().map(|p| (p.field, p.reason)));
    if problems.is_empty() { Ok(org) } else { Err(problems) }
}

/// What a CSV column (or a checked field) is called in the file and in error messages.
pub fn column_label(field: &str) -> &'static str {
    match field {
        "id" | "reference" => "ID",
        "org_type" => "種別",
        other => header(other),
    }
}
