//! Sealed values open only with the ring that sealed them and only in the place they were
//! sealed for; every way of spoiling one fails with the same kind of error.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use nimo_vault::{Keyring, OpenError, VaultError, place};

const NAME: &str = "山田 太郎";

fn keyring() -> Keyring {
    Keyring::generate_with_id("k2026a").unwrap()
}

#[track_caller]
fn assert_does_not_open(result: Result<Vec<u8>, VaultError>) -> OpenError {
    match result {
        Err(VaultError::Open(reason)) => reason,
        other => panic!("expected VaultError::Open, got {other:?}"),
    }
}

#[test]
fn a_sealed_value_opens_to_what_was_sealed() {
    let keyring = keyring();
    let here = place("person.name_kanji", 42);
    let sealed = keyring.seal_str(NAME, &here);
    assert!(sealed.starts_with("v1.k2026a."), "{sealed}");
    assert!(!sealed.contains(NAME));
    assert_eq!(keyring.open_str(&sealed, &here).unwrap(), NAME);
    let bytes = [0u8, 1, 2, 255];
    assert_eq!(keyring.open(&keyring.seal(&bytes, b"blob:1"), b"blob:1").unwrap(), bytes);
    assert_eq!(keyring.open(&keyring.seal(b"", b"empty:1"), b"empty:1").unwrap(), b"");
}

#[test]
fn sealing_the_same_value_twice_gives_different_text() {
    let keyring = keyring();
    let here = place("person.name_kanji", 42);
    let first = keyring.seal_str(NAME, &here);
    let second = keyring.seal_str(NAME, &here);
    assert_ne!(first, second, "a fresh nonce per value");
    assert_eq!(keyring.open_str(&second, &here).unwrap(), NAME);
}

#[test]
fn a_value_copied_to_another_row_or_column_does_not_open() {
    let keyring = keyring();
    let sealed = keyring.seal_str(NAME, &place("person.name_kanji", 42));
    let other_row = assert_does_not_open(keyring.open(&sealed, &place("person.name_kanji", 43)));
    let other_column = assert_does_not_open(keyring.open(&sealed, &place("person.address", 42)));
    assert_eq!(other_row, OpenError::Rejected);
    assert_eq!(other_column, OpenError::Rejected);
}

#[test]
fn every_spoiled_value_fails_with_the_same_error_kind() {
    let keyring = keyring();
    let here = place("person.name_kanji", 42);
    let sealed = keyring.seal_str(NAME, &here);
    let (header, body) = sealed.rsplit_once('.').unwrap();

    // Every single flipped bit of the nonce, ciphertext and tag.
    let bytes = URL_SAFE_NO_PAD.decode(body).unwrap();
    for bit in 0..bytes.len() * 8 {
        let mut flipped = bytes.clone();
        flipped[bit / 8] ^= 1 << (bit % 8);
        let flipped = format!("{header}.{}", URL_SAFE_NO_PAD.encode(flipped));
        assert_eq!(assert_does_not_open(keyring.open(&flipped, &here)), OpenError::Rejected);
    }
    // A changed character of the text, including the last one (whose spare bits must be zero).
    for index in 0..body.len() {
        let mut chars: Vec<char> = body.chars().collect();
        chars[index] = if chars[index] == 'A' { 'B' } else { 'A' };
        let changed = format!("{header}.{}", chars.into_iter().collect::<String>());
        assert_does_not_open(keyring.open(&changed, &here));
    }
    // Truncated at every length.
    for length in 0..sealed.len() {
        assert_does_not_open(keyring.open(&sealed[..length], &here));
    }
    // Not a sealed value at all, or of another version.
    for text in ["", "山田", "v1", "v1..", "v2.k2026a.AAAA", &sealed.replacen("v1.", "v2.", 1), &format!("{sealed}=")]
    {
        assert_does_not_open(keyring.open(text, &here));
    }
    // A key that the ring does not hold.
    let unknown = assert_does_not_open(keyring.open(&sealed.replacen("k2026a", "k1999z", 1), &here));
    assert_eq!(unknown, OpenError::UnknownKey("k1999z".into()));
    // Another ring with a key of the same name.
    assert_does_not_open(self::keyring().open(&sealed, &here));
}

#[test]
fn errors_never_quote_the_value() {
    let keyring = keyring();
    let sealed = keyring.seal_str(NAME, b"a:1");
    let message = keyring.open(&sealed, b"a:2").unwrap_err().to_string();
    assert!(message.contains("改ざんされたか、別の場所の値です"), "{message}");
    assert!(!message.contains(&sealed) && !message.contains(NAME), "{message}");
}
