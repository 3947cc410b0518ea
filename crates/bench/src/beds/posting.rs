//! The hospital's posting endpoint under the bench: `PUT /api/v1/wards/{ward}/availability` by a
//! hospital staff token, one at a time (latency) and from several clients at once (throughput),
//! and the process's resident memory.

use super::{BedSizes, POSTING_HOSPITAL};
use crate::stats::Summary;
use anyhow::ensure;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

/// One posting of `free` beds to the `index`th ward of [`POSTING_HOSPITAL`].
async fn post(client: &reqwest::Client, base: &str, index: usize, free: usize) -> anyhow::Result<Duration> {
    let url = format!("{base}/api/v1/wards/{POSTING_HOSPITAL}-{}/availability", index % 5);
    let start = Instant::now();
    let response = client.put(&url).json(&serde_json::json!({ "free_beds": free % 5 })).send().await?;
    let status = response.status();
    response.bytes().await?;
    ensure!(status == reqwest::StatusCode::OK, "PUT {url} answered {status}");
    Ok(start.elapsed())
}

/// Posting latency (`sizes.requests` one at a time) and postings per second (`sizes.clients`
/// clients, `sizes.per_client` each, at once, each on its own ward).
pub(super) async fn measure(
    base: &str,
    clients: &[reqwest::Client],
    sizes: BedSizes,
) -> anyhow::Result<(Summary, f64)> {
    let mut samples = Vec::new();
    for i in 0..sizes.requests {
        samples.push(post(&clients[0], base, i, i).await?);
    }
    let start = Instant::now();
    let mut tasks = JoinSet::new();
    for (index, client) in clients.iter().take(sizes.clients.max(1)).enumerate() {
        let (client, base, per_client) = (client.clone(), base.to_string(), sizes.per_client);
        tasks.spawn(async move {
            for i in 0..per_client {
                post(&client, &base, index, i).await?;
            }
            anyhow::Ok(per_client)
        });
    }
    let mut done = 0;
    while let Some(finished) = tasks.join_next().await {
        done += finished??;
    }
    Ok((Summary::of(samples), done as f64 / start.elapsed().as_secs_f64()))
}

/// This process's resident memory in MiB (Linux `/proc/self/status`), if readable.
pub(super) fn rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}
