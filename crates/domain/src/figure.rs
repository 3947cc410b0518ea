//! A figure on the sheet: a value (or ／ not applicable, or unknown) and whether it was entered
//! by staff or derived by nimo.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The largest count nimo keeps (just under one trillion). The store keeps figures in a float
/// column, so counts must stay far below 2^53; no figure on the sheet comes near this.
pub const MAX_COUNT: i64 = 999_999_999_999;

/// The message for a count outside `0..=MAX_COUNT`, naming the limit.
pub(crate) fn count_range_message() -> String {
    format!("件数・人数は0〜{}の整数です", crate::text::group_thousands(MAX_COUNT))
}

/// Whether a count is one nimo can keep: not negative and at most [`MAX_COUNT`].
pub fn count_in_range(n: i64) -> bool {
    (0..=MAX_COUNT).contains(&n)
}

/// The value of a figure. ／ (not applicable) ≠ 0 ≠ unknown (empty).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    /// A whole count (人, か所, 件, 回).
    Count(i64),
    /// A rate or share in percent, kept to 0.1.
    Rate(f64),
    /// A yes/no choice (有・無).
    YesNo(bool),
    /// ／ on the sheet: the field does not apply to this authority.
    NotApplicable,
    /// Left empty: not known or not reported.
    Unknown,
}

/// Where a figure comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Typed in by staff (or imported), from an outside source.
    Entered,
    /// Computed by nimo from other figures or from its own records.
    Derived,
}

/// A value with its source.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawFigure", into = "RawFigure")]
pub struct Figure {
    /// The value itself.
    pub value: Value,
    /// Whether staff entered it or nimo derived it.
    pub source: Source,
}

impl Figure {
    /// An entered count.
    pub fn count(n: i64) -> Self {
        Self { value: Value::Count(n), source: Source::Entered }
    }

    /// An entered value of any kind.
    pub fn entered(value: Value) -> Self {
        Self { value, source: Source::Entered }
    }

    /// An entered unknown (empty) value.
    pub fn unknown() -> Self {
        Self::entered(Value::Unknown)
    }

    /// The count, if it is one.
    pub fn as_count(&self) -> Option<i64> {
        match self.value {
            Value::Count(n) => Some(n),
            _ => None,
        }
    }

    /// The value as the sheet prints it (without unit): 278,748 / 23.4 / 有 / ／ / empty.
    pub fn display(&self) -> String {
        match self.value {
            Value::Count(n) => crate::text::group_thousands(n),
            Value::Rate(r) => format!("{r:.1}"),
            Value::YesNo(true) => "有".into(),
            Value::YesNo(false) => "無".into(),
            Value::NotApplicable => "／".into(),
            Value::Unknown => String::new(),
        }
    }

    /// The value as a form shows it for editing: plain digits, ／, 有/無 or empty.
    pub fn form_text(&self) -> String {
        match self.value {
            Value::Count(n) => n.to_string(),
            _ => self.display(),
        }
    }

