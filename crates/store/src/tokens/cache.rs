//! The resolved API tokens of this process, so that a client polling `/api/v1` costs no query
//! per request: a token and its account are read from the database at most once per [`TTL`].
//!
//! What may change a token's answer clears the whole cache at once, after its transaction
//! commits: a revocation, disabling or enabling an account, a password reset (which revokes its
//! tokens), a second factor enrolled. Another process (the CLI, a second server) cannot clear
//! this one's cache: its change reaches here within [`TTL`]. A lookup that began before a clear
//! never stores what it read (a generation counter), so a revocation is never undone by a
//! request that was in flight while it committed. The token's own expiry is checked against the
//! request's time on every use, cached or not. Only SHA-256 hashes are kept, never a token.

use super::TokenGrant;
use crate::accounts::User;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long a resolved token is trusted without reading the database again.
pub const TTL: Duration = Duration::from_secs(5);
/// At most this many tokens are kept; past it the cache starts again empty.
const CAPACITY: usize = 4096;

#[derive(Debug, Clone)]
struct Entry {
    grant: TokenGrant,
    user: User,
    expires_at: i64,
    fetched: Instant,
}

/// The cache (one per `Db`, shared by its clones).
#[derive(Debug, Default)]
pub struct TokenCache {
    entries: Mutex<HashMap<String, Entry>>,
    generation: AtomicU64,
}

impl TokenCache {
    /// Forgets every token: the next use of each reads the database.
    pub fn clear(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }

    /// The generation a lookup starts in (pass it to [`TokenCache::put`]).
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// The grant and account of a token hash, if read less than [`TTL`] ago and not expired at
    /// `now` (unix seconds).
    pub(crate) fn get(&self, hash: &str, now: i64) -> Option<(TokenGrant, User)> {
        let entries = self.entries.lock().ok()?;
        let entry = entries.get(hash)?;
        (entry.fetched.elapsed() < TTL && now < entry.expires_at).then(|| (entry.grant.clone(), entry.user.clone()))
    }

    /// Keeps what a lookup that started in `generation` read, unless the cache was cleared since.
    pub(crate) fn put(&self, generation: u64, hash: String, grant: TokenGrant, user: User, expires_at: i64) {
        let Ok(mut entries) = self.entries.lock() else { return };
        // Checked under the lock that `clear` also takes after bumping the counter.
        if self.generation.load(Ordering::SeqCst) != generation {
            return;
        }
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert(hash, Entry { grant, user, expires_at, fetched: Instant::now() });
    }

    /// How many tokens are held (for tests and metrics).
    pub fn len(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or(0)
    }

    /// Whether none is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
