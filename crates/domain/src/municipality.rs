//! Municipalities and their 6-digit 地方公共団体コード (JIS X 0402 with check digit).

use serde::{Deserialize, Serialize};
use std::fmt;
use utoipa::ToSchema;

/// A 6-digit 地方公共団体コード whose check digit is valid, e.g. `131105` for 目黒区.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(example = "131105")]
pub struct MunicipalityCode(String);

/// Why a string is not a valid 地方公共団体コード.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    /// Not six ASCII digits; holds the input as typed (trimmed).
    #[error("地方公共団体コードは半角数字6桁です（入力: {0}）")]
    Shape(String),
    /// The sixth digit does not match the first five.
    #[error("地方公共団体コード {code} の検査数字が正しくありません（正しくは {expected}）")]
    CheckDigit {
        /// The code as typed.
        code: String,
        /// The check digit the first five digits call for.
        expected: u32,
    },
    /// The first two digits are not a prefecture (01–47); holds the code.
    #[error("地方公共団体コード {0} の都道府県番号（先頭2桁）は01〜47です")]
    Prefecture(String),
}

impl MunicipalityCode {
    /// Parses and validates a code: six ASCII digits, prefecture 01–47, and the check digit
    /// `(11 − (Σ dᵢ·wᵢ mod 11)) mod 10` with weights 6,5,4,3,2.
    pub fn parse(input: &str) -> Result<Self, CodeError> {
        let code = input.trim();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CodeError::Shape(code.to_string()));
        }
        let prefecture: u32 = code[..2].parse().unwrap_or(0);
        if !(1..=47).contains(&prefecture) {
            return Err(CodeError::Prefecture(code.to_string()));
        }
        let expected = check_digit(&code[..5]);
        let given = u32::from(code.as_bytes()[5] - b'0');
        if given != expected {
            return Err(CodeError::CheckDigit { code: code.to_string(), expected });
        }
        Ok(Self(code.to_string()))
    }

    /// The code as its six digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The prefecture part (first two digits), e.g. `13` for 東京都.
    pub fn prefecture(&self) -> &str {
        &self.0[..2]
    }
}

/// The check digit for the first five digits of a 地方公共団体コード.
pub fn check_digit(first_five: &str) -> u32 {
    let sum: u32 = first_five.bytes().zip([6u32, 5, 4, 3, 2]).map(|(b, w)| u32::from(b - b'0') * w).sum();
    (11 - sum % 11) % 10
}

impl TryFrom<String> for MunicipalityCode {
    type Error = CodeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<MunicipalityCode> for String {
    fn from(code: MunicipalityCode) -> Self {
        code.0
    }
}

impl fmt::Display for MunicipalityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A municipality (市区町村) or other local authority that keeps sheets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Municipality {
    /// 地方公共団体コード.
    pub code: MunicipalityCode,
    /// Name as written on the sheet, e.g. 目黒区.
    pub name: String,
    /// Prefecture name, e.g. 東京都.
    pub prefecture: String,
}

/// The name of the 保健所 that bed holds name to hospitals, trimmed: not empty, one line of at
/// most 64 characters; otherwise the reason, in Japanese, naming the field.
pub fn health_centre_name(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("保健所の名前を入力してください".into());
    }
    match crate::text::TextRule::line(64).problems(text).into_iter().next() {
        Some(problem) => Err(format!("保健所の名前: {problem}")),
        None => Ok(text.to_string()),
    }
}

/// A number a hospital calls back (an office's), as written in Japan: digits and hyphens,
/// starting with 0, 10 or 11 digits (`03-3715-1111`, `0120-123-456`; full-width digits are
/// taken). Returns it in half-width; otherwise the reason, naming the field.
pub fn callback_phone(text: &str) -> Result<String, String> {
    let text = crate::text::nfkc(text.trim()).replace(['ー', '−', '‐'], "-");
    let digits = text.chars().filter(char::is_ascii_digit).count();
    let shaped = text.chars().all(|c| c.is_ascii_digit() || c == '-')
        && text.starts_with('0')
        && !text.ends_with('-')
        && !text.contains("--");
    if shaped && (10..=11).contains(&digits) {
        Ok(text)
    } else {
        Err("折り返しの電話番号を「03-3715-1111」の形（0から始まる10〜11桁の数字とハイフン）で入力してください".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meguro_is_valid() {
        assert_eq!(MunicipalityCode::parse("131105").unwrap().as_str(), "131105");
        assert_eq!(check_digit("13110"), 5);
    }

    #[test]
    fn known_codes_are_valid() {
        // 札幌市 011002, 千代田区 131016, 大阪市 271004, 那覇市 472018.
        for code in ["011002", "131016", "271004", "472018"] {
            assert!(MunicipalityCode::parse(code).is_ok(), "{code}");
        }
    }

    #[test]
    fn wrong_check_digit_is_refused_with_the_right_one() {
        let err = MunicipalityCode::parse("131106").unwrap_err();
        assert_eq!(err, CodeError::CheckDigit { code: "131106".into(), expected: 5 });
        assert!(err.to_string().contains("正しくは 5"));
    }

    #[test]
    fn bad_shapes_are_refused() {
        for bad in ["13110", "1311050", "13110a", "１３１１０５", ""] {
            assert!(matches!(MunicipalityCode::parse(bad), Err(CodeError::Shape(_))), "{bad}");
        }
        assert!(matches!(MunicipalityCode::parse("481009"), Err(CodeError::Prefecture(_))));
    }

    #[test]
    fn a_call_back_number_is_a_japanese_office_number() {
        assert_eq!(callback_phone(" 03-3715-1111 ").unwrap(), "03-3715-1111");
        assert_eq!(callback_phone("０３ー３７１５ー１１１１").unwrap(), "03-3715-1111");
        assert_eq!(callback_phone("0120123456").unwrap(), "0120123456");
        for bad in [
            "",
            "3715-1111",
            "03-3715-111",
            "03-3715-11112-3",
            "03--3715-1111",
            "03-3715-1111-",
            "電話",
            "+81-3-3715-1111",
        ] {
            assert!(callback_phone(bad).is_err(), "{bad}");
        }
        assert_eq!(health_centre_name(" 目黒区保健所 ").unwrap(), "目黒区保健所");
        assert!(health_centre_name(" ").is_err());
        assert!(health_centre_name(&"保".repeat(65)).unwrap_err().contains("64文字まで"));
        assert!(health_centre_name("目黒\n保健所").is_err());
    }

    proptest::proptest! {
        #[test]
        fn exactly_one_check_digit_fits(first in 1u32..=47, rest in 0u32..1000) {
            let five = format!("{first:02}{rest:03}");
            let valid = (0..10).filter(|d| MunicipalityCode::parse(&format!("{five}{d}")).is_ok()).count();
            proptest::prop_assert_eq!(valid, 1);
        }
    }
}
