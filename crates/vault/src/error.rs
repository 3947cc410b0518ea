//! What can go wrong with keys and sealed values, in words an operator can act on. No message
//! ever contains key material, a sealed value or what it decrypts to.

use std::path::PathBuf;

/// An error of the vault. Messages are Japanese because operators read them.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// A sealed value could not be opened; see [`OpenError`] for the few things this may say.
    #[error("暗号化された値を復号できません: {0}")]
    Open(#[from] OpenError),
    /// The key file or `NIMO_KEYS` text is not a usable keyring.
    #[error("{source_name} の鍵を使えません: {reason}")]
    BadKeys {
        /// The file's path or the variable's name.
        source_name: String,
        /// What is wrong, without any key material.
        reason: String,
    },
    /// The key file can be read or written by other users.
    #[error(
        "鍵ファイル {} は他のユーザーが読み書きできます（権限 {mode:04o}）。chmod 600 {} を実行してください",
        path.display(),
        path.display()
    )]
    KeyFilePermissions {
        /// The key file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The key file could not be read or written.
    #[error("鍵ファイル {} を{action}できません: {source}", path.display())]
    KeyFileIo {
        /// The key file.
        path: PathBuf,
        /// 読み込み, 作成 or 書き込み.
        action: &'static str,
        /// The underlying error.
        source: std::io::Error,
    },
    /// `keys generate` never overwrites a key file: losing a key loses the data sealed under it.
    #[error("{} はすでにあります。鍵ファイルは上書きしません（鍵を失うとその鍵で暗号化した値を復号できなくなります）", path.display())]
    KeyFileExists {
        /// The existing file.
        path: PathBuf,
    },
    /// Neither `NIMO_KEY_FILE` nor `NIMO_KEYS` is set.
    #[error(
        "暗号鍵が設定されていません。NIMO_KEY_FILE に鍵ファイルのパスを設定してください（新しい鍵ファイルは nimo keys generate -o FILE で作れます）"
    )]
    NoKeys,
    /// Both `NIMO_KEY_FILE` and `NIMO_KEYS` are set, so which keys are meant is unclear.
    #[error("NIMO_KEY_FILE と NIMO_KEYS の両方が設定されています。どちらか一方にしてください")]
    TwoKeySources,
    /// A key id that is not 1–32 ASCII letters, digits, `-` or `_`.
    #[error("鍵 ID「{0}」は使えません（英数字・-・_ の 1〜32 文字）")]
    InvalidKeyId(String),
    /// A key id that the keyring already holds.
    #[error("鍵 ID「{0}」はすでにあります")]
    DuplicateKeyId(String),
}

/// Why a sealed value did not open. Deliberately coarse: a value moved to another row or column
/// and a tampered value both give [`OpenError::Rejected`], and nothing says which byte was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    /// The value names a key that the keyring does not hold (deleted too early, or the wrong file).
    #[error("鍵 {0} が鍵ファイルにありません（古い鍵を削除していないか、鍵ファイルが正しいか確認してください）")]
    UnknownKey(String),
    /// The text is not `v1.<key id>.<base64url>` of a plausible length.
    #[error("暗号化された値の形式ではありません")]
    Malformed,
    /// Authentication failed: the value was altered, or belongs to another place.
    #[error("改ざんされたか、別の場所の値です")]
    Rejected,
}
