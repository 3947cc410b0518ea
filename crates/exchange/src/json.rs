//! The canonical JSON exchange format: an envelope with `format`, `version` and the sheet.

use crate::error::{FileFormat, ImportError};
use crate::{FORMAT, VERSION};
use nimo_domain::Sheet;
use serde::{Deserialize, Serialize};

/// A sheet as canonical JSON: the envelope that names the format and its version, around the
/// sheet. What `to_json` writes, and the body of the sheet API (which documents it from here).
#[derive(Serialize, utoipa::ToSchema)]
pub struct SheetDocument<'a> {
    /// Always `nimo.jichitai-sheet`.
    #[schema(example = "nimo.jichitai-sheet")]
    pub format: &'a str,
    /// The version of the format (1).
    #[schema(example = 1)]
    pub version: u32,
    /// The sheet.
    pub sheet: &'a Sheet,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EnvelopeIn {
    #[allow(dead_code)]
    format: String,
    #[allow(dead_code)]
    version: u32,
    sheet: Sheet,
}

/// The first look at a document: only the tags, so that a file of another format or a newer
/// version is named as such before its sheet is parsed.
#[derive(Deserialize)]
struct Probe {
    format: Option<serde_json::Value>,
    version: Option<serde_json::Value>,
}

/// The sheet as canonical JSON: `{"format": "nimo.jichitai-sheet", "version": 1, "sheet": {…}}`,
/// pretty-printed with two spaces, UTF-8 without BOM, a trailing newline. Fields come in the
/// order of the domain structs and figures in key order, so equal sheets give equal bytes.
pub fn to_json(sheet: &Sheet) -> Vec<u8> {
    let envelope = SheetDocument { format: FORMAT, version: VERSION, sheet };
    let mut bytes = serde_json::to_vec_pretty(&envelope).expect("a sheet has only string keys and always serialises");
    bytes.push(b'\n');
    bytes
}

/// Reads a sheet from JSON. Checks `format` and `version` first (a newer version gives
/// [`ImportError::NewerVersion`]), then the sheet's shape: unknown fields, missing fields and
/// wrong types are errors naming the JSON path, line and column. A leading UTF-8 BOM is
/// accepted. The sheet is not validated against the menu: that is the caller's job.
pub fn from_json(bytes: &[u8]) -> Result<Sheet, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // serde also reads a struct from an array; the envelope must be an object.
    if let Some(first) = bytes.iter().find(|b| !b.is_ascii_whitespace())
        && *first != b'{'
    {
        return Err(tag_error(".", "JSONの最上位はオブジェクト（{…}）です".into()));
    }
    let probe: Probe = parse(bytes)?;
    check_tags(probe)?;
    let envelope: EnvelopeIn = parse(bytes)?;
    Ok(envelope.sheet)
}

fn parse<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ImportError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        to_import_error(path, error.inner())
    })?;
    deserializer.end().map_err(|error| to_import_error(".".into(), &error))?;
    Ok(value)
}

fn tag_error(path: &str, reason: String) -> ImportError {
    ImportError::Json { path: path.into(), line: None, column: None, reason }
}

fn check_tags(probe: Probe) -> Result<(), ImportError> {
    match probe.format {
        Some(serde_json::Value::String(format)) if format == FORMAT => {}
        None => {
            return Err(tag_error(
                "format",
                format!("format がありません（nimoの自治体情報シートは \"{FORMAT}\" です）"),
            ));
        }
        Some(other) => {
            return Err(tag_error(
                "format",
                format!("形式 {other} はnimoの自治体情報シート（\"{FORMAT}\"）ではありません"),
            ));
        }
    }
    match probe.version {
        None => Err(tag_error("version", format!("version がありません（現在の版は {VERSION} です）"))),
        Some(serde_json::Value::Number(n)) => match n.as_u64() {
            Some(v) if v == u64::from(VERSION) => Ok(()),
            Some(v) if v > u64::from(VERSION) => {
                Err(ImportError::NewerVersion { format: FileFormat::Json, found: v, supported: VERSION })
            }
            _ => Err(tag_error("version", format!("version {n} はありません（1以上の整数です）"))),
        },
        Some(other) => Err(tag_error("version", format!("version は整数です（値: {other}）"))),
    }
}

