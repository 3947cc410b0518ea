//! The 構築推進事業 menu: a code list versioned by fiscal year, not an enum.

use crate::calendar::FiscalYear;
use serde::{Deserialize, Serialize};

/// One item of the menu, e.g. (2, 普及啓発).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MenuItem {
    /// The item's number in the year's menu (1–14 in 令和4年度).
    pub code: u32,
    /// The item's name as MHLW wrote it that year.
    pub label: String,
}

/// The menu in force for one fiscal year, as the store loads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramMenu {
    /// The fiscal year the menu is in force for.
    pub fiscal_year: FiscalYear,
    /// The items in menu order.
    pub items: Vec<MenuItem>,
}

impl ProgramMenu {
    /// The label of a code, if the menu of this year has it.
    pub fn label(&self, code: u32) -> Option<&str> {
        self.items.iter().find(|i| i.code == code).map(|i| i.label.as_str())
    }
}

/// The menu as MHLW numbered it for 令和4年度 (wording to be checked per year against the
/// 地域生活支援促進事業 実施要綱). The store seeds it as valid from [`BUILTIN_VALID_FROM`].
pub const BUILTIN_ITEMS: [(u32, &str); 14] = [
    (1, "協議の場の設置"),
    (2, "普及啓発"),
    (3, "家族支援"),
    (4, "住まいの確保支援"),
    (5, "ピアサポートの活用"),
    (6, "アウトリーチ支援"),
    (7, "措置入院者及び緊急措置入院者等の退院後の医療等の継続支援"),
    (8, "構築状況の評価"),
    (9, "精神医療相談"),
    (10, "医療連携体制の構築"),
    (11, "地域移行関係職員に対する研修"),
    (12, "入院中の精神障害者の地域生活支援"),
    (13, "地域生活支援関係者等に対する研修"),
    (14, "その他、構築に資する事業"),
];

/// The first fiscal year of [`BUILTIN_ITEMS`] (H30, when アウトリーチ joined the menu).
pub const BUILTIN_VALID_FROM: i32 = 2018;

impl ProgramMenu {
    /// The built-in menu for a fiscal year (what the store seeds).
    pub fn builtin(fiscal_year: FiscalYear) -> Self {
        Self {
            fiscal_year,
            items: BUILTIN_ITEMS
                .iter()
                .map(|(code, label)| MenuItem { code: *code, label: (*label).to_string() })
                .collect(),
        }
    }
}

/// The number as the sheet prints it: full-width digits (２, ６, １４).
pub fn full_width_number(code: u32) -> String {
    code.to_string().chars().map(|c| char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap_or(c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_full_width() {
        assert_eq!(full_width_number(2), "２");
        assert_eq!(full_width_number(14), "１４");
    }
}
