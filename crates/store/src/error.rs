//! The store's errors, in its own words: not found, conflict, bad stored data, database failure.

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// Someone else changed the record since it was read (optimistic concurrency).
    #[error("conflict: {0}")]
    Conflict(String),
    /// A value the store refuses to write (for instance an audit field that is not a short code).
    #[error("invalid value: {0}")]
    Invalid(String),
    /// A stored row could not be turned back into a domain value.
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// An SQLite database file that a read-only command needs does not exist.
    #[error("database file {0} does not exist")]
    Missing(String),
    /// A file-system operation failed (creating the data directory).
    #[error("cannot create {path}")]
    Io {
        /// The folder that could not be created.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The database URL is not one nimo can use.
    #[error("unsupported database url: {0}")]
    Url(String),
    /// Personal data was to be sealed or opened, but no keys were configured.
    #[error("no encryption keys are configured (NIMO_KEY_FILE or NIMO_KEYS)")]
    NoKeys,
    /// A sealed value did not open (wrong key, wrong place, or tampered), or keys are unusable.
    #[error("sealed value: {0}")]
    Vault(#[from] nimo_vault::VaultError),
    /// A migration failed.
    #[error("migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Any other database failure.
    #[error("database error")]
    Database(#[from] sqlx::Error),
}

impl StoreError {
    /// Whether the error is "not found".
    pub fn is_not_found(&self) -> bool {
        matches!(self, StoreError::NotFound(_))
    }
}
