//! The workbook's layout, shared by writer and reader: worksheet names, item labels in column A
//! and table headers, all in Japanese.
//!
//! A worksheet holds an optional block of items (label in column A, value in column B, from
//! row 1), then an empty row, then a table whose first row is its header. Worksheets without
//! items start with the table header on row 1.

/// 表紙: format, version, municipality, fiscal year and the header texts.
pub const COVER: &str = "表紙";
/// 基礎情報: section 1.
pub const BASIC: &str = "基礎情報";
/// 取組概要: section 2.
pub const POLICY: &str = "取組概要";
/// 経緯: section 3.
pub const HISTORY: &str = "経緯";
/// 成果・効果: section 4.
pub const OUTCOMES: &str = "成果・効果";
/// 強みと課題: section 5.
pub const STRENGTHS: &str = "強みと課題";
/// スケジュール: section 6.
pub const SCHEDULE: &str = "スケジュール";
/// 注記: editorial notes.
pub const NOTES: &str = "注記";

/// Every worksheet, in workbook order.
pub const WORKSHEETS: [&str; 8] = [COVER, BASIC, POLICY, HISTORY, OUTCOMES, STRENGTHS, SCHEDULE, NOTES];

pub const COVER_ITEMS: [&str; 9] =
    ["形式", "版", "地方公共団体コード", "自治体名", "都道府県", "年度", "事業名", "スローガン", "ビジョン"];

pub const BASIC_ITEMS: [&str; 2] = ["時点", "概要"];
pub const BASIC_COLUMNS: [&str; 6] = ["キー", "項目", "単位", "状態", "値", "出典"];

pub const POLICY_ITEMS: [&str; 4] = ["策定時期", "目標", "事業計画名", "事業計画"];
pub const POLICY_COLUMNS: [&str; 2] = ["区分", "内容"];
pub const PLAN: &str = "計画";
pub const MEASURE: &str = "施策";

pub const HISTORY_COLUMNS: [&str; 2] = ["年月", "内容"];

pub const OUTCOMES_ITEMS: [&str; 3] = ["期間", "目標値の時点", "実績値の時点"];
pub const OUTCOMES_COLUMNS: [&str; 11] =
    ["種別", "記号", "名称・内容", "キー", "前置き", "状態", "値", "単位", "出典", "階層", "注記"];
pub const INDICATOR: &str = "指標";
pub const TARGET: &str = "目標値";
pub const ACTUAL: &str = "実績値";
pub const BREAKDOWN: &str = "内訳";
pub const EFFECT: &str = "成果";

pub const STRENGTHS_ITEMS: [&str; 1] = ["まとめ"];
pub const STRENGTHS_COLUMNS: [&str; 7] = ["種別", "事業番号", "見出し", "記号", "内容", "新規・拡充", "注記"];
pub const STRENGTH: &str = "強み";
pub const CHALLENGE: &str = "課題";
pub const ACTION: &str = "取組";

pub const SCHEDULE_COLUMNS: [&str; 3] = ["月", "実施する項目", "実施する内容"];
/// The 番号 column keeps a row with an empty note from looking like the end of the table.
pub const NOTES_COLUMNS: [&str; 2] = ["番号", "注記"];

/// The 0-based row of a table's header, after `items` item rows and one empty row.
pub fn header_row(items: usize) -> u32 {
    if items == 0 { 0 } else { items as u32 + 1 }
}

/// Column widths in Excel's character units, per worksheet and column.
pub fn widths(worksheet: &str) -> &'static [f64] {
    match worksheet {
        COVER => &[20.0, 80.0, 14.0],
        BASIC => &[34.0, 48.0, 8.0, 14.0, 12.0, 10.0],
        POLICY => &[14.0, 90.0],
        HISTORY => &[12.0, 90.0],
        OUTCOMES => &[8.0, 6.0, 60.0, 30.0, 8.0, 14.0, 10.0, 6.0, 10.0, 6.0, 18.0],
        STRENGTHS => &[8.0, 10.0, 24.0, 6.0, 60.0, 12.0, 40.0],
        SCHEDULE => &[12.0, 32.0, 70.0],
        _ => &[6.0, 100.0],
    }
}
