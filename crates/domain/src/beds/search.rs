//! The bed search: distances from the 23 wards' centres, the criteria, how a ward matches and
//! ranks, and the figures of the placement statistics.

use super::designation::{Designations, Requirement};
use super::*;

/// Great-circle distance in kilometres between two points (latitude, longitude in degrees).
pub fn distance_km(from: (f64, f64), to: (f64, f64)) -> f64 {
    const EARTH_RADIUS_KM: f64 = 6371.0;
    let (lat1, lon1) = (from.0.to_radians(), from.1.to_radians());
    let (lat2, lon2) = (to.0.to_radians(), to.1.to_radians());
    let a = ((lat2 - lat1) / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * a.sqrt().asin()
}

/// Approximate centres (区役所) of the 23 special wards of Tokyo, by 地方公共団体コード, for a
/// search "from a municipality".
pub const TOKYO_WARD_CENTRES: [(&str, &str, f64, f64); 23] = [
    ("131016", "千代田区", 35.6940, 139.7536),
    ("131024", "中央区", 35.6707, 139.7720),
    ("131032", "港区", 35.6581, 139.7516),
    ("131041", "新宿区", 35.6938, 139.7034),
    ("131059", "文京区", 35.7080, 139.7522),
    ("131067", "台東区", 35.7126, 139.7800),
    ("131075", "墨田区", 35.7107, 139.8015),
    ("131083", "江東区", 35.6728, 139.8171),
    ("131091", "品川区", 35.6092, 139.7302),
    ("131105", "目黒区", 35.6415, 139.6982),
    ("131113", "大田区", 35.5614, 139.7161),
    ("131121", "世田谷区", 35.6464, 139.6532),
    ("131130", "渋谷区", 35.6640, 139.6982),
    ("131148", "中野区", 35.7074, 139.6637),
    ("131156", "杉並区", 35.6995, 139.6364),
    ("131164", "豊島区", 35.7260, 139.7166),
    ("131172", "北区", 35.7528, 139.7336),
    ("131181", "荒川区", 35.7361, 139.7834),
    ("131199", "板橋区", 35.7512, 139.7094),
    ("131211", "練馬区", 35.7356, 139.6517),
    ("131229", "足立区", 35.7750, 139.8044),
    ("131237", "葛飾区", 35.7434, 139.8474),
    ("131245", "江戸川区", 35.7066, 139.8683),
];

/// The centre of a Tokyo ward by its code.
pub fn centre_of(code: &str) -> Option<(f64, f64)> {
    TOKYO_WARD_CENTRES.iter().find(|(c, ..)| *c == code).map(|(_, _, lat, lon)| (*lat, *lon))
}

/// What a search asks for. Every field but `from` is a hard filter.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Criteria {
    /// The admission type needed; the ward must accept it (応急 also needs the 応急入院指定).
    pub admission: Option<AdmissionType>,
    /// The person's sex.
    pub sex: Option<Sex>,
    /// The person's age in years.
    pub age: Option<i64>,
    /// The ward type wanted.
    pub ward_type: Option<WardType>,
    /// Whether physical comorbidity care (身体合併症) is needed.
    pub needs_physical_care: bool,
    /// Where distance is measured from (latitude, longitude).
    pub from: Option<(f64, f64)>,
    /// Include wards with no bed left (ranked after every ward with one).
    pub include_full: bool,
    /// Only wards with a free 保護室 (seclusion room).
    pub needs_seclusion: bool,
    /// The search runs in the 夜間・休日 band ([`super::night::band_at`] of its time): hospitals
    /// that take no admissions then rank after every one that does.
    pub night_band: bool,
}

/// A ward as the search sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The ward type.
    pub ward_type: WardType,
    /// Who it admits.
    pub sex: Sex,
    /// Youngest age admitted.
    pub min_age: i64,
    /// Oldest age admitted.
    pub max_age: i64,
    /// Admission types accepted.
    pub admissions: Vec<AdmissionType>,
    /// The hospital's 精神科救急 designation.
    pub emergency: bool,
    /// The hospital's designations (国等 / 指定病院, 応急入院指定).
    pub designations: Designations,
    /// Whether the hospital takes admissions in the 夜間・休日 band.
    pub night_holiday: bool,
    /// The ward's free 保護室 as last posted.
    pub seclusion_free: i64,
    /// Whether the hospital treats physical comorbidity.
    pub physical_care: bool,
    /// The hospital's location.
    pub location: (f64, f64),
    /// The ward's beds now.
    pub availability: Availability,
    /// Age of the last posting in seconds.
    pub posting_age_seconds: i64,
}

/// Where a candidate ranks; smaller sorts first.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Rank {
    /// 0 when a bed is left, 1 when not.
    pub full: u8,
    /// 1 when the search runs in the 夜間・休日 band and the hospital takes no admissions then.
    pub closed_now: u8,
    /// 0 when the posting is fresh, 1 when stale.
    pub stale: u8,
    /// Minus the fit score (so that a better fit sorts first).
    pub misfit: i64,
    /// Distance in kilometres (0 without a point to measure from).
    pub distance_km: f64,
    /// Posting age in seconds (newer first).
    pub age_seconds: i64,
}

/// Why a ward does not take an admission type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdmissionRefusal {
    /// The ward does not list the type among those it accepts.
    NotListed,
    /// 応急入院 in a hospital that is no 応急入院指定病院 (法33条の6, 33条の7 before R6.4: only
    /// a hospital the 知事 designated may admit under it).
    NotOkyuDesignated,
    /// 措置入院 or 緊急措置入院 in a hospital that is neither set up by the 国等 nor a 指定病院
    /// (法29条1項, 29条の2第1項, 19条の8).
    NotSochiDesignated,
}

