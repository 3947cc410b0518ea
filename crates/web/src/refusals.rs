//! Refusals of anonymous requests, counted instead of audited one by one.
//!
//! Anyone on the network can make a request that is refused: a page that needs a sign-in, a POST
//! without a valid form token, a cross-site POST, a foreign `Host`, an oversized anonymous body.
//! Writing an audit row for each lets one scanner fill the audit log (a fuzz run wrote 23,500
//! rows) and costs a write per request before authentication. So these are counted in process
//! by reason ([`AnonymousRefusals`]) and logged as one summary line per period
//! ([`spawn_summary`], `warn` level, only when something was refused): an operator sees a probe
//! in the application log (and can alert on the line), while the audit log keeps what accounts
//! did. Refusals of a signed-in session (at any stage of its sign-in) stay audited one by one,
//! CSRF and cross-site refusals included (`crate::csrf`); so do failed sign-ins and refused API
//! tokens, which are attempts at a credential.

use crate::AppState;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Why an anonymous request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The policy table refused the route (a sign-in is needed, or the route is unlisted).
    Route,
    /// The form token was missing or wrong.
    Csrf,
    /// The same-origin check found another site.
    CrossSite,
    /// The `Host` is not in the allow-list.
    Host,
    /// The body was over the anonymous limit.
    TooLarge,
}

impl Reason {
    const ALL: [Reason; 5] = [Reason::Route, Reason::Csrf, Reason::CrossSite, Reason::Host, Reason::TooLarge];

    /// The reason's code in the summary line.
    pub fn code(self) -> &'static str {
        match self {
            Reason::Route => "route",
            Reason::Csrf => "csrf",
            Reason::CrossSite => "cross_site",
            Reason::Host => "host",
            Reason::TooLarge => "too_large",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Counts of refused anonymous requests since the last summary.
#[derive(Debug, Default)]
pub struct AnonymousRefusals {
    counts: [AtomicU64; 5],
}

impl AnonymousRefusals {
    /// Counts one refusal.
    pub fn count(&self, reason: Reason) {
        self.counts[reason.index()].fetch_add(1, Ordering::Relaxed);
    }

    /// The counts since the last call, by reason, and resets them.
    pub fn take(&self) -> Vec<(Reason, u64)> {
        Reason::ALL.iter().map(|&reason| (reason, self.counts[reason.index()].swap(0, Ordering::Relaxed))).collect()
    }
}

/// Logs the counts every `state.refusal_summary_every` (when any is not zero), for as long as
/// the server runs: `anonymous requests refused (counted, not audited) total=… route=… csrf=…
/// cross_site=… host=… too_large=… period_seconds=…`.
pub fn spawn_summary(state: &AppState) -> tokio::task::JoinHandle<()> {
    let refusals = state.anonymous_refusals.clone();
    let period = state.refusal_summary_every.max(Duration::from_millis(10));
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(period);
        ticker.tick().await;
        loop {
            ticker.tick().await;
            let counts = refusals.take();
            let of = |reason: Reason| counts.iter().find(|(r, _)| *r == reason).map_or(0, |(_, n)| *n);
            let total: u64 = counts.iter().map(|(_, n)| n).sum();
            if total > 0 {
                tracing::warn!(
                    total,
                    route = of(Reason::Route),
                    csrf = of(Reason::Csrf),
                    cross_site = of(Reason::CrossSite),
                    host = of(Reason::Host),
                    too_large = of(Reason::TooLarge),
                    period_seconds = period.as_secs(),
                    "anonymous requests refused (counted, not audited)"
                );
            }
        }
    })
}
