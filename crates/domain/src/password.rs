//! The password policy: long enough, not too long, no composition rules, not the login, not a
//! common password, not mostly repetition or a sequence (OWASP ASVS 6.2, NIST SP 800-63B
//! §3.1.1.2). Not a previous password either: that needs the stored hashes, so the store checks it
//! (`nimo_store::accounts::PASSWORD_HISTORY`).
//!
//! Passwords are compared, counted and hashed in their NFKC form ([`normalize`]), so that a
//! password typed with full-width digits on a Japanese IME (`ｐａｓｓ１２３`) is the same password
//! as its half-width form and the policy cannot be dodged by switching width.

use std::collections::HashSet;
use std::sync::LazyLock;
use unicode_normalization::UnicodeNormalization;

/// The fewest characters a password may have.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// The most characters a password may have (long passphrases are welcome; this only bounds the
/// work of hashing).
pub const MAX_PASSWORD_CHARS: usize = 128;

/// The fewest different characters a password may have (`abababababababab` has two).
pub const MIN_DISTINCT_CHARS: usize = 5;

/// The largest share, in per cent, of a password's characters that may follow from the ones
/// before them (a repeated pattern, or the next letter, digit or key) before it is refused.
pub const MAX_PREDICTABLE_PERCENT: usize = 75;

/// Rows of a Japanese (JIS) and US keyboard: walking along one is a sequence too (`asdfghjkl`).
const KEYBOARD_ROWS: [&str; 4] = ["1234567890-^", "qwertyuiop@[", "asdfghjkl;:]", "zxcvbnm,./"];

/// The common passwords nimo refuses, one a line, lower-cased (see the file's header for sources).
const COMMON_PASSWORDS: &str = include_str!("../data/common-passwords.txt");

static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    COMMON_PASSWORDS.lines().map(str::trim_end).filter(|line| !line.is_empty() && !line.starts_with('#')).collect()
});

/// The form of a password that is checked and hashed: NFKC, nothing else (no trimming, no case
/// folding: spaces and case are part of the password).
pub fn normalize(password: &str) -> String {
    password.nfkc().collect()
}

/// Whether a password is on the shipped list of common passwords (case-insensitive, after NFKC).
pub fn is_common(password: &str) -> bool {
    COMMON.contains(normalize(password).to_lowercase().as_str())
}

/// The number of entries in the shipped list of common passwords.
pub fn common_password_count() -> usize {
    COMMON.len()
}

/// Which rule of the password policy a new password breaks. The words for a person are the
/// web's (`nimo_web::error`), so that the policy says what happened and not how to say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Fewer than [`MIN_PASSWORD_CHARS`] characters (after NFKC).
    #[error("password has {chars} characters, fewer than {MIN_PASSWORD_CHARS}")]
    TooShort {
        /// How many characters it has.
        chars: usize,
    },
    /// More than [`MAX_PASSWORD_CHARS`] characters (after NFKC).
    #[error("password has {chars} characters, more than {MAX_PASSWORD_CHARS}")]
    TooLong {
        /// How many characters it has.
        chars: usize,
    },
    /// Fewer than [`MIN_DISTINCT_CHARS`] different characters, or mostly a shorter pattern
    /// repeated (`passwordpassword`, `abcabcabcabc`).
    #[error("password is mostly repetition")]
    Repetitive,
    /// Mostly a sequence: the next or previous letter or digit, or the next key on a keyboard
    /// row (`abcdefgh1234`, `asdfghjkl;:]`).
    #[error("password is mostly a sequence")]
    Sequence,
    /// The login is the password or part of it.
    #[error("password contains the login")]
    ContainsLogin,
    /// On the shipped list of common passwords.
    #[error("password is a common password")]
    Common,
}

/// Checks a new password for an account with this login; the error names the rule that failed.
pub fn check_password_policy(password: &str, login: &str) -> Result<(), PasswordError> {
    let password = normalize(password);
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(PasswordError::TooShort { chars });
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(PasswordError::TooLong { chars });
    }
    let folded = password.to_lowercase();
    let login = normalize(login.trim()).to_lowercase();
    // A login of one or two characters would forbid half the alphabet; for those only equality
    // counts (nimo's own logins are at least three characters long).
    if !login.is_empty() && (folded == login || (login.chars().count() >= 3 && folded.contains(&login))) {
        return Err(PasswordError::ContainsLogin);
    }
    if COMMON.contains(folded.as_str()) {
        return Err(PasswordError::Common);
    }
    let letters: Vec<char> = folded.chars().collect();
    if letters.iter().collect::<HashSet<_>>().len() < MIN_DISTINCT_CHARS || mostly_repeated(&letters) {
        return Err(PasswordError::Repetitive);
    }
    if mostly_sequence(&letters) {
        return Err(PasswordError::Sequence);
    }
    Ok(())
}

/// Whether `count` of `of` characters is more than [`MAX_PREDICTABLE_PERCENT`].
fn too_predictable(count: usize, of: usize) -> bool {
    of > 0 && count * 100 > of * MAX_PREDICTABLE_PERCENT
}