fn to_import_error(path: String, error: &serde_json::Error) -> ImportError {
    let (line, column) = (error.line(), error.column());
    let message = error.to_string();
    let message = message.strip_suffix(&format!(" at line {line} column {column}")).unwrap_or(&message);
    let reason = match error.classify() {
        serde_json::error::Category::Eof => {
            "JSONが途中で終わっています（ファイルが切れている可能性があります）".to_string()
        }
        serde_json::error::Category::Syntax if message == "trailing characters" => {
            "JSONの後に余分な文字があります".to_string()
        }
        serde_json::error::Category::Syntax => format!("JSONの構文が正しくありません（{message}）"),
        serde_json::error::Category::Io => format!("読み込めません（{message}）"),
        serde_json::error::Category::Data => japanese_reason(message),
    };
    ImportError::Json { path, line: (line > 0).then_some(line), column: (line > 0).then_some(column), reason }
}

/// Words of a serde message between backquotes: "unknown field `x`" gives `["x"]`.
fn quoted(message: &str) -> Vec<&str> {
    message.split('`').skip(1).step_by(2).collect()
}

/// serde's English data errors in Japanese; messages from the domain (already Japanese) pass.
fn japanese_reason(message: &str) -> String {
    let words = quoted(message);
    if message.starts_with("missing field") {
        format!("必須の項目「{}」がありません", words.join(""))
    } else if message.starts_with("unknown field") {
        match words.split_first() {
            Some((field, [])) => format!("不明な項目「{field}」です"),
            Some((field, known)) => {
                format!("不明な項目「{field}」です（使える項目: {}）", known.join(", "))
            }
            None => format!("不明な項目です（{message}）"),
        }
    } else if message.starts_with("unknown variant") {
        match words.split_first() {
            Some((value, known)) => {
                format!("不明な値「{value}」です（使える値: {}）", known.join(", "))
            }
            None => format!("不明な値です（{message}）"),
        }
    } else if message.starts_with("duplicate field") {
        format!("項目「{}」が重複しています", words.join(""))
    } else if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        format!("型が違います（値: {}、必要な型: {}）", japanese_type(found), japanese_type(expected))
    } else if let Some(rest) = message.strip_prefix("invalid value: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        format!("値が範囲外です（値: {}、必要な値: {}）", japanese_type(found), japanese_type(expected))
    } else if message.starts_with("invalid length") {
        format!("要素の数が違います（{message}）")
    } else {
        message.to_string()
    }
}

fn japanese_type(text: &str) -> String {
    let text = text.replace('`', "");
    let named = match text.as_str() {
        "u8" => "0〜255の整数",
        "u16" | "u32" | "u64" => "0以上の整数",
        "i8" | "i16" | "i32" | "i64" => "整数",
        "a string" | "string" => "文字列",
        "a sequence" | "sequence" => "配列",
        "a map" | "map" => "オブジェクト",
        "a boolean" => "真偽値",
        "null" => "null",
        _ if text.starts_with("struct ") => "オブジェクト",
        _ if text.starts_with("string ") => return format!("文字列 {}", &text[7..]),
        _ if text.starts_with("integer ") => return format!("整数 {}", &text[8..]),
        _ if text.starts_with("floating point ") => return format!("小数 {}", &text[15..]),
        _ if text.starts_with("boolean ") => return format!("真偽値 {}", &text[8..]),
        _ => return text,
    };
    named.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_read_in_japanese() {
        assert_eq!(
            japanese_reason("unknown field `colour`, expected `code` or `name`"),
            "不明な項目「colour」です（使える項目: code, name）"
        );
        assert_eq!(japanese_reason("missing field `slogan`"), "必須の項目「slogan」がありません");
        assert_eq!(
            japanese_reason("invalid type: string \"2022\", expected i32"),
            "型が違います（値: 文字列 \"2022\"、必要な型: 整数）"
        );
    }

    #[test]
    fn the_envelope_comes_first_and_ends_with_a_newline() {
        let json = to_json(&nimo_domain::demo::meguro_r4());
        let text = String::from_utf8(json).unwrap();
        assert!(text.starts_with("{\n  \"format\": \"nimo.jichitai-sheet\",\n  \"version\": 1,\n  \"sheet\": {\n"));
        assert!(text.ends_with("}\n"));
    }
}