    /// The state name used in the exchange formats: count, rate, yes_no, not_applicable, unknown.
    pub fn state_name(&self) -> &'static str {
        match self.value {
            Value::Count(_) => "count",
            Value::Rate(_) => "rate",
            Value::YesNo(_) => "yes_no",
            Value::NotApplicable => "not_applicable",
            Value::Unknown => "unknown",
        }
    }

    /// The numeric value, if any (counts and rates).
    pub fn number(&self) -> Option<f64> {
        match self.value {
            Value::Count(n) => Some(n as f64),
            Value::Rate(r) => Some(r),
            _ => None,
        }
    }

    /// Builds a figure from its exchange parts (state name, optional number, source). Counts must
    /// be whole numbers in `0..=MAX_COUNT` and rates finite and within 0–100, so that whatever
    /// this accepts can be stored and loaded again.
    pub fn from_parts(state: &str, number: Option<f64>, source: Source) -> Result<Self, String> {
        let value = match (state, number) {
            // The bound is checked on the float, before the cast, so that huge values cannot
            // saturate into range.
            ("count", Some(n)) if n.fract() == 0.0 && (0.0..=MAX_COUNT as f64).contains(&n) => Value::Count(n as i64),
            ("count", Some(n)) if n.is_finite() && n.fract() == 0.0 => {
                return Err(format!("{}（値: {n}）", count_range_message()));
            }
            ("count", Some(n)) => return Err(format!("件数・人数は整数です（値: {n}）")),
            ("rate", Some(r)) if r.is_finite() && (0.0..=100.0).contains(&r) => Value::Rate((r * 10.0).round() / 10.0),
            ("rate", Some(r)) => return Err(format!("割合は0〜100の数値です（値: {r}）")),
            ("yes_no", Some(v)) if v == 0.0 || v == 1.0 => Value::YesNo(v == 1.0),
            ("not_applicable", None) => Value::NotApplicable,
            ("unknown", None) => Value::Unknown,
            ("count" | "rate" | "yes_no", _) => {
                return Err(format!("状態 {state} には値が必要です"));
            }
            ("not_applicable" | "unknown", Some(_)) => {
                return Err(format!("状態 {state} に値は付けられません"));
            }
            _ => {
                return Err(format!(
                    "状態 {state} は不明です（count, rate, yes_no, not_applicable, unknown のいずれか）"
                ));
            }
        };
        Ok(Self { value, source })
    }

    /// Parses what a person types into a form: digits (full-width and commas allowed), a decimal
    /// for rates, ／ or / for not applicable, 有/無, or nothing for unknown.
    pub fn parse_input(input: &str, kind: crate::template::Kind) -> Result<Self, String> {
        use crate::template::Kind;
        let text = crate::text::nfkc(input.trim()).replace([',', '%'], "");
        let value = if text.is_empty() {
            Value::Unknown
        } else if text == "/" {
            Value::NotApplicable
        } else {
            match kind {
                Kind::Count => {
                    let is_digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
                    // Digits alone but too many for i64 are still a number, only too large.
                    match text.parse::<i64>() {
                        Ok(n) if count_in_range(n) => Value::Count(n),
                        Ok(n) if n > MAX_COUNT => return Err(too_large(input)),
                        Err(_) if is_digits => return Err(too_large(input)),
                        _ => return Err(format!("0以上の整数を入力してください（入力: {}）", input.trim())),
                    }
                }
                Kind::Rate => {
                    let r: f64 = text
                        .parse()
                        .ok()
                        .filter(|r: &f64| r.is_finite())
                        .ok_or_else(|| format!("数値を入力してください（入力: {}）", input.trim()))?;
                    if !(0.0..=100.0).contains(&r) {
                        return Err(format!("0〜100の範囲で入力してください（入力: {}）", input.trim()));
                    }
                    Value::Rate((r * 10.0).round() / 10.0)
                }
                Kind::YesNo => match text.as_str() {
                    "有" | "あり" | "1" => Value::YesNo(true),
                    "無" | "なし" | "0" => Value::YesNo(false),
                    _ => {
                        return Err(format!("「有」か「無」を入力してください（入力: {}）", input.trim()));
                    }
                },
            }
        };
        Ok(Self::entered(value))
    }
}

fn too_large(input: &str) -> String {
    format!("{}以下の整数を入力してください（入力: {}）", crate::text::group_thousands(MAX_COUNT), input.trim())
}

/// A figure of the sheet: `{"state":"count","value":278748,"source":"entered"}`. ／ (not
/// applicable) and unknown carry no value.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Figure)]
pub(crate) struct RawFigure {
    /// `count`, `rate` (percent, to 0.1), `yes_no`, `not_applicable` (／) or `unknown` (empty).
    #[schema(example = "count")]
    state: String,
    /// A number for `count` and `rate`, true or false for `yes_no`; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Value>, example = 278748)]
    value: Option<serde_json::Value>,
    source: Source,
}

impl TryFrom<RawFigure> for Figure {
    type Error = String;
    fn try_from(raw: RawFigure) -> Result<Self, Self::Error> {
        let number = match raw.value {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::Number(n)) => n.as_f64(),
            Some(serde_json::Value::Bool(b)) if raw.state == "yes_no" => Some(if b { 1.0 } else { 0.0 }),
            Some(other) => return Err(format!("値は数値です（値: {other}）")),
        };
        Figure::from_parts(&raw.state, number, raw.source)
    }
}

