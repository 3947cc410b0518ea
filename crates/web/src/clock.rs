//! The time the web app goes by for session lifetimes: the system clock, shifted by an offset
//! that tests move forward instead of sleeping (as the store's `*_at` functions take a time).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use time::{Duration, OffsetDateTime};

/// The system clock plus an offset (zero unless a test advances it). Clones share the offset.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_seconds: Arc<AtomicI64>,
}

impl Clock {
    /// The current time.
    pub fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + Duration::seconds(self.offset_seconds.load(Ordering::Relaxed))
    }

    /// The current time in Unix seconds.
    pub fn unix(&self) -> i64 {
        self.now().unix_timestamp()
    }

    /// Moves this clock (and every clone of it) forward, as if `by` had passed.
    pub fn advance(&self, by: Duration) {
        self.offset_seconds.fetch_add(by.whole_seconds(), Ordering::Relaxed);
    }
}
