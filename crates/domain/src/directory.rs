//! The resource directory (社会資源名簿) of the にも包括 network: the types of organisation and
//! their labels as data (with the law a category comes from), the specialties of 専門事業所, one
//! organisation as entered and its checks, and the search key that makes 「めぐろ」「メグロ」「ﾒｸﾞﾛ」
//! and 「目黒」 find the same records.

mod kinds;
mod organisation;

pub use kinds::{OrgType, Specialty};
pub use organisation::{FieldProblem, Memberships, Organisation, ServiceCode, parse_coordinates};

use unicode_normalization::UnicodeNormalization;

/// The key a name or reading is stored and searched by: NFKC (half-width ｶﾅ and full-width
/// letters become their usual form), katakana as hiragana, letters in lower case, without spaces
/// and 「・」. Kanji stay as they are: 「めぐろ」 finds 目黒 through the reading, which is kept
/// beside the name.
pub fn search_key(text: &str) -> String {
    text.nfkc()
        .flat_map(char::to_lowercase)
        .filter(|c| !c.is_whitespace() && *c != '・' && *c != '･')
        .map(|c| match c {
            // Katakana ァ (U+30A1) … ヶ (U+30F6) lie 0x60 above their hiragana.
            'ァ'..='ヶ' => char::from_u32(u32::from(c) - 0x60).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// Whether a reading holds only kana (hiragana or katakana, 「ー」, spaces, 「・」) after NFKC.
pub fn is_reading(text: &str) -> bool {
    text.nfkc()
        .all(|c| matches!(c, 'ぁ'..='ゖ' | 'ァ'..='ヺ' | 'ー' | '・' | 'ゝ' | 'ゞ' | 'ヽ' | 'ヾ') || c.is_whitespace())
}

#[cfg(test)]
mod tests;
