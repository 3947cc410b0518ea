//! Where keys come from and go to: the TOML key file (`NIMO_KEY_FILE`) or the same TOML in
//! `NIMO_KEYS`, the key file's permissions, and writing a new or updated file with mode 0600.
//!
//! ```toml
//! active = "k2026b"
//! index_key = "base64 of 32 bytes"
//!
//! [keys]
//! k2026a = "base64 of 32 bytes"
//! k2026b = "base64 of 32 bytes"
//! ```
//!
//! On Unix a key file that other users can read, or that its group can write, is refused: 0600
//! or 0400 for the service account, 0640 if a group of operators must read it.

use crate::error::VaultError;
use crate::keyring::{KEY_BYTES, Keyring, SecretKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use zeroize::{Zeroize, Zeroizing};

/// The environment variable holding the key file's path.
pub const KEY_FILE_VAR: &str = "NIMO_KEY_FILE";
/// The environment variable holding the key file's text itself (for containers and CI secrets).
pub const KEYS_VAR: &str = "NIMO_KEYS";

/// Permission bits that must be clear: any access by others, and write access by the group.
#[cfg(unix)]
const FORBIDDEN_MODE_BITS: u32 = 0o027;

/// The file's fields as TOML gives them; `Option` so that a missing field gets our own message.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFileText {
    active: Option<String>,
    index_key: Option<String>,
    #[serde(default)]
    keys: BTreeMap<String, String>,
}

impl Drop for KeyFileText {
    fn drop(&mut self) {
        self.index_key.zeroize();
        for value in self.keys.values_mut() {
            value.zeroize();
        }
    }
}

impl Keyring {
    /// The keyring configured in the environment: the file named by `NIMO_KEY_FILE`, or the TOML
    /// in `NIMO_KEYS`. Neither or both set is an error.
    pub fn from_env() -> Result<Self, VaultError> {
        let file = std::env::var_os(KEY_FILE_VAR).filter(|v| !v.is_empty()).map(PathBuf::from);
        let text = std::env::var(KEYS_VAR).ok().filter(|v| !v.is_empty()).map(Zeroizing::new);
        Self::from_sources(file.as_deref(), text.as_ref().map(|t| t.as_str()))
    }

    /// [`Keyring::from_env`] with the two settings given explicitly (for tests and for flags
    /// that override the environment).
    pub fn from_sources(key_file: Option<&Path>, keys_text: Option<&str>) -> Result<Self, VaultError> {
        match (key_file, keys_text) {
            (Some(_), Some(_)) => Err(VaultError::TwoKeySources),
            (Some(path), None) => Self::load_file(path),
            (None, Some(text)) => Self::from_toml(text, KEYS_VAR),
            (None, None) => Err(VaultError::NoKeys),
        }
    }

    /// Reads a key file, refusing one that other users can read (on Unix).
    pub fn load_file(path: &Path) -> Result<Self, VaultError> {
        let io = |source| VaultError::KeyFileIo { path: path.to_path_buf(), action: "読み込み", source };
        let mut file = File::open(path).map_err(io)?;
        let metadata = file.metadata().map_err(io)?;
        check_permissions(path, &metadata)?;
        // Sized up front so that reading does not reallocate and leave copies of keys behind.
        let capacity = usize::try_from(metadata.len()).unwrap_or(0).saturating_add(1);
        let mut text = Zeroizing::new(String::with_capacity(capacity));
        file.read_to_string(&mut text).map_err(io)?;
        Self::from_toml(&text, &path.display().to_string())
    }

    /// Parses key-file TOML; `source_name` (a path or variable name) goes into error messages,
    /// which never quote the text itself.
    pub fn from_toml(text: &str, source_name: &str) -> Result<Self, VaultError> {
        Self::parse_toml(text).map_err(|reason| VaultError::BadKeys { source_name: source_name.to_string(), reason })
    }