impl AdmissionRefusal {
    /// The code, for logs and problem details.
    pub fn code(self) -> &'static str {
        match self {
            AdmissionRefusal::NotListed => "not_listed",
            AdmissionRefusal::NotOkyuDesignated => "not_okyu_designated",
            AdmissionRefusal::NotSochiDesignated => "not_sochi_designated",
        }
    }
}

/// Why a ward with these accepted types, in a hospital with these designations, does not take
/// `admission`; `None` when it does. The search's filter and the server's check of a hold both
/// ask this, so that a hold the search would not offer is refused too. The designation each
/// type needs is [`PLACEMENT_RULES`](super::PLACEMENT_RULES).
pub fn admission_refusal(
    admissions: &[AdmissionType],
    designations: Designations,
    admission: AdmissionType,
) -> Option<AdmissionRefusal> {
    let requirement = super::placement_rule(admission).requires;
    if !admissions.contains(&admission) {
        Some(AdmissionRefusal::NotListed)
    } else if super::designation::meets(requirement, designations) {
        None
    } else if requirement == Requirement::OkyuDesignated {
        Some(AdmissionRefusal::NotOkyuDesignated)
    } else {
        Some(AdmissionRefusal::NotSochiDesignated)
    }
}

/// Whether a candidate passes every hard filter of the criteria.
pub fn matches(criteria: &Criteria, candidate: &Candidate) -> bool {
    let admission_ok = criteria
        .admission
        .is_none_or(|a| admission_refusal(&candidate.admissions, candidate.designations, a).is_none());
    let sex_ok = criteria.sex.is_none_or(|s| candidate.sex.admits(s));
    let age_ok = criteria.age.is_none_or(|age| (candidate.min_age..=candidate.max_age).contains(&age));
    let type_ok = criteria.ward_type.is_none_or(|t| t == candidate.ward_type);
    let physical_ok =
        !criteria.needs_physical_care || candidate.physical_care || candidate.ward_type == WardType::Gappeisho;
    let beds_ok = criteria.include_full || candidate.availability.can_hold();
    let seclusion_ok = !criteria.needs_seclusion || candidate.seclusion_free > 0;
    admission_ok && sex_ok && age_ok && type_ok && physical_ok && beds_ok && seclusion_ok
}

/// The fit score: one point for a 精神科救急 hospital or ward when the admission is an emergency
/// one, one for a 合併症 ward when physical care is needed, one for a ward that admits exactly the
/// person's sex (single-sex wards are preferred by many wards for safety). A 合併症 ward loses two
/// points for a person who needs no physical care: its few beds are kept for those who do, so it
/// ranks after every other ward of the same freshness that fits as well.
pub fn fit(criteria: &Criteria, candidate: &Candidate) -> i64 {
    let mut score = 0;
    if !criteria.needs_physical_care && candidate.ward_type == WardType::Gappeisho {
        score -= 2;
    }
    if criteria.admission.is_some_and(AdmissionType::is_emergency)
        && (candidate.emergency || candidate.ward_type == WardType::Kyukyu)
    {
        score += 1;
    }
    if criteria.needs_physical_care && candidate.ward_type == WardType::Gappeisho {
        score += 1;
    }
    if criteria.sex.is_some_and(|s| s != Sex::Mixed && candidate.sex == s) {
        score += 1;
    }
    score
}

/// The rank of a candidate: wards with a bed first, then (in the 夜間・休日 band) hospitals that
/// take admissions now, then fresh postings before stale ones, then better fit, then nearer,
/// then newer postings.
pub fn rank(criteria: &Criteria, candidate: &Candidate, stale_after_seconds: i64) -> Rank {
    let distance = criteria.from.map_or(0.0, |from| distance_km(from, candidate.location));
    rank_at_distance(criteria, candidate, stale_after_seconds, distance)
}

/// [`rank`] with the candidate's distance from `criteria.from` already measured (0 without a
/// point): the search measures it once per hospital, not once per ward.
pub fn rank_at_distance(criteria: &Criteria, candidate: &Candidate, stale_after_seconds: i64, distance: f64) -> Rank {
    Rank {
        full: u8::from(!candidate.availability.can_hold()),
        closed_now: u8::from(criteria.night_band && !candidate.night_holiday),
        stale: u8::from(candidate.posting_age_seconds > stale_after_seconds),
        misfit: -fit(criteria, candidate),
        distance_km: distance,
        age_seconds: candidate.posting_age_seconds,
    }
}

/// A posting age as staff read it: 「3分前」, 「2時間前」, 「5日前」.
pub fn age_label(seconds: i64) -> String {
    let seconds = seconds.max(0);
    match seconds {
        0..60 => "1分以内".into(),
        60..3600 => format!("{}分前", seconds / 60),
        3600..86400 => format!("{}時間前", seconds / 3600),
        _ => format!("{}日前", seconds / 86400),
    }
}

/// The value at a percentile (nearest rank, 0 < p ≤ 100) of sorted values; `None` when empty.
pub fn percentile(sorted: &[i64], p: u32) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (u64::from(p.clamp(1, 100)) * sorted.len() as u64).div_ceil(100) as usize;
    sorted.get(rank.saturating_sub(1)).copied()
}
