//! The emergency psychiatric bed finder (緊急入院先検索): admission types, ward types, sexes,
//! holds and their legal transitions, the case reference a hold carries, the search criteria and
//! how results are ranked, distances, and the placement-time statistics. No I/O.
//!
//! **Free beds.** A ward's free beds are what its hospital last posted. A hold reserves one of
//! them until it is accepted, declined or expires; an accepted hold is an admission that keeps
//! consuming one of the posted beds until the hospital posts a new count (which then already
//! counts the admitted patient). So a ward can take a new hold only while
//! `posted − active holds − admissions since the posting > 0` ([`Availability::left`]).

use serde::{Deserialize, Serialize};

/// The 入院形態 a ward accepts (精神保健福祉法).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdmissionType {
    /// 措置入院 (法29条).
    Sochi,
    /// 緊急措置入院 (法29条の2).
    KinkyuSochi,
    /// 医療保護入院 (法33条).
    IryoHogo,
    /// 応急入院 (法33条の7): only in a hospital with the 応急入院指定.
    Okyu,
    /// 任意入院 (法20条).
    Nini,
}

impl AdmissionType {
    /// Every admission type, in the order forms list them.
    pub const ALL: [AdmissionType; 5] = [
        AdmissionType::Sochi,
        AdmissionType::KinkyuSochi,
        AdmissionType::IryoHogo,
        AdmissionType::Okyu,
        AdmissionType::Nini,
    ];

    /// The stored and API code.
    pub fn code(self) -> &'static str {
        match self {
            AdmissionType::Sochi => "sochi",
            AdmissionType::KinkyuSochi => "kinkyu_sochi",
            AdmissionType::IryoHogo => "iryo_hogo",
            AdmissionType::Okyu => "okyu",
            AdmissionType::Nini => "nini",
        }
    }

    /// The type named by its code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.code() == code)
    }

    /// The Japanese label.
    pub fn label(self) -> &'static str {
        match self {
            AdmissionType::Sochi => "措置入院",
            AdmissionType::KinkyuSochi => "緊急措置入院",
            AdmissionType::IryoHogo => "医療保護入院",
            AdmissionType::Okyu => "応急入院",
            AdmissionType::Nini => "任意入院",
        }
    }

    /// Whether the admission is an emergency one, for which a 精神科救急 hospital fits best.
    pub fn is_emergency(self) -> bool {
        matches!(self, AdmissionType::Sochi | AdmissionType::KinkyuSochi | AdmissionType::Okyu)
    }
}

/// A list of admission types as stored: codes joined by commas.
pub fn admission_codes(types: &[AdmissionType]) -> String {
    types.iter().map(|t| t.code()).collect::<Vec<_>>().join(",")
}

/// The admission types of a stored list; unknown codes are an error naming them.
pub fn parse_admission_codes(text: &str) -> Result<Vec<AdmissionType>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| AdmissionType::parse(c).ok_or_else(|| format!("入院形態 {c} は使えません")))
        .collect()
}

/// The kind of ward (病棟種別).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WardType {
    /// 精神科救急.
    Kyukyu,
    /// 精神科急性期.
    Kyuseiki,
    /// 閉鎖病棟.
    Heisa,
    /// 開放病棟.
    Kaiho,
    /// 児童思春期.
    Jido,
    /// 認知症治療.
    Ninchisho,
    /// 身体合併症.
    Gappeisho,
}

impl WardType {
    /// Every ward type, in the order forms list them.
    pub const ALL: [WardType; 7] = [
        WardType::Kyukyu,
        WardType::Kyuseiki,
        WardType::Heisa,
        WardType::Kaiho,
        WardType::Jido,
        WardType::Ninchisho,
        WardType::Gappeisho,
    ];

    /// The stored and API code.
    pub fn code(self) -> &'static str {
        match self {
            WardType::Kyukyu => "kyukyu",
            WardType::Kyuseiki => "kyuseiki",
            WardType::Heisa => "heisa",
            WardType::Kaiho => "kaiho",
            WardType::Jido => "jido",
            WardType::Ninchisho => "ninchisho",
            WardType::Gappeisho => "gappeisho",
        }
    }

    /// The type named by its code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|w| w.code() == code)
    }

    /// The Japanese label.
    pub fn label(self) -> &'static str {
        match self {
            WardType::Kyukyu => "精神科救急",
            WardType::Kyuseiki => "急性期",
            WardType::Heisa => "閉鎖",
            WardType::Kaiho => "開放",
            WardType::Jido => "児童思春期",
            WardType::Ninchisho => "認知症",
            WardType::Gappeisho => "身体合併症",
        }
    }
}

