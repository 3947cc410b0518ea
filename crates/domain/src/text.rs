//! Text helpers: the sheet keeps text verbatim; comparisons happen after NFKC.

use unicode_normalization::UnicodeNormalization;

/// NFKC form of a text (％→%, ２→2, full-width letters to ASCII), for comparing and parsing.
pub fn nfkc(text: &str) -> String {
    text.nfkc().collect()
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
    fn nfkc_folds_full_width() {
        assert_eq!(nfkc("２３．４％"), "23.4%");
    }
}
