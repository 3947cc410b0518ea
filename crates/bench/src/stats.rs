//! Timing samples and their summary: nearest-rank percentiles, and durations written for people
//! (the table) and for machines (milliseconds in the JSON line).

use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The summary of one series of timings.
#[derive(Debug, Clone, Copy)]
pub struct Summary {
    pub n: usize,
    pub p50: Duration,
    pub p90: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Summary {
    /// Summarises a non-empty series of timings.
    pub fn of(mut samples: Vec<Duration>) -> Summary {
        assert!(!samples.is_empty(), "a summary needs at least one sample");
        samples.sort_unstable();
        Summary {
            n: samples.len(),
            p50: percentile(&samples, 50),
            p90: percentile(&samples, 90),
            p99: percentile(&samples, 99),
            max: samples[samples.len() - 1],
        }
    }

    /// The summary in the JSON line, in milliseconds.
    pub fn to_json(self) -> Value {
        json!({ "n": self.n, "p50_ms": ms(self.p50), "p90_ms": ms(self.p90), "p99_ms": ms(self.p99), "max_ms": ms(self.max) })
    }
}

/// The nearest-rank percentile of sorted samples: the smallest sample with at least `p` per cent
/// of the samples at or below it. It is always one of the measured values, never an interpolation.
fn percentile(sorted: &[Duration], p: usize) -> Duration {
    let rank = (sorted.len() * p).div_ceil(100).max(1);
    sorted[rank - 1]
}

/// Times each of `runs` calls of `work`, stopping at the first error (a failing call would be
/// timed as a suspiciously fast one). Results pass through `black_box` so that the work is done.
pub fn time_each<T, E>(runs: usize, mut work: impl FnMut() -> Result<T, E>) -> Result<Vec<Duration>, E> {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(work()?);
            Ok(start.elapsed())
        })
        .collect()
}

/// A duration for the table: µs below a millisecond, ms below a second, else s.
pub fn human(duration: Duration) -> String {
    let micros = duration.as_secs_f64() * 1e6;
    if micros < 1e3 {
        format!("{micros:.1} µs")
    } else if micros < 1e6 {
        format!("{:.2} ms", micros / 1e3)
    } else {
        format!("{:.3} s", micros / 1e6)
    }
}

/// A duration for the JSON line: milliseconds, to the microsecond.
pub fn ms(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 1e6).round() / 1e3
}

#[cfg(test)]
mod tests {
    use super::*;

    fn micros(values: impl IntoIterator<Item = u64>) -> Vec<Duration> {
        values.into_iter().map(Duration::from_micros).collect()
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let summary = Summary::of(micros((1..=100).rev()));
        assert_eq!(summary.n, 100);
        assert_eq!(summary.p50, Duration::from_micros(50));
        assert_eq!(summary.p90, Duration::from_micros(90));
        assert_eq!(summary.p99, Duration::from_micros(99));
        assert_eq!(summary.max, Duration::from_micros(100));
    }

    #[test]
    fn a_single_sample_is_every_percentile() {
        let summary = Summary::of(micros([7]));
        let seven = Duration::from_micros(7);
        assert_eq!((summary.p50, summary.p90, summary.p99, summary.max), (seven, seven, seven, seven));
    }

    #[test]
    fn durations_pick_a_readable_unit() {
        assert_eq!(human(Duration::from_nanos(412_340)), "412.3 µs");
        assert_eq!(human(Duration::from_micros(12_345)), "12.35 ms");
        assert_eq!(human(Duration::from_millis(1_234)), "1.234 s");
        assert_eq!(ms(Duration::from_nanos(1_234_567)), 1.235);
    }
}
