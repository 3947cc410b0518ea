//! Encryption of personal data at rest: a keyring loaded from outside the database, AES-256-GCM
//! sealed values bound to their place, and blind indexes that keep search by name working.
//!
//! nimo stores 要配慮個人情報 (mental-health history, 23条 reports, admissions). Every field that
//! holds personal data is stored as a *sealed value*, never as plain text, and the keys never
//! touch the database: they come from a key file (`NIMO_KEY_FILE`) or an environment variable
//! holding the same TOML (`NIMO_KEYS`). This crate is pure: no database, no network; the store
//! crate calls it around its queries.
//!
//! # Sealed values
//!
//! [`Keyring::seal`] encrypts with the active key and a fresh random 96-bit nonce and returns
//! text of the form `v1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>`, which fits a `TEXT`
//! column on both backends. The *associated data* names the value's place, for instance
//! `b"person.name_kanji:42"` ([`place`] builds it): the same bytes copied into another row or
//! column do not open. The header `v1.<key id>.` is authenticated too. Every failure to open a
//! value is a [`VaultError::Open`], whose [`OpenError`] says only whether the key is missing, the
//! text is not a sealed value, or authentication failed; a wrong place and a tampered value are
//! deliberately the same error.
//!
//! # Keys and rotation
//!
//! A [`Keyring`] holds named 256-bit keys (`k2026a`, `k2026b`, …), one of them active for
//! sealing, plus a separate 256-bit index key for blind indexes. `nimo keys generate -o FILE`
//! writes a new key file with mode 0600; `nimo keys add -f FILE` adds a key and makes it active
//! while the old ones stay for opening. A file that others can read is refused.
//!
//! `nimo keys rotate` will re-seal stored values under the active key without downtime. It needs
//! the personal-data tables, which do not exist yet, so it is not built. The plan, for whoever
//! adds the first encrypted column:
//!
//! 1. The store crate keeps one registry of encrypted columns, a `const` slice of
//!    `EncryptedColumn { table, id_column, column }`; a test checks that every `*_sealed`
//!    column in both migration folders appears in it, so a new column cannot be forgotten.
//! 2. `rotate` walks each registered column in batches (`WHERE id > $last ORDER BY id LIMIT
//!    500`), skips values for which [`Keyring::needs_rotation`] is false, and calls
//!    [`Keyring::reseal`] with the same place the value was sealed for
//!    (`place("table.column", id)`).
//! 3. It writes back with `UPDATE … SET column = $new WHERE id = $id AND column = $old`, so a
//!    concurrent edit by a user wins and the row is simply picked up by the next run; each batch
//!    is its own short transaction. The web app keeps running throughout, because it opens values
//!    under any key of the ring and seals new ones with the active key.
//! 4. It prints the count re-sealed, skipped and failed per column (ids only, never values), and
//!    exits non-zero if any value failed to open. Once a run finds nothing left under an old key
//!    (and backups sealed under it have expired), that key may be deleted from the file.
//!
//! The index key is not rotated by `add`: replacing it means recomputing every blind index from
//! the opened values, a separate command should that ever be needed.
//!
//! # Search
//!
//! [`Keyring::blind_index`] is an HMAC-SHA256 under the index key, stored beside the sealed
//! value and compared for equality. For names, index [`normalize_kana_name`] of the kana reading,
//! so that 「やまだ　たろう」, 「ヤマダ タロウ」 and 「ﾔﾏﾀﾞ ﾀﾛｳ」 find the same person.

#![warn(missing_docs)]

mod error;
mod kana;
mod keyfile;
mod keyring;
mod signing;

pub use error::{OpenError, VaultError};
pub use kana::normalize_kana_name;
pub use keyfile::{KEY_FILE_VAR, KEYS_VAR};
pub use keyring::{KEY_BYTES, Keyring, place};