    fn parse_toml(text: &str) -> Result<Self, String> {
        // toml's Display quotes the offending line, which may hold a key: only its message and
        // the line number are used.
        let parsed: KeyFileText = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|span| text[..span.start].matches('\n').count() + 1);
            match line {
                Some(line) => format!("TOML として読めません（{line} 行目: {}）", e.message().trim()),
                None => format!("TOML として読めません（{}）", e.message().trim()),
            }
        })?;
        let misplaced = |field: &str| {
            if parsed.keys.contains_key(field) {
                format!("{field} が [keys] の中にあります。[keys] より前に書いてください")
            } else {
                format!("{field} がありません")
            }
        };
        let active = parsed.active.clone().ok_or_else(|| misplaced("active"))?;
        let index_key = decode_key("index_key", parsed.index_key.as_deref().ok_or_else(|| misplaced("index_key"))?)?;
        if parsed.keys.is_empty() {
            return Err("[keys] に鍵がありません".into());
        }
        let mut keys = BTreeMap::new();
        for (id, encoded) in &parsed.keys {
            let key = decode_key(&format!("[keys] の {id}"), encoded)?;
            if key.bytes() == index_key.bytes() {
                return Err(format!("[keys] の {id} が index_key と同じです。別々の鍵にしてください"));
            }
            keys.insert(id.clone(), key);
        }
        Keyring::from_parts(active, keys, index_key)
    }

    /// The key file's text. It holds every key: write it only to a file with mode 0600.
    pub fn to_toml(&self) -> Zeroizing<String> {
        use std::fmt::Write as _;
        // Room for everything up front, so that growing the string leaves no copies of keys in
        // freed memory; the base64 is written straight into it, never into a temporary.
        let mut text = Zeroizing::new(String::with_capacity(1024 + 128 * self.key_ids().count()));
        text.push_str(
            "# nimo の暗号鍵ファイル（nimo keys generate / nimo keys add が書く）。\n\
             # 権限は 600 のまま、データベースとそのバックアップとは別の場所に保管すること。\n\
             # 鍵を失うと、その鍵で暗号化した個人情報は復号できない。\n",
        );
        let _ = writeln!(text, "active = \"{}\"", self.active_key_id());
        text.push_str("index_key = \"");
        STANDARD.encode_string(self.index_key().bytes(), &mut text);
        text.push_str("\"\n\n[keys]\n");
        for (id, key) in self.keys() {
            let _ = write!(text, "{id} = \"");
            STANDARD.encode_string(key.bytes(), &mut text);
            text.push_str("\"\n");
        }
        text
    }

    /// Writes a new key file with mode 0600. An existing file is never overwritten.
    pub fn write_new_file(&self, path: &Path) -> Result<(), VaultError> {
        let mut file = create_private(path).map_err(|source| match source.kind() {
            std::io::ErrorKind::AlreadyExists => VaultError::KeyFileExists { path: path.to_path_buf() },
            _ => VaultError::KeyFileIo { path: path.to_path_buf(), action: "作成", source },
        })?;
        let written = file.write_all(self.to_toml().as_bytes()).and_then(|()| file.sync_all());
        if let Err(source) = written {
            drop(file);
            let _ = std::fs::remove_file(path);
            return Err(VaultError::KeyFileIo { path: path.to_path_buf(), action: "書き込み", source });
        }
        Ok(())
    }

    /// Replaces an existing key file with this keyring, atomically: the text goes to a new
    /// 0600 file beside it, which is then renamed over the old one. A crash leaves either the
    /// old file or the new one, never half of either.
    pub fn replace_file(&self, path: &Path) -> Result<(), VaultError> {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let temporary = path.with_file_name(format!(".{name}.new"));
        let io = |action, source| VaultError::KeyFileIo { path: temporary.clone(), action, source };
        let mut file = create_private(&temporary).map_err(|e| io("作成", e))?;
        let written = file.write_all(self.to_toml().as_bytes()).and_then(|()| file.sync_all());
        drop(file);
        if let Err(source) = written.and_then(|()| std::fs::rename(&temporary, path)) {
            let _ = std::fs::remove_file(&temporary);
            return Err(VaultError::KeyFileIo { path: path.to_path_buf(), action: "書き込み", source });
        }
        // Makes the rename itself durable; failing that only weakens crash safety.
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            let _ = File::open(dir).and_then(|d| d.sync_all());
        }
        Ok(())
    }
}