/// Who a ward admits by sex, or the sex of the person a bed is sought for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// 男性.
    Male,
    /// 女性.
    Female,
    /// 男女混合 (wards only).
    Mixed,
}

impl Sex {
    /// Every value, in the order forms list them.
    pub const ALL: [Sex; 3] = [Sex::Male, Sex::Female, Sex::Mixed];

    /// The stored and API code.
    pub fn code(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
            Sex::Mixed => "mixed",
        }
    }

    /// The value named by its code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The Japanese label.
    pub fn label(self) -> &'static str {
        match self {
            Sex::Male => "男性",
            Sex::Female => "女性",
            Sex::Mixed => "男女",
        }
    }

    /// Whether a ward of this sex admits a person of `person`.
    pub fn admits(self, person: Sex) -> bool {
        self == Sex::Mixed || person == Sex::Mixed || self == person
    }
}

/// Where a hold is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldState {
    /// Reserved, waiting for the hospital.
    Held,
    /// The hospital accepted: the admission is recorded.
    Accepted,
    /// The hospital declined (with a reason): the bed is free again.
    Declined,
    /// Nobody answered in time: the bed is free again.
    Expired,
}

impl HoldState {
    /// Every state.
    pub const ALL: [HoldState; 4] = [HoldState::Held, HoldState::Accepted, HoldState::Declined, HoldState::Expired];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            HoldState::Held => "held",
            HoldState::Accepted => "accepted",
            HoldState::Declined => "declined",
            HoldState::Expired => "expired",
        }
    }

    /// The state named by its code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The Japanese label.
    pub fn label(self) -> &'static str {
        match self {
            HoldState::Held => "仮押さえ中",
            HoldState::Accepted => "受入決定",
            HoldState::Declined => "受入不可",
            HoldState::Expired => "期限切れ",
        }
    }

    /// Whether a hold may go from this state to `next`: only a held hold moves, and only to one
    /// of the three final states.
    pub fn can_become(self, next: HoldState) -> bool {
        self == HoldState::Held && next != HoldState::Held
    }
}

/// Why a hospital declines a hold: a code, never free text (which could carry personal data).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeclineReason {
    /// 満床になった.
    Full,
    /// 対象外（性別・年齢・入院形態）.
    NotEligible,
    /// 身体合併症に対応できない.
    NoPhysicalCare,
    /// 医師・看護体制が整わない.
    NoStaff,
    /// その他.
    Other,
}

impl DeclineReason {
    /// Every reason, in the order the form lists them.
    pub const ALL: [DeclineReason; 5] = [
        DeclineReason::Full,
        DeclineReason::NotEligible,
        DeclineReason::NoPhysicalCare,
        DeclineReason::NoStaff,
        DeclineReason::Other,
    ];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            DeclineReason::Full => "full",
            DeclineReason::NotEligible => "not_eligible",
            DeclineReason::NoPhysicalCare => "no_physical_care",
            DeclineReason::NoStaff => "no_staff",
            DeclineReason::Other => "other",
        }
    }

    /// The reason named by its code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The Japanese label.
    pub fn label(self) -> &'static str {
        match self {
            DeclineReason::Full => "満床になった",
            DeclineReason::NotEligible => "対象外（性別・年齢・入院形態）",
            DeclineReason::NoPhysicalCare => "身体合併症に対応できない",
            DeclineReason::NoStaff => "医師・看護体制が整わない",
            DeclineReason::Other => "その他",
        }
    }
}

/// The short, non-personal reference of the case a hold is for (受付番号, e.g. `R4-023`): 1–20
/// ASCII letters, digits and hyphens, starting with a letter or digit, after NFKC (so a
/// full-width `Ｒ４－０２３` is accepted as `R4-023`). A name cannot pass.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CaseRef(String);

impl CaseRef {
    /// The longest reference.
    pub const MAX_LEN: usize = 20;

    /// Parses a reference, or says in Japanese what is wrong with it.
    pub fn parse(text: &str) -> Result<Self, String> {
        let normal = crate::text::nfkc(text.trim()).replace(['－', '−', 'ー'], "-");
        if normal.is_empty() {
            return Err("受付番号を入力してください".into());
        }
        if normal.chars().count() > Self::MAX_LEN {
            return Err(format!("受付番号は{}文字以内です", Self::MAX_LEN));
        }
        if !normal.starts_with(|c: char| c.is_ascii_alphanumeric())
            || !normal.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err("受付番号は英数字とハイフンだけで入力してください（例: R4-023）。氏名は入力できません".into());
        }
        Ok(Self(normal))
    }

    /// The reference.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CaseRef {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CaseRef> for String {
    fn from(value: CaseRef) -> Self {
        value.0
    }
}

