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
use utoipa::ToSchema;

/// The 入院形態 a ward accepts (精神保健福祉法).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AdmissionType {
    /// 措置入院 (法29条).
    Sochi,
    /// 緊急措置入院 (法29条の2).
    KinkyuSochi,
    /// 医療保護入院 (法33条).
    IryoHogo,
    /// 応急入院 (法33条の6, 33条の7 before R6.4): only in a hospital with the 応急入院指定.
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
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
    /// The staff member who placed it withdrew it (placed elsewhere, no longer needed): the bed
    /// is free again.
    Cancelled,
}

impl HoldState {
    /// Every state.
    pub const ALL: [HoldState; 5] =
        [HoldState::Held, HoldState::Accepted, HoldState::Declined, HoldState::Expired, HoldState::Cancelled];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            HoldState::Held => "held",
            HoldState::Accepted => "accepted",
            HoldState::Declined => "declined",
            HoldState::Expired => "expired",
            HoldState::Cancelled => "cancelled",
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
            HoldState::Cancelled => "取消",
        }
    }

    /// Whether a hold may go from this state to `next`: only a held hold moves, and only to one
    /// of the final states.
    pub fn can_become(self, next: HoldState) -> bool {
        self == HoldState::Held && next != HoldState::Held
    }
}

/// The short, non-personal reference of the case a hold is for (受付番号, e.g. `R4-023`): 1–20
/// ASCII letters, digits and hyphens, starting with a letter or digit, after NFKC (so a
/// full-width `Ｒ４－０２３` is accepted as `R4-023`). A name cannot pass.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(example = "R4-023")]
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

/// The most 保護室 (seclusion rooms) a ward can record (a sanity limit against typing errors).
pub const MAX_SECLUSION_ROOMS: i64 = 100;

/// The most free beds a ward can post (a sanity limit against typing errors).
pub const MAX_FREE_BEDS: i64 = 500;
/// A posted count of free beds outside `0..=`[`MAX_FREE_BEDS`] (or not a whole number at all).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("free beds must be a whole number from 0 to {MAX_FREE_BEDS}")]
pub struct FreeBedsError;

/// Checks a posted count of free beds.
pub fn check_free_beds(value: i64) -> Result<i64, FreeBedsError> {
    if (0..=MAX_FREE_BEDS).contains(&value) { Ok(value) } else { Err(FreeBedsError) }
}
/// Reads a typed count of free beds (NFKC, so full-width digits count) and checks it.
pub fn parse_free_beds(text: &str) -> Result<i64, FreeBedsError> {
    crate::text::nfkc(text.trim()).parse::<i64>().map_err(|_| FreeBedsError).and_then(check_free_beds)
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

mod designation;
pub mod night;
mod reasons;
mod search;

pub use designation::{Designations, PLACEMENT_RULES, PlacementRule, Requirement, SochiDesignation, placement_rule};

pub use reasons::{AdmissionChange, DeclineReason};

pub use search::{
    AdmissionRefusal, Candidate, Criteria, Rank, TOKYO_WARD_CENTRES, admission_refusal, age_label, centre_of,
    distance_km, fit, matches, percentile, rank, rank_at_distance,
};

#[cfg(test)]
mod tests;