fn decode_key(name: &str, encoded: &str) -> Result<SecretKey, String> {
    let bytes =
        Zeroizing::new(STANDARD.decode(encoded.trim()).map_err(|_| format!("{name} が base64 ではありません"))?);
    SecretKey::from_slice(&bytes)
        .ok_or_else(|| format!("{name} が {KEY_BYTES} バイトではありません（{} バイト）", bytes.len()))
}

/// Creates a file that only its owner can read and write; fails if it exists.
fn create_private(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

#[cfg(unix)]
fn check_permissions(path: &Path, metadata: &std::fs::Metadata) -> Result<(), VaultError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = metadata.permissions().mode() & 0o7777;
    if mode & FORBIDDEN_MODE_BITS != 0 {
        return Err(VaultError::KeyFilePermissions { path: path.to_path_buf(), mode });
    }
    Ok(())
}

/// Windows has no mode bits; its ACLs are the operator's to set.
#[cfg(not(unix))]
fn check_permissions(_path: &Path, _metadata: &std::fs::Metadata) -> Result<(), VaultError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_written_text_reads_back_as_the_same_keys() {
        let mut keyring = Keyring::generate_with_id("k1").unwrap();
        keyring.add_key_with_id("k2").unwrap();
        let sealed = keyring.seal(b"x", b"p");
        let again = Keyring::from_toml(&keyring.to_toml(), "test").unwrap();
        assert_eq!(again.active_key_id(), "k2");
        assert_eq!(again.key_ids().collect::<Vec<_>>(), ["k1", "k2"]);
        assert_eq!(again.open(&sealed, b"p").unwrap(), b"x");
        assert_eq!(again.blind_index("p", "v"), keyring.blind_index("p", "v"));
    }

    fn reason(text: &str) -> String {
        match Keyring::from_toml(text, "NIMO_KEYS") {
            Err(VaultError::BadKeys { reason, .. }) => reason,
            other => panic!("expected BadKeys, got {other:?}"),
        }
    }

    const KEY_A: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    const KEY_B: &str = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";

    #[test]
    fn a_bad_key_file_says_what_is_wrong_without_quoting_keys() {
        let text = format!("active = \"k1\"\n\n[keys]\nk1 = \"{KEY_A}\"\nindex_key = \"{KEY_B}\"\n");
        assert!(reason(&text).contains("[keys] より前に"), "{}", reason(&text));
        let text = format!("active = \"k9\"\nindex_key = \"{KEY_B}\"\n[keys]\nk1 = \"{KEY_A}\"\n");
        assert!(reason(&text).contains("k9"));
        let text = format!("active = \"k1\"\nindex_key = \"{KEY_B}\"\n[keys]\nk1 = \"AAAA\"\n");
        assert!(reason(&text).contains("32 バイトではありません"));
        let text = format!("active = \"k1\"\nindex_key = \"{KEY_A}\"\n[keys]\nk1 = \"{KEY_A}\"\n");
        assert!(reason(&text).contains("index_key と同じ"));
        let text = format!("active = \"k1\"\nindex_key = \"{KEY_B}\"\n[keys]\nk1 = \"{KEY_A}\" oops\n");
        let message = reason(&text);
        assert!(message.contains("4 行目"), "{message}");
        assert!(!message.contains(KEY_A) && !message.contains(KEY_B), "{message}");
    }

    #[test]
    fn both_or_neither_source_is_refused() {
        assert!(matches!(Keyring::from_sources(None, None), Err(VaultError::NoKeys)));
        assert!(matches!(Keyring::from_sources(Some(Path::new("k.toml")), Some("")), Err(VaultError::TwoKeySources)));
    }
}