/// The most free beds a ward can post (a sanity limit against typing errors).
pub const MAX_FREE_BEDS: i64 = 500;

/// Checks a posted count of free beds.
pub fn check_free_beds(value: i64) -> Result<i64, String> {
    if (0..=MAX_FREE_BEDS).contains(&value) {
        Ok(value)
    } else {
        Err(format!("空床数は0から{MAX_FREE_BEDS}までの整数で入力してください"))
    }
}

/// A ward's beds at a moment: what the hospital posted and what holds and admissions took.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Availability {
    /// The hospital's last posted count of free beds.
    pub posted: i64,
    /// Holds not yet answered and not expired.
    pub active_holds: i64,
    /// Holds accepted since that posting.
    pub admissions: i64,
}

impl Availability {
    /// Beds still free for a new hold (never negative).
    pub fn left(&self) -> i64 {
        (self.posted - self.active_holds - self.admissions).max(0)
    }

    /// Whether one more hold fits.
    pub fn can_hold(&self) -> bool {
        self.posted - self.active_holds - self.admissions > 0
    }
}

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
    /// The hospital's 応急入院指定.
    pub okyu_designated: bool,
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
    /// 0 when the posting is fresh, 1 when stale.
    pub stale: u8,
    /// Minus the fit score (so that a better fit sorts first).
    pub misfit: i64,
    /// Distance in kilometres (0 without a point to measure from).
    pub distance_km: f64,
    /// Posting age in seconds (newer first).
    pub age_seconds: i64,
}

/// Whether a candidate passes every hard filter of the criteria.
pub fn matches(criteria: &Criteria, candidate: &Candidate) -> bool {
    let admission_ok = criteria
        .admission
        .is_none_or(|a| candidate.admissions.contains(&a) && (a != AdmissionType::Okyu || candidate.okyu_designated));
    let sex_ok = criteria.sex.is_none_or(|s| candidate.sex.admits(s));
    let age_ok = criteria.age.is_none_or(|age| (candidate.min_age..=candidate.max_age).contains(&age));
    let type_ok = criteria.ward_type.is_none_or(|t| t == candidate.ward_type);
    let physical_ok =
        !criteria.needs_physical_care || candidate.physical_care || candidate.ward_type == WardType::Gappeisho;
    let beds_ok = criteria.include_full || candidate.availability.can_hold();
    admission_ok && sex_ok && age_ok && type_ok && physical_ok && beds_ok
}

