//! Text helpers: the sheet keeps text verbatim; comparisons happen after NFKC.

use std::borrow::Cow;
use unicode_normalization::UnicodeNormalization;

/// NFKC form of a text (％→%, ２→2, full-width letters to ASCII), for comparing and parsing.
pub fn nfkc(text: &str) -> String {
    text.nfkc().collect()
}

/// What a free-text field may hold: at most `max_chars` characters, line breaks only when
/// `multi_line`, tabs only when `tabs`. Every text nimo takes in (the sheet's fields, case and
/// plan forms) is checked by [`TextRule::problems`], so one text is refused for the same reasons
/// wherever it is typed; which field allows what is data beside the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextRule {
    /// The most characters (Unicode scalar values).
    pub max_chars: usize,
    /// Whether line breaks are allowed.
    pub multi_line: bool,
    /// Whether tabs are allowed (notes pasted from other software; the printed sheet has no tab
    /// stops, so its texts allow none).
    pub tabs: bool,
}

impl TextRule {
    /// A one-line text of at most `max_chars` characters.
    pub const fn line(max_chars: usize) -> Self {
        Self { max_chars, multi_line: false, tabs: false }
    }

    /// A multi-line note of at most `max_chars` characters: line breaks and tabs allowed.
    pub const fn lines(max_chars: usize) -> Self {
        Self { max_chars, multi_line: true, tabs: true }
    }

    /// Every problem of a text under this rule, in Japanese, most basic first (empty when it is
    /// fine): a control character (NUL, CR, DEL…; a line break and a tab only where allowed:
    /// forms turn CRLF into LF first), a line break in a one-line text, U+FFFD left by a wrong
    /// character encoding, and the length.
    pub fn problems(self, text: &str) -> Vec<String> {
        let mut problems = Vec::new();
        let allowed = |c: char| c == '\n' || (c == '\t' && self.tabs);
        if let Some(c) = text.chars().find(|c| c.is_ascii_control() && !allowed(*c)) {
            problems.push(format!("制御文字（U+{:04X}）は使えません", u32::from(c)));
        }
        if !self.multi_line && text.contains('\n') {
            problems.push("改行は使えません".to_string());
        }
        if text.contains('\u{FFFD}') {
            problems.push(
                "文字化けした文字（\u{FFFD}）が含まれています。元のファイルの文字コードを確認してください".to_string(),
            );
        }
        let length = text.chars().count();
        if length > self.max_chars {
            problems.push(format!(
                "{}文字までです（{}文字あります）",
                group_thousands(self.max_chars as i64),
                group_thousands(length as i64)
            ));
        }
        problems
    }
}

/// A CSV cell a spreadsheet will not evaluate (OWASP "CSV injection"): text starting with `=`,
/// `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, unless it is a plain number
/// (`-3`, `+2.5`), which stays a number. Text that already starts with `'` before such a start
/// gets one more, so that [`from_spreadsheet_cell`] gives back exactly what was written. Every
/// CSV nimo writes passes its cells through here.
pub fn spreadsheet_cell(cell: &str) -> Cow<'_, str> {
    if needs_quote(cell) { format!("'{cell}").into() } else { cell.into() }
}

/// The text of a cell [`spreadsheet_cell`] wrote, its added `'` taken off again, so that a CSV
/// nimo reads back round-trips.
pub fn from_spreadsheet_cell(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if needs_quote(rest) => rest,
        _ => cell,
    }
}

/// Whether a spreadsheet would evaluate the text after its leading `'`s.
fn needs_quote(cell: &str) -> bool {
    let text = cell.trim_start_matches('\'');
    text.starts_with(['=', '+', '-', '@', '\t', '\r']) && !is_plain_number(text)
}

/// `[+-]digits[.digits]`: what a spreadsheet reads as a number, not a formula.
fn is_plain_number(cell: &str) -> bool {
    let unsigned = cell.strip_prefix(['+', '-']).unwrap_or(cell);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, "0"));
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && digits(fraction)
}

/// Formats an integer with thousands separators, as the sheet prints counts: 278,748.
pub fn group_thousands(value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if value < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands() {
        assert_eq!(group_thousands(278748), "278,748");
        assert_eq!(group_thousands(48), "48");
        assert_eq!(group_thousands(-1000), "-1,000");
        assert_eq!(group_thousands(0), "0");
    }

    #[test]
    fn a_text_rule_names_each_problem() {
        let note = TextRule::lines(5);
        assert!(note.problems("一行\n\t二").is_empty());
        assert_eq!(note.problems("a\0b"), ["制御文字（U+0000）は使えません"]);
        assert_eq!(note.problems("a\rb"), ["制御文字（U+000D）は使えません"]);
        assert_eq!(note.problems("あいうえおか"), ["5文字までです（6文字あります）"]);
        let line = TextRule::line(100);
        assert_eq!(line.problems("a\tb"), ["制御文字（U+0009）は使えません"]);
        assert_eq!(line.problems("a\nb"), ["改行は使えません"]);
    }

    #[test]
    fn formulas_are_made_inert_and_numbers_stay_numbers() {
        for (cell, written) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+1+1", "'+1+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("-", "'-"),
            ("-3", "-3"),
            ("+2.5", "+2.5"),
            ("278748", "278748"),
            ("192.0.2.1", "192.0.2.1"),
            ("精神科病院", "精神科病院"),
            ("'=x", "''=x"),
            ("'abc", "'abc"),
        ] {
            assert_eq!(spreadsheet_cell(cell), written, "{cell:?}");
            assert_eq!(from_spreadsheet_cell(&spreadsheet_cell(cell)), cell, "{cell:?} round-trips");
        }
    }

    #[test]
    fn nfkc_folds_full_width() {
        assert_eq!(nfkc("２３．４％"), "23.4%");
    }
}
