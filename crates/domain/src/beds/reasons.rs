//! The reasons a bed finder's user gives as codes, never free text (which could carry personal
//! data): why a hospital declines a hold, and why a hold asks for another 入院形態 than the case's
//! disposition.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Why a hospital declines a hold: a code, never free text (which could carry personal data).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
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

/// Why a hold placed from a case asks for another 入院形態 than the case's disposition gives: a
/// code the user confirms, stored with the hold and named in its audit row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdmissionChange {
    /// The designated doctors' finding changed after the disposition was recorded.
    ExamChanged,
    /// A family member consented: 医療保護入院 instead.
    FamilyConsent,
    /// The person agreed to be admitted: 任意入院 instead.
    Voluntary,
    /// The receiving hospital's 指定医 decided otherwise.
    HospitalDecision,
}

impl AdmissionChange {
    /// Every reason, in the order the form lists them.
    pub const ALL: [AdmissionChange; 4] = [
        AdmissionChange::ExamChanged,
        AdmissionChange::FamilyConsent,
        AdmissionChange::Voluntary,
        AdmissionChange::HospitalDecision,
    ];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            AdmissionChange::ExamChanged => "exam_changed",
            AdmissionChange::FamilyConsent => "family_consent",
            AdmissionChange::Voluntary => "voluntary",
            AdmissionChange::HospitalDecision => "hospital_decision",
        }
    }

    /// The reason named by its code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The Japanese label.
    pub fn label(self) -> &'static str {
        match self {
            AdmissionChange::ExamChanged => "処遇の記録後に診察結果が変わった",
            AdmissionChange::FamilyConsent => "家族等の同意により医療保護入院とする",
            AdmissionChange::Voluntary => "本人が同意し任意入院とする",
            AdmissionChange::HospitalDecision => "受入病院の指定医の判断",
        }
    }
}
