//! The keyring: named AES-256 keys with one active for sealing, and the index key; sealing,
//! opening and re-sealing values, and blind indexes for search.

use crate::error::{OpenError, VaultError};
use aes_gcm::aead::{self, Aead, Generate, Payload};
use aes_gcm::{Aes256Gcm, Key, KeyInit};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::BTreeMap;
use std::fmt;
use zeroize::{Zeroize, Zeroizing};

/// The length of every key in bytes (256 bits).
pub const KEY_BYTES: usize = 32;
const NONCE_BYTES: usize = 12;
const TAG_BYTES: usize = 16;
/// The format tag at the start of every sealed value; a later format gets `v2`.
const VERSION: &str = "v1";
const MAX_KEY_ID_LEN: usize = 32;

/// 256 bits of key material. The bytes live in their own heap allocation, so that the keyring's
/// map can move its entries without leaving copies behind, and are zeroized on drop.
pub(crate) struct SecretKey(Box<[u8; KEY_BYTES]>);

impl SecretKey {
    /// A new key from the operating system's random number generator.
    pub(crate) fn generate() -> Self {
        let mut generated = Key::<Aes256Gcm>::generate();
        let mut key = Box::new([0u8; KEY_BYTES]);
        key.copy_from_slice(&generated);
        generated.as_mut_slice().zeroize();
        Self(key)
    }

    /// The key held in `bytes`, if they are exactly 32.
    pub(crate) fn from_slice(bytes: &[u8]) -> Option<Self> {
        let mut key = Box::new([0u8; KEY_BYTES]);
        (bytes.len() == KEY_BYTES).then(|| {
            key.copy_from_slice(bytes);
            Self(key)
        })
    }

    pub(crate) fn bytes(&self) -> &[u8; KEY_BYTES] {
        &self.0
    }

    fn cipher(&self) -> Aes256Gcm {
        let key: &Key<Aes256Gcm> = self.0.as_ref().into();
        Aes256Gcm::new(key)
    }
}

impl Drop for SecretKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// The keys that seal and open personal data, and the key of the blind indexes.
///
/// Load it with [`Keyring::from_env`] or [`Keyring::load_file`]; share it behind an `Arc`. Its
/// `Debug` shows key ids only, and all key bytes are zeroized when it is dropped.
pub struct Keyring {
    keys: BTreeMap<String, SecretKey>,
    active: String,
    index_key: SecretKey,
}

impl Keyring {
    /// A new keyring with one fresh key, named after the current year (`k2026a`), and a fresh
    /// index key.
    pub fn generate() -> Self {
        let id = next_key_id(&BTreeMap::new(), current_year());
        let mut keys = BTreeMap::new();
        keys.insert(id.clone(), SecretKey::generate());
        Self { keys, active: id, index_key: SecretKey::generate() }
    }

    /// A new keyring whose one fresh key has the given id.
    pub fn generate_with_id(id: &str) -> Result<Self, VaultError> {
        check_key_id(id)?;
        let mut keys = BTreeMap::new();
        keys.insert(id.to_string(), SecretKey::generate());
        Ok(Self { keys, active: id.to_string(), index_key: SecretKey::generate() })
    }

    /// Assembles a keyring read from a key file; `active` must be one of `keys`.
    pub(crate) fn from_parts(
        active: String,
        keys: BTreeMap<String, SecretKey>,
        index_key: SecretKey,
    ) -> Result<Self, String> {
        for id in keys.keys() {
            check_key_id(id).map_err(|e| e.to_string())?;
        }
        if !keys.contains_key(&active) {
            return Err(format!("有効な鍵 active = \"{active}\" が [keys] にありません"));
        }
        Ok(Self { keys, active, index_key })
    }

    /// Adds a fresh key named after the current year (`k2026b` after `k2026a`), makes it the
    /// active one and returns its id. Older keys stay, so that values sealed under them open.
    pub fn add_key(&mut self) -> String {
        let id = next_key_id(&self.keys, current_year());
        self.keys.insert(id.clone(), SecretKey::generate());
        self.active.clone_from(&id);
        id
    }

    /// Adds a fresh key with the given id and makes it the active one.
    pub fn add_key_with_id(&mut self, id: &str) -> Result<(), VaultError> {
        check_key_id(id)?;
        if self.keys.contains_key(id) {
            return Err(VaultError::DuplicateKeyId(id.to_string()));
        }
        self.keys.insert(id.to_string(), SecretKey::generate());
        self.active = id.to_string();
        Ok(())
    }

    /// The id of the key that seals new values.
    pub fn active_key_id(&self) -> &str {
        &self.active
    }

    /// The ids of all keys, in order.
    pub fn key_ids(&self) -> impl Iterator<Item = &str> {
        self.keys.keys().map(String::as_str)
    }

