//! JSON: byte-identical round trips and errors that name path, line and reason.

use crate::{assert_mentions, demo};
use nimo_exchange::{FileFormat, ImportError, from_json, to_json};

fn demo_json() -> String {
    String::from_utf8(to_json(&demo())).unwrap()
}

/// The 1-based line of the first occurrence of a text.
fn line_of(json: &str, text: &str) -> usize {
    json.lines().position(|l| l.contains(text)).unwrap() + 1
}

#[test]
fn the_demo_sheet_round_trips_byte_for_byte() {
    let first = to_json(&demo());
    let sheet = from_json(&first).unwrap();
    assert_eq!(sheet, demo());
    assert_eq!(to_json(&sheet), first);
}

#[test]
fn the_sheet_part_is_the_fixture() {
    let envelope: serde_json::Value = serde_json::from_slice(&to_json(&demo())).unwrap();
    let fixture: serde_json::Value = serde_json::from_str(nimo_domain::demo::MEGURO_R4_JSON).unwrap();
    assert_eq!(envelope["format"], "nimo.jichitai-sheet");
    assert_eq!(envelope["version"], 1);
    assert_eq!(envelope["sheet"], fixture);
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(to_json(&demo()));
    assert_eq!(from_json(&bytes).unwrap(), demo());
}

#[test]
fn a_wrong_type_names_the_path_line_and_reason() {
    let json = demo_json().replace("\"fiscal_year\": 2022", "\"fiscal_year\": \"2022\"");
    let error = from_json(json.as_bytes()).unwrap_err();
    let line = line_of(&json, "\"fiscal_year\"");
    assert_eq!(error.row(), Some(line));
    assert_mentions(&error, &["sheet.fiscal_year", &format!("{line}行目"), "型が違います", "文字列"]);
}

#[test]
fn a_count_with_a_fraction_is_refused_where_it_is() {
    let json = demo_json().replace("\"value\": 157988", "\"value\": 157988.5");
    let error = from_json(json.as_bytes()).unwrap_err();
    assert_mentions(&error, &["sheet.basic.figures.households", "整数", "157988.5"]);
}

#[test]
fn a_missing_field_is_named() {
    let json = demo_json().replace("\"slogan\": \"～さくら咲き 心地よいまち ずっと めぐろ～\",\n", "");
    let error = from_json(json.as_bytes()).unwrap_err();
    assert_mentions(&error, &["sheet.header", "必須の項目「slogan」がありません"]);
}

#[test]
fn an_unknown_field_is_an_error_not_lost_data() {
    let json = demo_json().replace("\"slogan\":", "\"colour\": \"red\",\n    \"slogan\":");
    let error = from_json(json.as_bytes()).unwrap_err();
    assert_mentions(&error, &["sheet.header", "不明な項目「colour」", "slogan"]);
    let json = demo_json().replace("\"version\": 1,", "\"version\": 1,\n  \"extra\": true,");
    assert_mentions(&from_json(json.as_bytes()).unwrap_err(), &["不明な項目「extra」"]);
}

#[test]
fn unknown_or_missing_format_is_refused() {
    let json = demo_json().replace("nimo.jichitai-sheet", "other.format");
    assert_mentions(&from_json(json.as_bytes()).unwrap_err(), &["format", "other.format"]);
    let json = demo_json().replace("  \"format\": \"nimo.jichitai-sheet\",\n", "");
    assert_mentions(&from_json(json.as_bytes()).unwrap_err(), &["format がありません"]);
    // A bare sheet (the fixture) has no envelope.
    let error = from_json(nimo_domain::demo::MEGURO_R4_JSON.as_bytes()).unwrap_err();
    assert_mentions(&error, &["format がありません"]);
}

#[test]
fn a_newer_version_says_so() {
    let json = demo_json().replace("\"version\": 1", "\"version\": 2");
    let error = from_json(json.as_bytes()).unwrap_err();
    assert!(matches!(error, ImportError::NewerVersion { format: FileFormat::Json, found: 2, supported: 1 }));
    assert_mentions(&error, &["version 2", "version 1 まで"]);
    for bad in ["\"version\": 0", "\"version\": \"1\"", "\"version\": 1.5"] {
        let json = demo_json().replace("\"version\": 1", bad);
        assert_mentions(&from_json(json.as_bytes()).unwrap_err(), &["version"]);
    }
}

#[test]
fn a_broken_municipality_code_names_the_check_digit() {
    let json = demo_json().replace("\"131105\"", "\"131106\"");
    let error = from_json(json.as_bytes()).unwrap_err();
    assert_mentions(&error, &["sheet.municipality.code", "検査数字", "正しくは 5"]);
}

#[test]
fn a_truncated_file_is_named_as_truncated() {
    let json = demo_json();
    let error = from_json(&json.as_bytes()[..json.len() / 2]).unwrap_err();
    assert_mentions(&error, &["途中で終わっています", "行目"]);
    assert_mentions(&from_json(b"").unwrap_err(), &["途中で終わっています"]);
    assert_mentions(&from_json(b"{\"format\": }").unwrap_err(), &["構文"]);
    assert_mentions(&from_json(b"[\"nimo.jichitai-sheet\", 1]").unwrap_err(), &["オブジェクト"]);
    assert_mentions(&from_json(format!("{json}x").as_bytes()).unwrap_err(), &["余分な文字"]);
}

#[test]
fn the_menu_is_not_checked_on_import() {
    let json = demo_json().replace("\"menu_code\": 2", "\"menu_code\": 99");
    let sheet = from_json(json.as_bytes()).unwrap();
    assert_eq!(sheet.strengths.items[0].menu_code, 99);
}