impl From<Figure> for RawFigure {
    fn from(figure: Figure) -> Self {
        let value = match figure.value {
            Value::Count(n) => Some(serde_json::Value::from(n)),
            Value::Rate(r) => Some(serde_json::Value::from(r)),
            Value::YesNo(b) => Some(serde_json::Value::from(b)),
            Value::NotApplicable | Value::Unknown => None,
        };
        RawFigure { state: figure.state_name().to_string(), value, source: figure.source }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::Kind;

    #[test]
    fn exchange_shape_round_trips() {
        for figure in [
            Figure::count(278748),
            Figure { value: Value::Rate(23.4), source: Source::Derived },
            Figure::entered(Value::YesNo(true)),
            Figure::entered(Value::NotApplicable),
            Figure::unknown(),
        ] {
            let json = serde_json::to_string(&figure).unwrap();
            assert_eq!(serde_json::from_str::<Figure>(&json).unwrap(), figure, "{json}");
        }
        assert_eq!(
            serde_json::to_string(&Figure::count(3)).unwrap(),
            r#"{"state":"count","value":3,"source":"entered"}"#
        );
    }

    #[test]
    fn bad_exchange_values_are_refused() {
        for bad in [
            r#"{"state":"count","value":1.5,"source":"entered"}"#,
            r#"{"state":"count","value":"12","source":"entered"}"#,
            r#"{"state":"count","source":"entered"}"#,
            r#"{"state":"unknown","value":3,"source":"entered"}"#,
            r#"{"state":"many","value":3,"source":"entered"}"#,
            r#"{"state":"count","value":3,"source":"typed"}"#,
            r#"{"state":"count","value":3,"source":"entered","extra":1}"#,
        ] {
            assert!(serde_json::from_str::<Figure>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn form_input_is_forgiving_but_exact() {
        assert_eq!(Figure::parse_input("２７８，７４８", Kind::Count).unwrap(), Figure::count(278748));
        assert_eq!(Figure::parse_input("／", Kind::Count).unwrap().value, Value::NotApplicable);
        assert_eq!(Figure::parse_input(" ", Kind::Count).unwrap().value, Value::Unknown);
        assert_eq!(Figure::parse_input("23.44", Kind::Rate).unwrap().value, Value::Rate(23.4));
        assert_eq!(Figure::parse_input("有", Kind::YesNo).unwrap().value, Value::YesNo(true));
        assert!(Figure::parse_input("-1", Kind::Count).unwrap_err().contains("0以上"));
        assert!(Figure::parse_input("12人", Kind::Count).is_err());
        assert!(Figure::parse_input("101", Kind::Rate).is_err());
    }

    #[test]
    fn typed_counts_above_the_limit_are_refused_naming_it() {
        assert_eq!(Figure::parse_input("999,999,999,999", Kind::Count).unwrap(), Figure::count(MAX_COUNT));
        for too_large in ["1,000,000,000,000", "９９９９９９９９９９９９９", "99999999999999999999999"] {
            let message = Figure::parse_input(too_large, Kind::Count).unwrap_err();
            assert!(message.contains("999,999,999,999以下"), "{too_large}: {message}");
        }
        assert!(Figure::parse_input("-5", Kind::Count).unwrap_err().contains("0以上"));
    }

    #[test]
    fn exchange_counts_outside_zero_to_the_limit_are_refused_naming_it() {
        assert_eq!(
            Figure::from_parts("count", Some(MAX_COUNT as f64), Source::Entered).unwrap(),
            Figure::count(MAX_COUNT)
        );
        for bad in [1.0e12, 9.0e15, 1.0e300, -1.0] {
            let message = Figure::from_parts("count", Some(bad), Source::Entered).unwrap_err();
            assert!(message.contains("999,999,999,999"), "{bad}: {message}");
        }
        for not_whole in [f64::NAN, f64::INFINITY, 0.5] {
            assert!(Figure::from_parts("count", Some(not_whole), Source::Entered).is_err(), "{not_whole}");
        }
    }

    #[test]
    fn exchange_rates_must_be_finite_and_within_zero_to_a_hundred() {
        for good in [0.0, 57.3, 100.0] {
            assert_eq!(Figure::from_parts("rate", Some(good), Source::Derived).unwrap().value, Value::Rate(good));
        }
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.1, 100.1, 1.0e9] {
            let message = Figure::from_parts("rate", Some(bad), Source::Derived).unwrap_err();
            assert!(message.contains("0〜100"), "{bad}: {message}");
        }
    }

    proptest::proptest! {
        #[test]
        fn a_count_loads_back_from_a_float_column_exactly_when_it_is_within_the_limit(n in proptest::num::i64::ANY) {
            let loaded = Figure::from_parts("count", Some(n as f64), Source::Entered);
            proptest::prop_assert_eq!(loaded.is_ok(), count_in_range(n));
            if let Ok(figure) = loaded {
                proptest::prop_assert_eq!(figure, Figure::count(n));
            }
        }

        #[test]
        fn every_count_typed_with_separators_within_the_limit_is_read_back(n in 0..=MAX_COUNT) {
            let typed = crate::text::group_thousands(n);
            proptest::prop_assert_eq!(Figure::parse_input(&typed, Kind::Count).unwrap(), Figure::count(n));
        }

        #[test]
        fn every_typed_count_above_the_limit_is_refused(n in (MAX_COUNT as u64 + 1)..=u64::MAX) {
            proptest::prop_assert!(Figure::parse_input(&n.to_string(), Kind::Count).is_err());
        }
    }

    #[test]
    fn displays_like_the_sheet() {
        assert_eq!(Figure::count(157988).display(), "157,988");
        assert_eq!(Figure::entered(Value::Rate(19.3)).display(), "19.3");
        assert_eq!(Figure::entered(Value::NotApplicable).display(), "／");
        assert_eq!(Figure::unknown().display(), "");
    }
}