    pub(crate) fn keys(&self) -> impl Iterator<Item = (&str, &SecretKey)> {
        self.keys.iter().map(|(id, key)| (id.as_str(), key))
    }

    pub(crate) fn index_key(&self) -> &SecretKey {
        &self.index_key
    }

    /// Encrypts `plaintext` for the place named by `aad` (see [`place`]) under the active key
    /// with a fresh random nonce: `v1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>`.
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> String {
        let key = &self.keys[&self.active];
        let nonce = aead::Nonce::<Aes256Gcm>::generate();
        let header = header(&self.active);
        let associated = associated_data(&header, aad);
        let ciphertext = key
            .cipher()
            .encrypt(&nonce, Payload { msg: plaintext, aad: &associated })
            .expect("AES-GCM encrypts any value shorter than 64 GiB");
        let mut body = Vec::with_capacity(NONCE_BYTES + ciphertext.len());
        body.extend_from_slice(&nonce);
        body.extend_from_slice(&ciphertext);
        header + &URL_SAFE_NO_PAD.encode(body)
    }

    /// [`Keyring::seal`] for text.
    pub fn seal_str(&self, plaintext: &str, aad: &[u8]) -> String {
        self.seal(plaintext.as_bytes(), aad)
    }

    /// Decrypts a value made by [`Keyring::seal`] for the same place `aad`, under whichever key
    /// of the ring sealed it.
    pub fn open(&self, sealed: &str, aad: &[u8]) -> Result<Vec<u8>, VaultError> {
        let (key_id, body) = parse(sealed)?;
        let key = self.keys.get(key_id).ok_or_else(|| OpenError::UnknownKey(key_id.to_string()))?;
        let (nonce, ciphertext) = body.split_at(NONCE_BYTES);
        let nonce: &aead::Nonce<Aes256Gcm> = nonce.try_into().map_err(|_| OpenError::Malformed)?;
        let associated = associated_data(&header(key_id), aad);
        let plaintext = key
            .cipher()
            .decrypt(nonce, Payload { msg: ciphertext, aad: &associated })
            .map_err(|_| OpenError::Rejected)?;
        Ok(plaintext)
    }

    /// [`Keyring::open`] for a value sealed with [`Keyring::seal_str`]. Authentic bytes that are
    /// not UTF-8 count as [`OpenError::Malformed`].
    pub fn open_str(&self, sealed: &str, aad: &[u8]) -> Result<String, VaultError> {
        String::from_utf8(self.open(sealed, aad)?).map_err(|e| {
            let mut bytes = e.into_bytes();
            bytes.zeroize();
            VaultError::Open(OpenError::Malformed)
        })
    }

    /// Whether `sealed` is not under the active key, so `nimo keys rotate` should re-seal it.
    /// Text that is not a sealed value at all also answers true: re-sealing then reports it.
    pub fn needs_rotation(&self, sealed: &str) -> bool {
        key_id_of(sealed) != Some(self.active.as_str())
    }

    /// Opens `sealed` and seals it again, for the same place, under the active key.
    pub fn reseal(&self, sealed: &str, aad: &[u8]) -> Result<String, VaultError> {
        let plaintext = Zeroizing::new(self.open(sealed, aad)?);
        Ok(self.seal(&plaintext, aad))
    }

    /// A keyed hash for finding a value by equality without storing it in the clear: lowercase
    /// hex of HMAC-SHA256 under the index key over `purpose ‖ 0x00 ‖ value`. The purpose (for
    /// instance `"person.name_kana"`) keeps the indexes of different fields apart. Normalise the
    /// value first, for names with [`crate::normalize_kana_name`].
    ///
    /// # Panics
    /// If `purpose` contains a NUL character, which would make the input ambiguous.
    pub fn blind_index(&self, purpose: &str, value: &str) -> String {
        assert!(!purpose.contains('\0'), "a blind index purpose contains no NUL");
        let mut mac =
            <Hmac<Sha256> as KeyInit>::new_from_slice(self.index_key.bytes()).expect("HMAC takes a key of any length");
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        mac.finalize().into_bytes().iter().map(|byte| format!("{byte:02x}")).collect()
    }
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("active", &self.active)
            .field("keys", &self.keys.keys().collect::<Vec<_>>())
            .field("index_key", &"<hidden>")
            .finish()
    }
}

/// The associated data that binds a value to its place, by the convention every caller uses:
/// `"<table>.<column>:<row id>"`, for instance `place("person.name_kanji", 42)`.
pub fn place(column: &str, row_id: impl fmt::Display) -> Vec<u8> {
    format!("{column}:{row_id}").into_bytes()
}

