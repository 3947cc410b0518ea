//! Blind indexes: equal for the same normalised name, different across purposes and rings.

use nimo_vault::{Keyring, normalize_kana_name};

const PURPOSE: &str = "person.name_kana";

#[test]
fn equivalent_ways_of_writing_a_name_share_an_index() {
    let keyring = Keyring::generate_with_id("k1").unwrap();
    let index = |name: &str| keyring.blind_index(PURPOSE, &normalize_kana_name(name));
    let expected = index("やまだ　たろう");
    assert_eq!(index("ヤマダ タロウ"), expected);
    assert_eq!(index("ﾔﾏﾀﾞ ﾀﾛｳ"), expected);
    assert_ne!(index("やまだ　じろう"), expected);
    assert_eq!(expected.len(), 64);
    assert!(expected.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()), "{expected}");
}

#[test]
fn purposes_and_index_keys_keep_indexes_apart() {
    let keyring = Keyring::generate_with_id("k1").unwrap();
    let name = normalize_kana_name("やまだ たろう");
    assert_ne!(keyring.blind_index(PURPOSE, &name), keyring.blind_index("guardian.name_kana", &name));
    // The separator keeps purpose and value from running into each other.
    assert_ne!(keyring.blind_index("ab", "c"), keyring.blind_index("a", "bc"));
    let other = Keyring::generate_with_id("k1").unwrap();
    assert_ne!(keyring.blind_index(PURPOSE, &name), other.blind_index(PURPOSE, &name));
}

#[test]
fn the_index_survives_adding_a_key() {
    let mut keyring = Keyring::generate_with_id("k1").unwrap();
    let before = keyring.blind_index(PURPOSE, "ヤマダタロウ");
    keyring.add_key_with_id("k2").unwrap();
    assert_eq!(keyring.blind_index(PURPOSE, "ヤマダタロウ"), before);
}
