//! Signatures under the keyring: HMAC-SHA256 with a key derived from the index key, for
//! records the database keeps but must not be able to forge (the audit log's checkpoints).

use crate::Keyring;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

/// What the signing key is derived from the index key with. Blind-index inputs always hold a
/// NUL byte and this text has none, so the derived key is never a blind index.
const SIGNING_KEY_LABEL: &[u8] = b"nimo-signing-key-v1";

impl Keyring {
    /// Signs `message` for `purpose`: lowercase hex of HMAC-SHA256 over `purpose ‖ 0x00 ‖
    /// message`, under a key derived from the index key (which `nimo keys add` never replaces, so
    /// signatures stay verifiable across key rotations). The audit log's checkpoints use it.
    ///
    /// # Panics
    /// If `purpose` contains a NUL character, which would make the input ambiguous.
    pub fn sign(&self, purpose: &str, message: &[u8]) -> String {
        hex(&self.signing_mac(purpose, message).finalize().into_bytes())
    }

    /// Whether `signature` is [`Keyring::sign`]'s for this purpose and message (compared in
    /// constant time).
    pub fn verify_signature(&self, purpose: &str, message: &[u8], signature: &str) -> bool {
        let Some(bytes) = unhex(signature) else { return false };
        self.signing_mac(purpose, message).verify_slice(&bytes).is_ok()
    }

    fn signing_mac(&self, purpose: &str, message: &[u8]) -> Hmac<Sha256> {
        assert!(!purpose.contains('\0'), "a signature purpose contains no NUL");
        let mut derive = <Hmac<Sha256> as KeyInit>::new_from_slice(self.index_key().bytes())
            .expect("HMAC takes a key of any length");
        derive.update(SIGNING_KEY_LABEL);
        let mut key = Zeroizing::new([0u8; 32]);
        key.copy_from_slice(&derive.finalize().into_bytes());
        let mut mac =
            <Hmac<Sha256> as KeyInit>::new_from_slice(key.as_slice()).expect("HMAC takes a key of any length");
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(message);
        mac
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Lowercase hex back to bytes, or `None`.
fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_only_for_their_purpose_message_and_keys() {
        let keyring = Keyring::generate_with_id("k1").unwrap();
        let signature = keyring.sign("audit.checkpoint", b"1:abc");
        assert_eq!(signature.len(), 64);
        assert!(keyring.verify_signature("audit.checkpoint", b"1:abc", &signature));
        assert!(!keyring.verify_signature("audit.checkpoint", b"1:abd", &signature));
        assert!(!keyring.verify_signature("other", b"1:abc", &signature));
        assert!(!keyring.verify_signature("audit.checkpoint", b"1:abc", "zz"));
        assert_ne!(signature, keyring.blind_index("audit.checkpoint", "1:abc"), "not a blind index");
        let other = Keyring::generate_with_id("k1").unwrap();
        assert!(!other.verify_signature("audit.checkpoint", b"1:abc", &signature));
    }
}
