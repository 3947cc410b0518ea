//! Time to placement: for each hospital and month (JST), the distribution of the time from the
//! search to the hospital's acceptance (median, p90) and the count of declines and expiries.

use crate::{Db, StoreError};
use nimo_domain::PartialDate;
use nimo_domain::beds::{HoldState, percentile};
use sqlx::Row;
use std::collections::BTreeMap;

/// One hospital's month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HospitalMonth {
    /// The hospital's id.
    pub hospital_id: String,
    /// Its name.
    pub hospital_name: String,
    /// The month (Japan time), of month precision.
    pub month: PartialDate,
    /// Accepted holds (placements).
    pub placements: usize,
    /// Median seconds from search to acceptance.
    pub median_seconds: Option<i64>,
    /// 90th percentile of the same.
    pub p90_seconds: Option<i64>,
    /// Declined holds.
    pub declines: usize,
    /// Expired holds.
    pub expiries: usize,
}

/// The month (Japan time, UTC+9) of a Unix time.
fn month_of(unix: i64) -> PartialDate {
    let at = time::OffsetDateTime::from_unix_timestamp(unix + 9 * 3600).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    PartialDate::month(at.year(), u8::from(at.month()))
}

/// Every hospital's months with at least one answered hold, newest month first, then by hospital.
pub async fn placement_stats(db: &Db) -> Result<Vec<HospitalMonth>, StoreError> {
    let rows = sqlx::query(
        "SELECT h.id, h.name, b.state, b.searched_at, b.decided_at
         FROM bed_hold b JOIN ward w ON w.id = b.ward_id JOIN hospital h ON h.id = w.hospital_id
         WHERE b.state <> 'held' AND b.decided_at IS NOT NULL",
    )
    .fetch_all(&db.pool)
    .await?;
    // (month, hospital id) → (hospital name, placement seconds, declines, expiries).
    type Group = (String, Vec<i64>, usize, usize);
    let mut groups: BTreeMap<(PartialDate, String), Group> = BTreeMap::new();
    for row in &rows {
        let id: String = row.try_get("id")?;
        let name: String = row.try_get("name")?;
        let state: String = row.try_get("state")?;
        let searched_at: i64 = row.try_get("searched_at")?;
        let decided_at: i64 = row.try_get("decided_at")?;
        // A hold its placer withdrew says nothing about the hospital: not counted.
        if state == HoldState::Cancelled.code() {
            continue;
        }
        let entry = groups.entry((month_of(decided_at), id)).or_insert_with(|| (name, Vec::new(), 0, 0));
        match HoldState::parse(&state) {
            Some(HoldState::Accepted) => entry.1.push((decided_at - searched_at).max(0)),
            Some(HoldState::Declined) => entry.2 += 1,
            Some(HoldState::Expired) => entry.3 += 1,
            _ => return Err(StoreError::Corrupt(format!("hold state {state}"))),
        }
    }
    let mut months: Vec<HospitalMonth> = groups
        .into_iter()
        .map(|((month, hospital_id), (hospital_name, mut times, declines, expiries))| {
            times.sort_unstable();
            HospitalMonth {
                hospital_id,
                hospital_name,
                month,
                placements: times.len(),
                median_seconds: percentile(&times, 50),
                p90_seconds: percentile(&times, 90),
                declines,
                expiries,
            }
        })
        .collect();
    months.sort_by(|a, b| b.month.cmp(&a.month).then_with(|| a.hospital_id.cmp(&b.hospital_id)));
    Ok(months)
}

/// How many holds are in each state at `now` (every state, zero included): a held hold past its
/// expiry counts as expired, as every hold query reads it. For the operator's metrics; no case
/// reference or hospital is read.
pub async fn hold_counts_at(db: &Db, now: i64) -> Result<Vec<(HoldState, i64)>, StoreError> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT CASE WHEN state = 'held' AND expires_at <= $1 THEN 'expired' ELSE state END AS hold_state, COUNT(*)
         FROM bed_hold GROUP BY 1",
    )
    .bind(now)
    .fetch_all(&db.pool)
    .await?;
    let mut counts: Vec<(HoldState, i64)> = HoldState::ALL.iter().map(|s| (*s, 0)).collect();
    for (code, count) in rows {
        let state = HoldState::parse(&code).ok_or_else(|| StoreError::Corrupt(format!("bed_hold.state: {code}")))?;
        if let Some(entry) = counts.iter_mut().find(|(s, _)| *s == state) {
            entry.1 += count;
        }
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    #[test]
    fn months_are_in_japan_time() {
        // 2026-11-30T15:30:00Z is 2026-12-01 00:30 JST.
        assert_eq!(super::month_of(1_796_052_600).iso(), "2026-12");
        assert_eq!(super::month_of(1_796_052_600 - 3600).iso(), "2026-11");
    }
}