/// Whether, for some period up to half the length, most characters equal the one that many
/// places before them (`passwordpassword1`: period 8, 8 of the 9 characters after the first 8).
fn mostly_repeated(letters: &[char]) -> bool {
    (1..=letters.len() / 2).any(|period| {
        let echoes = letters.iter().skip(period).zip(letters).filter(|(c, earlier)| c == earlier).count();
        too_predictable(echoes, letters.len() - period)
    })
}

/// Whether most characters are the next or previous one after the character before them, in
/// Unicode order (letters, digits, kana) or along a keyboard row.
fn mostly_sequence(letters: &[char]) -> bool {
    let on_keyboard = |a: char, b: char| {
        KEYBOARD_ROWS.iter().any(|row| {
            let row: Vec<char> = row.chars().collect();
            row.windows(2).any(|pair| (pair[0], pair[1]) == (a, b) || (pair[1], pair[0]) == (a, b))
        })
    };
    let steps = letters
        .windows(2)
        .filter(|pair| (u32::from(pair[0])).abs_diff(u32::from(pair[1])) == 1 || on_keyboard(pair[0], pair[1]))
        .count();
    too_predictable(steps, letters.len().saturating_sub(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_unusual_password_passes() {
        assert_eq!(check_password_policy("correct horse battery", "tanaka"), Ok(()));
        assert_eq!(check_password_policy("みどりの窓口で切符を買う", "tanaka"), Ok(()));
    }

    #[test]
    fn short_passwords_are_refused_by_character_count() {
        assert_eq!(check_password_policy("abcdefghijk", "tanaka"), Err(PasswordError::TooShort { chars: 11 }));
        // Twelve characters, 36 bytes: characters are counted, not bytes.
        assert_eq!(check_password_policy("ねこがすきなひとのあつまり", "tanaka"), Ok(()));
        assert!(check_password_policy("ねこがすきなひとのあつ", "tanaka").is_err());
    }

    #[test]
    fn over_long_passwords_are_refused() {
        // 128 different ideographs, in no order.
        let long: String = (0..128u32).filter_map(|i| char::from_u32(0x4E00 + (i * 7919) % 20000)).collect();
        assert_eq!(check_password_policy(&long, "tanaka"), Ok(()));
        assert_eq!(check_password_policy(&format!("{long}c"), "tanaka"), Err(PasswordError::TooLong { chars: 129 }));
    }

    #[test]
    fn no_composition_rules() {
        // All lower case, no digit, no symbol: fine.
        assert_eq!(check_password_policy("riverbanksunsetwalk", "tanaka"), Ok(()));
        assert_eq!(check_password_policy("8261 9935 0471", "tanaka"), Ok(()));
    }

    #[test]
    fn the_login_may_not_be_the_password_or_part_of_it() {
        assert_eq!(check_password_policy("Tanaka.Hanako", "tanaka.hanako"), Err(PasswordError::ContainsLogin));
        assert_eq!(check_password_policy("my-name-is-TANAKA-ok", "tanaka"), Err(PasswordError::ContainsLogin));
        assert!(check_password_policy("ｔａｎａｋａ-is-my-name", "tanaka").is_err(), "full-width login");
        // A two-letter login only forbids itself, not every password holding those letters.
        assert_eq!(check_password_policy("riverbanksunsetwalk", "ri"), Ok(()));
    }

    #[test]
    fn common_passwords_are_refused_whatever_their_case_or_width() {
        for common in
            ["password1234", "PASSWORD1234", "ｐａｓｓｗｏｒｄ１２３４", "qwertyuiopas", "123456789012", "sakura123456"]
        {
            assert_eq!(check_password_policy(common, "tanaka"), Err(PasswordError::Common), "{common}");
        }
        assert!(is_common("winniethepooh"));
        assert!(is_common("123456"), "the short entries are kept too");
        assert!(common_password_count() > 3000);
    }

    #[test]
    fn mostly_repetition_is_refused() {
        for repetitive in [
            "zzzzzzzzzzzzzz",
            "あああああああああああああ",
            "abababababababab",
            "tokyotokyotokyo1",
            "aabbccddaabbccdd",
            "kawanagarekawanagare",
            "kawanagarekawanagare!",
            "ねこまたぎねこまたぎねこ",
        ] {
            assert_eq!(check_password_policy(repetitive, "tanaka"), Err(PasswordError::Repetitive), "{repetitive}");
        }
    }

    #[test]
    fn mostly_a_sequence_is_refused() {
        for sequence in [
            "abcdefghijklmn",
            "abcdefgh1234",
            "9876543210zyx",
            "asdfghjkl;:]",
            "zyxwvutsrqpo",
            "あぃいぅうぇえぉおかがき",
        ] {
            assert_eq!(check_password_policy(sequence, "tanaka"), Err(PasswordError::Sequence), "{sequence}");
        }
    }

    #[test]
    fn passphrases_with_some_repetition_or_order_pass() {
        for fine in ["kawa no nagare 2026", "abc の川は流れて 2026年", "noon moon soon balloon", "1234 りんごとみかん"]
        {
            assert_eq!(check_password_policy(fine, "tanaka"), Ok(()), "{fine}");
        }
    }

    #[test]
    fn full_width_and_half_width_normalize_to_one_password() {
        assert_eq!(normalize("ｐａｓｓ１２３"), "pass123");
        assert_eq!(normalize("Pass 123"), "Pass 123", "case and spaces are kept");
    }
}
