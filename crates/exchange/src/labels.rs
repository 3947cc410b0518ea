//! The Japanese words the spreadsheet views (CSV and XLSX) write for a figure's state and source,
//! and their reading back: either those words or the codes of the JSON format (`count`,
//! `entered`), so that files written before the words, or by hand with the codes, still import.

use nimo_domain::figure::{Figure, Source};

/// Each state code of the JSON format with the word the spreadsheets write for it.
pub const STATES: [(&str, &str); 5] =
    [("count", "数"), ("rate", "割合"), ("yes_no", "有無"), ("not_applicable", "該当なし"), ("unknown", "不明")];

/// Each source with the word the spreadsheets write for it (the sheet page's own words), and
/// the other words read as it.
const SOURCES: [(Source, &str, &[&str]); 2] =
    [(Source::Entered, "入力", &["entered", ""]), (Source::Derived, "自動計算", &["derived", "計算"])];

/// The word for a figure's state: `数`, `割合`, `有無`, `該当なし` or `不明`.
pub fn state_label(figure: &Figure) -> &'static str {
    let code = figure.state_name();
    STATES.iter().find(|(c, _)| *c == code).map_or(code, |(_, label)| label)
}

/// The state code of a word or a code (surrounding spaces ignored); `None` for anything else.
pub fn state_code(text: &str) -> Option<&'static str> {
    let text = text.trim();
    STATES.iter().find(|(code, label)| *code == text || *label == text).map(|(code, _)| *code)
}

/// The reason given for a state that is neither a word nor a code.
pub fn unknown_state(text: &str) -> String {
    let words: Vec<&str> = STATES.iter().map(|(_, label)| *label).collect();
    format!("状態「{}」は {} のいずれかです", text.trim(), words.join("・"))
}

/// The word for a source: `入力` or `自動計算`.
pub fn source_label(source: Source) -> &'static str {
    SOURCES.iter().find(|(s, _, _)| *s == source).map_or("入力", |(_, label, _)| label)
}

/// The source of a word or a code; an empty cell is 入力.
pub fn parse_source(text: &str) -> Result<Source, String> {
    let text = text.trim();
    SOURCES
        .iter()
        .find(|(_, label, others)| *label == text || others.contains(&text))
        .map(|(source, _, _)| *source)
        .ok_or_else(|| format!("出典「{text}」は 入力 か 自動計算 です"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nimo_domain::figure::Value;

    #[test]
    fn every_state_and_source_reads_back_from_its_word_and_its_code() {
        for value in [Value::Count(3), Value::Rate(1.5), Value::YesNo(true), Value::NotApplicable, Value::Unknown] {
            let figure = Figure::entered(value);
            assert_eq!(state_code(state_label(&figure)), Some(figure.state_name()));
            assert_eq!(state_code(&format!(" {} ", figure.state_name())), Some(figure.state_name()));
            assert!(!state_label(&figure).is_ascii(), "{value:?} has a Japanese word");
        }
        for source in [Source::Entered, Source::Derived] {
            assert_eq!(parse_source(source_label(source)), Ok(source));
        }
        assert_eq!(parse_source("entered"), Ok(Source::Entered));
        assert_eq!(parse_source("derived"), Ok(Source::Derived));
        assert_eq!(parse_source(""), Ok(Source::Entered));
        assert_eq!(state_code("counts"), None);
        assert_eq!(unknown_state(" x "), "状態「x」は 数・割合・有無・該当なし・不明 のいずれかです");
        assert_eq!(parse_source("手入力"), Err("出典「手入力」は 入力 か 自動計算 です".into()));
    }
}
