//! Adding a key: old values still open, are flagged for rotation and re-seal under the new key.

use nimo_vault::{Keyring, VaultError, place};

#[test]
fn after_adding_a_key_old_values_open_and_reseal_under_the_new_one() {
    let mut keyring = Keyring::generate_with_id("k2026a").unwrap();
    let here = place("case_note.body", 7);
    let old = keyring.seal_str("措置入院の経過", &here);
    assert!(!keyring.needs_rotation(&old));

    keyring.add_key_with_id("k2026b").unwrap();
    assert_eq!(keyring.active_key_id(), "k2026b");
    assert_eq!(keyring.key_ids().collect::<Vec<_>>(), ["k2026a", "k2026b"]);
    assert_eq!(keyring.open_str(&old, &here).unwrap(), "措置入院の経過");
    assert!(keyring.needs_rotation(&old));

    let new = keyring.reseal(&old, &here).unwrap();
    assert!(new.starts_with("v1.k2026b."), "{new}");
    assert!(!keyring.needs_rotation(&new));
    assert_eq!(keyring.open_str(&new, &here).unwrap(), "措置入院の経過");
    assert!(keyring.seal_str("新しい値", &here).starts_with("v1.k2026b."));
}

#[test]
fn add_key_picks_the_next_id_and_refuses_duplicates() {
    let mut keyring = Keyring::generate();
    let first = keyring.active_key_id().to_string();
    assert!(first.starts_with('k') && first.ends_with('a'), "{first}");
    let second = keyring.add_key();
    assert_ne!(first, second);
    assert_eq!(keyring.active_key_id(), second);
    assert!(matches!(keyring.add_key_with_id(&first), Err(VaultError::DuplicateKeyId(_))));
    assert!(matches!(keyring.add_key_with_id("bad.id"), Err(VaultError::InvalidKeyId(_))));
}

#[test]
fn resealing_keeps_the_place_binding() {
    let mut keyring = Keyring::generate_with_id("old").unwrap();
    let old = keyring.seal_str("値", &place("person.address", 1));
    keyring.add_key_with_id("new").unwrap();
    assert!(matches!(keyring.reseal(&old, &place("person.address", 2)), Err(VaultError::Open(_))));
    let new = keyring.reseal(&old, &place("person.address", 1)).unwrap();
    assert!(keyring.open(&new, &place("person.address", 2)).is_err());
}

#[test]
fn text_that_is_not_a_sealed_value_needs_rotation_and_fails_to_reseal() {
    let keyring = Keyring::generate_with_id("k1").unwrap();
    assert!(keyring.needs_rotation("平文のまま"));
    assert!(matches!(keyring.reseal("平文のまま", b"x:1"), Err(VaultError::Open(_))));
}
