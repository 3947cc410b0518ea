//! Key files: written with mode 0600, never overwritten, refused when others can read them,
//! and never shown by `Debug`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use nimo_vault::{Keyring, VaultError};
use std::path::Path;

/// Every base64 value in a key file's text.
fn key_material(toml: &str) -> Vec<String> {
    toml.lines()
        .filter(|line| !line.starts_with('#') && !line.starts_with("active"))
        .filter_map(|line| line.split_once(" = \"").map(|(_, value)| value.trim_end_matches('"').to_string()))
        .collect()
}

#[test]
fn debug_shows_key_ids_but_no_key_material() {
    let mut keyring = Keyring::generate_with_id("k2026a").unwrap();
    keyring.add_key_with_id("k2026b").unwrap();
    let toml = keyring.to_toml();
    let secrets = key_material(&toml);
    assert_eq!(secrets.len(), 3, "index key and two keys");
    let debug = format!("{keyring:?} {keyring:#?}");
    assert!(debug.contains("k2026a") && debug.contains("k2026b"), "{debug}");
    for secret in &secrets {
        assert!(!debug.contains(secret.as_str()), "{debug}");
        let bytes = STANDARD.decode(secret).unwrap();
        let decimal = format!("{bytes:?}");
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        assert!(!debug.contains(&decimal[1..decimal.len() - 1]) && !debug.contains(&hex), "{debug}");
    }
}

#[test]
fn a_new_key_file_is_private_and_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.toml");
    let keyring = Keyring::generate_with_id("k1").unwrap();
    keyring.write_new_file(&path).unwrap();
    #[cfg(unix)]
    assert_eq!(mode(&path), 0o600);
    let loaded = Keyring::load_file(&path).unwrap();
    let sealed = keyring.seal_str("値", b"t.c:1");
    assert_eq!(loaded.open_str(&sealed, b"t.c:1").unwrap(), "値");
    assert_eq!(loaded.blind_index("p", "v"), keyring.blind_index("p", "v"));
    let again = Keyring::from_sources(Some(&path), None).unwrap();
    assert_eq!(again.active_key_id(), "k1");
}

#[test]
fn an_existing_key_file_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.toml");
    std::fs::write(&path, "大事な鍵").unwrap();
    let error = Keyring::generate().write_new_file(&path).unwrap_err();
    assert!(matches!(error, VaultError::KeyFileExists { .. }), "{error}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "大事な鍵");
}

#[test]
fn replacing_a_key_file_keeps_it_private_and_adds_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.toml");
    let mut keyring = Keyring::generate_with_id("k1").unwrap();
    keyring.write_new_file(&path).unwrap();
    let old = keyring.seal(b"x", b"p");
    keyring.add_key_with_id("k2").unwrap();
    keyring.replace_file(&path).unwrap();
    #[cfg(unix)]
    assert_eq!(mode(&path), 0o600);
    let loaded = Keyring::load_file(&path).unwrap();
    assert_eq!(loaded.active_key_id(), "k2");
    assert_eq!(loaded.open(&old, b"p").unwrap(), b"x");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers, ["keys.toml"]);
}

#[cfg(unix)]
#[test]
fn a_key_file_that_others_can_read_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.toml");
    Keyring::generate().write_new_file(&path).unwrap();
    for refused in [0o644, 0o604, 0o660] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(refused)).unwrap();
        let error = Keyring::load_file(&path).unwrap_err();
        assert!(matches!(error, VaultError::KeyFilePermissions { .. }), "{error}");
        let message = error.to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(message.contains("chmod 600"), "{message}");
    }
    for accepted in [0o600, 0o400, 0o640] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(accepted)).unwrap();
        Keyring::load_file(&path).unwrap();
    }
}

#[test]
fn keys_can_come_from_the_text_of_an_environment_variable() {
    let keyring = Keyring::generate_with_id("k1").unwrap();
    let toml = keyring.to_toml();
    let from_text = Keyring::from_sources(None, Some(&toml)).unwrap();
    assert_eq!(from_text.open(&keyring.seal(b"x", b"p"), b"p").unwrap(), b"x");
    let error = Keyring::from_sources(None, Some("active = 1")).unwrap_err();
    assert!(error.to_string().starts_with("NIMO_KEYS の鍵を使えません"), "{error}");
}

#[test]
fn a_missing_key_file_names_the_file() {
    let error = Keyring::load_file(Path::new("/nonexistent/nimo-keys.toml")).unwrap_err();
    assert!(error.to_string().contains("/nonexistent/nimo-keys.toml"), "{error}");
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}
