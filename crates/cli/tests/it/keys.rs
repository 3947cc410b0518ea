//! `nimo keys`: a new key file is private and never overwrites one, `add` rotates the active key,
//! and no key material is ever printed.

use crate::harness::{Run, nimo};
use nimo_vault::Keyring;
use std::path::Path;

/// Every base64 value of a key file: what must never appear in the output.
fn key_material(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|line| !line.starts_with('#') && !line.starts_with("active"))
        .filter_map(|line| line.split_once(" = \"").map(|(_, value)| value.trim_end_matches('"').to_string()))
        .collect()
}

#[track_caller]
fn assert_no_key_material(run: &Run, path: &Path) {
    for secret in key_material(path) {
        assert!(!run.stderr.contains(&secret) && !run.stdout_text().contains(&secret), "a key was printed");
    }
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[test]
fn generate_writes_a_private_key_file_and_refuses_to_overwrite_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.toml");
    let run = Run::of(nimo(dir.path()).args(["keys", "generate", "-o", path.to_str().unwrap()])).succeeds();
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("keys.toml") && run.stderr.contains("権限 600"), "{}", run.stderr);
    assert_no_key_material(&run, &path);
    #[cfg(unix)]
    assert_eq!(mode(&path), 0o600);
    let keyring = Keyring::load_file(&path).unwrap();
    assert!(run.stderr.contains(keyring.active_key_id()), "{}", run.stderr);
    let before = std::fs::read(&path).unwrap();

    let run = Run::of(nimo(dir.path()).args(["keys", "generate", "--output", path.to_str().unwrap()])).fails();
    assert!(run.stderr.contains("すでにあります") && run.stderr.contains("上書きしません"), "{}", run.stderr);
    assert_eq!(std::fs::read(&path).unwrap(), before, "the existing key file is untouched");
    assert_no_key_material(&run, &path);
}

#[test]
fn add_makes_a_new_key_active_and_keeps_the_old_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.toml");
    let file = path.to_str().unwrap();
    Run::of(nimo(dir.path()).args(["keys", "generate", "-o", file, "--id", "k2026a"])).succeeds();
    let old = Keyring::load_file(&path).unwrap().seal_str("山田花子", b"person.name_kanji:1");

    let run = Run::of(nimo(dir.path()).args(["keys", "add", "-f", file, "--id", "k2026b"])).succeeds();
    assert!(run.stderr.contains("k2026b") && run.stderr.contains("k2026a"), "{}", run.stderr);
    assert_no_key_material(&run, &path);
    #[cfg(unix)]
    assert_eq!(mode(&path), 0o600);
    let keyring = Keyring::load_file(&path).unwrap();
    assert_eq!(keyring.active_key_id(), "k2026b");
    assert_eq!(keyring.open_str(&old, b"person.name_kanji:1").unwrap(), "山田花子");
    assert!(keyring.needs_rotation(&old));

    // The file may also come from NIMO_KEY_FILE; an id already present is refused.
    let run = Run::of(nimo(dir.path()).args(["keys", "add", "--id", "k2026a"]).env("NIMO_KEY_FILE", file)).fails();
    assert!(run.stderr.contains("k2026a") && run.stderr.contains("すでにあります"), "{}", run.stderr);
    assert_eq!(Keyring::load_file(&path).unwrap().active_key_id(), "k2026b");
}

#[cfg(unix)]
#[test]
fn add_refuses_a_key_file_that_others_can_read() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.toml");
    let file = path.to_str().unwrap();
    Run::of(nimo(dir.path()).args(["keys", "generate", "-o", file])).succeeds();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let before = std::fs::read(&path).unwrap();
    let run = Run::of(nimo(dir.path()).args(["keys", "add", "-f", file])).fails();
    assert!(run.stderr.contains(file) && run.stderr.contains("chmod 600"), "{}", run.stderr);
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn keys_help_is_in_japanese() {
    let dir = tempfile::tempdir().unwrap();
    let help = Run::of(nimo(dir.path()).args(["keys", "--help"])).succeeds().stdout_text();
    assert!(help.contains("鍵ファイルを新しく作る") && help.contains("新しい鍵を追加"), "{help}");
    let help = Run::of(nimo(dir.path()).args(["keys", "generate", "--help"])).succeeds().stdout_text();
    assert!(help.contains("作成する鍵ファイル") && help.contains("上書きしない"), "{help}");
}
