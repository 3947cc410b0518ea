//! The bed search: [`search_at`] reads the in-memory snapshot (`beds/snapshot.rs`, no database
//! round trip), [`search_from_database_at`] reads every ward from the database (the rebuild path
//! and the check the snapshot is tested against). Both filter and rank with the same code
//! ([`select`]: `nimo_domain::beds::{matches, rank}`), ties broken by ward id.

use super::{HOSPITAL_COLUMNS, Hit, Hospital, TAKEN_COLUMNS, WARD_COLUMNS, WardStatus, hospital_from, status_from};
use crate::{Db, StoreError};
use nimo_domain::beds::{Availability, Candidate, Criteria, Rank, distance_km, matches, rank_at_distance};
use std::cmp::Ordering;

/// What a search found: the best `limit` hits, and how many wards and hospitals matched in all.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Found {
    /// The ranked hits, at most the search's limit.
    pub hits: Vec<Hit>,
    /// How many wards matched the criteria (before the limit).
    pub wards: usize,
    /// How many distinct hospitals those wards belong to.
    pub hospitals: usize,
}

/// Searches every ward: filters by the criteria, ranks (bed left, fresh before stale, fit,
/// distance, newest posting, then ward id) and returns at most `limit` hits with the counts of
/// all matches. Reads the process's snapshot of the bed finder (built from the database on first
/// use, kept current by every write of this process and, on PostgreSQL, by the other servers'
/// notifications): no database round trip after the first.
pub async fn search_at(
    db: &Db,
    criteria: &Criteria,
    stale_after_seconds: i64,
    limit: usize,
    now: i64,
) -> Result<Found, StoreError> {
    db.bed_snapshot.ensure_loaded(db).await?;
    Ok(db.bed_snapshot.search(criteria, stale_after_seconds, limit, now))
}

/// The same search read from the database: every ward with its active holds and admissions
/// counted by SQL at `now`. What the snapshot must agree with (the tests compare them).
pub async fn search_from_database_at(
    db: &Db,
    criteria: &Criteria,
    stale_after_seconds: i64,
    limit: usize,
    now: i64,
) -> Result<Found, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {WARD_COLUMNS}, {TAKEN_COLUMNS}, {HOSPITAL_COLUMNS}
         FROM ward w JOIN hospital h ON h.id = w.hospital_id"
    ))
    .bind(now)
    .fetch_all(&db.pool)
    .await?;
    let wards = rows
        .iter()
        .map(|row| Ok((hospital_from(row)?, status_from(row)?)))
        .collect::<Result<Vec<(Hospital, WardStatus)>, StoreError>>()?;
    let found = select(
        criteria,
        stale_after_seconds,
        limit,
        now,
        wards.iter().map(|(hospital, status)| (hospital, status, status.availability)),
    );
    Ok(found)
}

/// Filters and ranks wards (each with its hospital and its availability at `now`) and keeps the
/// best `limit`. One candidate is reused for every ward, so that a search allocates only for its
/// matches.
pub(super) fn select<'a>(
    criteria: &Criteria,
    stale_after_seconds: i64,
    limit: usize,
    now: i64,
    wards: impl Iterator<Item = (&'a Hospital, &'a WardStatus, Availability)>,
) -> Found {
    let mut candidate: Option<Candidate> = None;
    let mut ranked: Vec<(Rank, &'a Hospital, &'a WardStatus, Availability)> = Vec::new();
    // Distinct hospitals of the matching wards, and the distance of the last hospital measured:
    // the snapshot and the database both list a hospital's wards together, so a hospital is
    // hashed and measured once, not once per ward (in another order it is measured again,
    // never wrongly).
    let mut hospitals: std::collections::HashSet<&'a str> = std::collections::HashSet::new();
    let mut last: Option<(&'a str, f64)> = None;
    for (hospital, status, availability) in wards {
        let age_seconds = (now - status.posted_at).max(0);
        let candidate = match candidate.as_mut() {
            Some(candidate) => {
                fill(candidate, hospital, status, availability, age_seconds);
                candidate
            }
            None => candidate.insert(candidate_of(hospital, status, availability, age_seconds)),
        };
        if !matches(criteria, candidate) {
            continue;
        }
        let id = hospital.id.as_str();
        let distance = match last {
            Some((last_id, distance)) if last_id == id => distance,
            _ => {
                hospitals.insert(id);
                let distance = criteria.from.map_or(0.0, |from| distance_km(from, candidate.location));
                last = Some((id, distance));
                distance
            }
        };
        ranked.push((
            rank_at_distance(criteria, candidate, stale_after_seconds, distance),
            hospital,
            status,
            availability,
        ));
    }
    let order = |a: &(Rank, &Hospital, &WardStatus, Availability), b: &(Rank, &Hospital, &WardStatus, Availability)| {
        a.0.partial_cmp(&b.0).unwrap_or(Ordering::Equal).then_with(|| a.2.ward.id.cmp(&b.2.ward.id))
    };
    let wards = ranked.len();
    if ranked.len() > limit && limit > 0 {
        ranked.select_nth_unstable_by(limit - 1, order);
    }
    ranked.truncate(limit);
    ranked.sort_unstable_by(order);
    let hits = ranked
        .into_iter()
        .map(|(rank, hospital, status, availability)| Hit {
            distance_km: criteria.from.map(|_| rank.distance_km),
            stale: rank.stale == 1,
            age_seconds: (now - status.posted_at).max(0),
            hospital: hospital.clone(),
            status: WardStatus { availability, ..status.clone() },
        })
        .collect();
    Found { hits, wards, hospitals: hospitals.len() }
}

/// A ward as the domain's search sees it.
fn candidate_of(hospital: &Hospital, status: &WardStatus, availability: Availability, age_seconds: i64) -> Candidate {
    Candidate { admissions: status.ward.admissions.clone(), ..bare(hospital, status, availability, age_seconds) }
}

/// [`candidate_of`] into an existing candidate, reusing its list of admission types.
fn fill(candidate: &mut Candidate, hospital: &Hospital, status: &WardStatus, availability: Availability, age: i64) {
    let mut admissions = std::mem::take(&mut candidate.admissions);
    admissions.clear();
    admissions.extend_from_slice(&status.ward.admissions);
    *candidate = Candidate { admissions, ..bare(hospital, status, availability, age) };
}

/// A candidate without its admission types (an empty list allocates nothing).
fn bare(hospital: &Hospital, status: &WardStatus, availability: Availability, age_seconds: i64) -> Candidate {
    Candidate {
        ward_type: status.ward.ward_type,
        sex: status.ward.sex,
        min_age: status.ward.min_age,
        max_age: status.ward.max_age,
        admissions: Vec::new(),
        emergency: hospital.emergency,
        designations: hospital.designations(),
        night_holiday: hospital.night_holiday,
        seclusion_free: status.seclusion_free,
        physical_care: hospital.physical_care,
        location: (hospital.latitude, hospital.longitude),
        availability,
        posting_age_seconds: age_seconds,
    }
}