/// The fit score: one point for a 精神科救急 hospital or ward when the admission is an emergency
/// one, one for a 合併症 ward when physical care is needed, one for a ward that admits exactly the
/// person's sex (single-sex wards are preferred by many wards for safety).
pub fn fit(criteria: &Criteria, candidate: &Candidate) -> i64 {
    let mut score = 0;
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

/// The rank of a candidate: wards with a bed first, then fresh postings before stale ones, then
/// better fit, then nearer, then newer postings.
pub fn rank(criteria: &Criteria, candidate: &Candidate, stale_after_seconds: i64) -> Rank {
    Rank {
        full: u8::from(!candidate.availability.can_hold()),
        stale: u8::from(candidate.posting_age_seconds > stale_after_seconds),
        misfit: -fit(criteria, candidate),
        distance_km: criteria.from.map_or(0.0, |from| distance_km(from, candidate.location)),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate() -> Candidate {
        Candidate {
            ward_type: WardType::Kyukyu,
            sex: Sex::Mixed,
            min_age: 16,
            max_age: 120,
            admissions: AdmissionType::ALL.to_vec(),
            emergency: true,
            okyu_designated: false,
            physical_care: false,
            location: (35.64, 139.70),
            availability: Availability { posted: 2, active_holds: 0, admissions: 0 },
            posting_age_seconds: 60,
        }
    }

    #[test]
    fn only_a_held_hold_moves_and_only_to_a_final_state() {
        for next in HoldState::ALL {
            assert_eq!(HoldState::Held.can_become(next), next != HoldState::Held, "{next:?}");
        }
        for from in [HoldState::Accepted, HoldState::Declined, HoldState::Expired] {
            for next in HoldState::ALL {
                assert!(!from.can_become(next), "{from:?} → {next:?}");
            }
        }
    }

    #[test]
    fn codes_round_trip() {
        for a in AdmissionType::ALL {
            assert_eq!(AdmissionType::parse(a.code()), Some(a));
        }
        for w in WardType::ALL {
            assert_eq!(WardType::parse(w.code()), Some(w));
        }
        for s in HoldState::ALL {
            assert_eq!(HoldState::parse(s.code()), Some(s));
        }
        for r in DeclineReason::ALL {
            assert_eq!(DeclineReason::parse(r.code()), Some(r));
        }
        assert_eq!(parse_admission_codes(&admission_codes(&AdmissionType::ALL)).unwrap(), AdmissionType::ALL.to_vec());
        assert!(parse_admission_codes("sochi,bogus").unwrap_err().contains("bogus"));
    }

    #[test]
    fn case_references_are_short_codes_never_names() {
        assert_eq!(CaseRef::parse("R4-023").unwrap().as_str(), "R4-023");
        assert_eq!(CaseRef::parse(" Ｒ４－０２３ ").unwrap().as_str(), "R4-023");
        for bad in ["", "目黒 花子", "R4 023", "-R4", "<script>", "R4-0230000000000000000000"] {
            assert!(CaseRef::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_hold_fits_only_while_posted_beds_exceed_holds_and_admissions() {
        let a = Availability { posted: 2, active_holds: 1, admissions: 0 };
        assert!(a.can_hold());
        assert_eq!(a.left(), 1);
        let full = Availability { posted: 2, active_holds: 1, admissions: 1 };
        assert!(!full.can_hold());
        assert_eq!(full.left(), 0);
        let over = Availability { posted: 1, active_holds: 1, admissions: 1 };
        assert_eq!(over.left(), 0, "never negative");
    }

    #[test]
    fn filters_are_hard_and_okyu_needs_the_designation() {
        let c = candidate();
        let okyu = Criteria { admission: Some(AdmissionType::Okyu), ..Criteria::default() };
        assert!(!matches(&okyu, &c), "応急 needs the 応急入院指定");
        assert!(matches(&okyu, &Candidate { okyu_designated: true, ..c.clone() }));
        assert!(!matches(&Criteria { age: Some(12), ..Criteria::default() }, &c));
        assert!(matches(&Criteria { age: Some(16), ..Criteria::default() }, &c));
        let male_ward = Candidate { sex: Sex::Male, ..c.clone() };
        assert!(!matches(&Criteria { sex: Some(Sex::Female), ..Criteria::default() }, &male_ward));
        assert!(!matches(&Criteria { needs_physical_care: true, ..Criteria::default() }, &c));
        assert!(matches(&Criteria { ward_type: Some(WardType::Kyukyu), ..Criteria::default() }, &c));
        assert!(!matches(&Criteria { ward_type: Some(WardType::Kaiho), ..Criteria::default() }, &c));
        let full = Candidate { availability: Availability { posted: 1, active_holds: 1, admissions: 0 }, ..c.clone() };
        assert!(!matches(&Criteria::default(), &full));
        assert!(matches(&Criteria { include_full: true, ..Criteria::default() }, &full));
    }

    #[test]
    fn stale_postings_rank_after_fresh_ones_whatever_the_distance() {
        let criteria = Criteria { from: Some((35.64, 139.70)), ..Criteria::default() };
        let near_stale = Candidate { posting_age_seconds: 7200, ..candidate() };
        let far_fresh = Candidate { location: (35.75, 139.85), ..candidate() };
        assert!(rank(&criteria, &far_fresh, 3600) < rank(&criteria, &near_stale, 3600));
        let near_fresh = candidate();
        assert!(rank(&criteria, &near_fresh, 3600) < rank(&criteria, &far_fresh, 3600));
    }

    #[test]
    fn distances_are_plausible() {
        let meguro = centre_of("131105").unwrap();
        let chiyoda = centre_of("131016").unwrap();
        let d = distance_km(meguro, chiyoda);
        assert!((7.0..9.0).contains(&d), "{d}");
        assert_eq!(distance_km(meguro, meguro), 0.0);
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let values: Vec<i64> = (1..=10).collect();
        assert_eq!(percentile(&values, 50), Some(5));
        assert_eq!(percentile(&values, 90), Some(9));
        assert_eq!(percentile(&values, 100), Some(10));
        assert_eq!(percentile(&[7], 90), Some(7));
        assert_eq!(percentile(&[], 50), None);
    }

    #[test]
    fn ages_read_naturally() {
        assert_eq!(age_label(5), "1分以内");
        assert_eq!(age_label(180), "3分前");
        assert_eq!(age_label(7200), "2時間前");
        assert_eq!(age_label(3 * 86400), "3日前");
    }
}