fn header(key_id: &str) -> String {
    format!("{VERSION}.{key_id}.")
}

/// What GCM authenticates besides the ciphertext: the text's header (so that the format and key
/// id cannot be swapped) followed by the caller's place. The header ends in a dot and key ids
/// hold none, so the split between the two is unambiguous.
fn associated_data(header: &str, aad: &[u8]) -> Vec<u8> {
    let mut associated = Vec::with_capacity(header.len() + aad.len());
    associated.extend_from_slice(header.as_bytes());
    associated.extend_from_slice(aad);
    associated
}

fn key_id_of(sealed: &str) -> Option<&str> {
    let mut parts = sealed.splitn(3, '.');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(VERSION), Some(id), Some(_)) if check_key_id(id).is_ok() => Some(id),
        _ => None,
    }
}

/// The key id and the decoded `nonce ‖ ciphertext ‖ tag` of a sealed value.
fn parse(sealed: &str) -> Result<(&str, Vec<u8>), OpenError> {
    let key_id = key_id_of(sealed).ok_or(OpenError::Malformed)?;
    let encoded = &sealed[header(key_id).len()..];
    let body = URL_SAFE_NO_PAD.decode(encoded).map_err(|_| OpenError::Malformed)?;
    if body.len() < NONCE_BYTES + TAG_BYTES {
        return Err(OpenError::Malformed);
    }
    Ok((key_id, body))
}

/// Key ids appear in every sealed value and in TOML keys: 1–32 ASCII letters, digits, `-`, `_`.
pub(crate) fn check_key_id(id: &str) -> Result<(), VaultError> {
    let valid = (1..=MAX_KEY_ID_LEN).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if valid { Ok(()) } else { Err(VaultError::InvalidKeyId(id.to_string())) }
}

/// `k<year>a`, then `b` … `z`, `aa`, `ab` …: the first of these the ring does not hold yet.
fn next_key_id(keys: &BTreeMap<String, SecretKey>, year: i32) -> String {
    let mut n = 0;
    loop {
        let id = format!("k{year}{}", letters(n));
        if !keys.contains_key(&id) {
            return id;
        }
        n += 1;
    }
}

/// 0 → a, 25 → z, 26 → aa, as spreadsheet columns count.
fn letters(mut n: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(char::from(b'a' + (n % 26) as u8));
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    out.iter().rev().collect()
}

fn current_year() -> i32 {
    time::OffsetDateTime::now_utc().year()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids_count_like_spreadsheet_columns() {
        assert_eq!(letters(0), "a");
        assert_eq!(letters(25), "z");
        assert_eq!(letters(26), "aa");
        assert_eq!(letters(27), "ab");
        assert_eq!(letters(26 + 26 * 26), "aaa");
    }

    #[test]
    fn a_new_key_takes_the_next_free_id_of_the_year() {
        let mut keyring = Keyring::generate_with_id("k2026a").unwrap();
        assert_eq!(next_key_id(&keyring.keys, 2026), "k2026b");
        assert_eq!(next_key_id(&keyring.keys, 2027), "k2027a");
        keyring.add_key_with_id("k2026b").unwrap();
        assert_eq!(next_key_id(&keyring.keys, 2026), "k2026c");
    }

    #[test]
    fn key_ids_are_short_and_plain() {
        for good in ["k1", "k2026a", "main_2026-04", &"x".repeat(32)] {
            assert!(check_key_id(good).is_ok(), "{good}");
        }
        for bad in ["", "k.1", "k 1", "鍵1", &"x".repeat(33), "k1\n"] {
            assert!(check_key_id(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_header_is_authenticated() {
        let mut keyring = Keyring::generate_with_id("a").unwrap();
        let sealed = keyring.seal(b"secret", b"t.c:1");
        keyring.add_key_with_id("b").unwrap();
        // The same key under another name: the bytes would decrypt, but the header does not match.
        let copy = SecretKey::from_slice(keyring.keys["a"].bytes()).unwrap();
        keyring.keys.insert("c".into(), copy);
        let renamed = sealed.replacen("v1.a.", "v1.c.", 1);
        assert!(matches!(keyring.open(&renamed, b"t.c:1"), Err(VaultError::Open(OpenError::Rejected))));
        assert_eq!(keyring.open(&sealed, b"t.c:1").unwrap(), b"secret");
    }

    #[test]
    fn a_sealed_value_is_as_long_as_expected() {
        let keyring = Keyring::generate_with_id("k1").unwrap();
        let sealed = keyring.seal(&[0u8; 10], b"");
        // 12 + 10 + 16 = 38 bytes → 51 base64url characters without padding.
        assert_eq!(sealed.len(), "v1.k1.".len() + 51);
    }
}
