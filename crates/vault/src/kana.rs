//! Normalising a kana name for the blind index, so that the ways people and systems write the
//! same reading (hiragana or katakana, half-width, with or without spaces and dots) match.

use unicode_normalization::UnicodeNormalization;

/// The form of a kana name that is indexed and searched for.
///
/// 1. NFKC: half-width ｶﾀｶﾅ becomes full-width (ﾀﾞ → ダ), full-width letters and digits become
///    ASCII, U+3000 becomes a plain space.
/// 2. Separators go: all white space, middle dots (・ · ‧ ∙ ⋅ •), hyphens and dashes (- ‐ ‑ ‒ –
///    — ― −) and the double hyphens of foreign names (= ゠). The long-vowel mark ー stays:
///    「ユーコ」 and 「ユコ」 are different names.
/// 3. Hiragana becomes katakana (ゝゞ → ヽヾ as well).
/// 4. Small kana become large: ァ → ア, ッ → ツ, ャ → ヤ, ヮ → ワ, ヵ → カ, ヶ → ケ. Many older
///    systems (bank and insurance kana, 全銀 half-width fields) have no small kana and write
///    「キヨウコ」 for 「キョウコ」; a search must still find her. The price is that the rare pair
///    of names differing only in a small kana share an index; the index only proposes
///    candidates, and staff confirm them by full name and birth date.
/// 5. NFC, so that a voicing mark left apart by step 1 (か゛) joins its kana (ガ).
///
/// Not folded, because they are different spellings of a registered reading: voiced and plain
/// kana (ガ/カ), ヴ/ブ, ヂ/ジ, ヅ/ズ, ヲ/オ, and the case of Latin letters.
///
/// ```
/// use nimo_vault::normalize_kana_name;
/// assert_eq!(normalize_kana_name("やまだ　たろう"), "ヤマダタロウ");
/// assert_eq!(normalize_kana_name("ﾔﾏﾀﾞ ﾀﾛｳ"), "ヤマダタロウ");
/// assert_eq!(normalize_kana_name("きょうこ"), "キヨウコ");
/// ```
pub fn normalize_kana_name(name: &str) -> String {
    let compatible: String = name.nfkc().collect();
    let folded: String =
        compatible.chars().filter(|c| !is_separator(*c)).map(|c| small_to_large(hiragana_to_katakana(c))).collect();
    folded.nfc().collect()
}

fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            // Middle dots: katakana, Latin-1, hyphenation point, bullet operator, dot operator, bullet.
            '\u{30FB}' | '\u{00B7}' | '\u{2027}' | '\u{2219}' | '\u{22C5}' | '\u{2022}'
            // Hyphens, dashes and minus signs (after NFKC, ｰ is ー and stays).
            | '-' | '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}' | '\u{2212}' | '\u{2043}'
            // Double hyphens between the parts of a foreign name.
            | '=' | '\u{30A0}'
        )
}

fn hiragana_to_katakana(c: char) -> char {
    match c {
        // ぁ…ゖ and ゝゞ sit exactly 0x60 below their katakana.
        '\u{3041}'..='\u{3096}' | '\u{309D}' | '\u{309E}' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
        _ => c,
    }
}

fn small_to_large(c: char) -> char {
    match c {
        // ァィゥェォ (odd code points) → アイウエオ; ッ → ツ; ャュョ → ヤユヨ; ヮ → ワ.
        'ァ' | 'ィ' | 'ゥ' | 'ェ' | 'ォ' | 'ッ' | 'ャ' | 'ュ' | 'ョ' | 'ヮ' => {
            char::from_u32(c as u32 + 1).unwrap_or(c)
        }
        'ヵ' => 'カ',
        'ヶ' => 'ケ',
        // Small katakana of the phonetic extensions block (Ainu).
        'ㇰ' => 'ク',
        'ㇱ' => 'シ',
        'ㇲ' => 'ス',
        'ㇳ' => 'ト',
        'ㇴ' => 'ヌ',
        'ㇵ' => 'ハ',
        'ㇶ' => 'ヒ',
        'ㇷ' => 'フ',
        'ㇸ' => 'ヘ',
        'ㇹ' => 'ホ',
        'ㇺ' => 'ム',
        'ㇻ' => 'ラ',
        'ㇼ' => 'リ',
        'ㇽ' => 'ル',
        'ㇾ' => 'レ',
        'ㇿ' => 'ロ',
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_three_ways_of_writing_yamada_taro_match() {
        for written in ["やまだ　たろう", "ヤマダ タロウ", "ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ・タロウ", " やまだたろう "]
        {
            assert_eq!(normalize_kana_name(written), "ヤマダタロウ", "{written}");
        }
    }

    #[test]
    fn small_kana_become_large() {
        assert_eq!(normalize_kana_name("きょうこ"), normalize_kana_name("キヨウコ"));
        assert_eq!(normalize_kana_name("ﾊｯﾄﾘ"), "ハツトリ");
        assert_eq!(normalize_kana_name("ゎヮゕゖヵヶぁァ"), "ワワカケカケアア");
    }

    #[test]
    fn long_vowel_marks_and_voicing_stay() {
        assert_eq!(normalize_kana_name("ゆーこ"), "ユーコ");
        assert_eq!(normalize_kana_name("ﾕｰｺ"), "ユーコ");
        assert_ne!(normalize_kana_name("ゆーこ"), normalize_kana_name("ゆこ"));
        assert_ne!(normalize_kana_name("がく"), normalize_kana_name("かく"));
        assert_ne!(normalize_kana_name("ヴィ"), normalize_kana_name("ビ"));
    }

    #[test]
    fn separators_of_foreign_names_go() {
        assert_eq!(normalize_kana_name("ジョン＝スミス"), "ジヨンスミス");
        assert_eq!(normalize_kana_name("ジョン゠スミス"), "ジヨンスミス");
        assert_eq!(normalize_kana_name("ジョン‐スミス"), "ジヨンスミス");
        assert_eq!(normalize_kana_name("ジョン･スミス"), "ジヨンスミス");
    }

    #[test]
    fn a_detached_voicing_mark_joins_its_kana() {
        assert_eq!(normalize_kana_name("か゛く"), "ガク");
        assert_eq!(normalize_kana_name("か\u{3099}く"), "ガク");
    }

    /// Characters that the normalisation treats specially, mixed with arbitrary ones below.
    const INTERESTING: &str =
        "あぁかがゝゞゎゕゖアァカガヽヾヮヵヶッャーｱｧｶﾞﾟｰﾞ･・ 　-‐－＝゠゛゜\u{3099}\u{309A}ㇰヴゔｳﾞAａ１ゟヿ";

    fn name() -> impl Strategy<Value = String> {
        let interesting: Vec<char> = INTERESTING.chars().collect();
        prop::collection::vec(prop_oneof![3 => prop::sample::select(interesting), 1 => any::<char>()], 0..24)
            .prop_map(|chars| chars.into_iter().collect())
    }

    proptest! {
        #[test]
        fn normalising_twice_changes_nothing(name in name()) {
            let once = normalize_kana_name(&name);
            prop_assert_eq!(normalize_kana_name(&once), once);
        }
    }
}
