//! Which hospitals may admit under which 入院形態: the hospital's designations (国等の設置 or
//! 指定病院 for 措置 and 緊急措置, 応急入院指定病院 for 応急) and the rules, as data with their
//! source and whether the text was read, that the search and the server's check of a hold share.

use super::AdmissionType;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a hospital is for 措置入院 and 緊急措置入院 (法29条1項: 「国等の設置した精神科病院又は
/// 指定病院」; 国等 and 指定病院 are defined in 法19条の8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SochiDesignation {
    /// 国等の設置: set up by the 国, a 都道府県, or a 地方独立行政法人 a 都道府県 set up (alone or
    /// with other local bodies).
    Kokuto,
    /// 指定病院: a hospital of anyone else that the 知事 designated under 法19条の8 (wholly or in
    /// part; a partly designated hospital lists 措置 only on its designated wards).
    Shitei,
    /// Neither: no 措置入院 or 緊急措置入院 may be placed there. The default, so that a hospital
    /// nobody has described is never offered for 措置.
    #[default]
    None,
}

impl SochiDesignation {
    /// Every value, in the order forms list them.
    pub const ALL: [SochiDesignation; 3] = [SochiDesignation::Kokuto, SochiDesignation::Shitei, SochiDesignation::None];

    /// The stored and API code.
    pub fn code(self) -> &'static str {
        match self {
            SochiDesignation::Kokuto => "kokuto",
            SochiDesignation::Shitei => "shitei",
            SochiDesignation::None => "none",
        }
    }

    /// The value named by its code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.code() == code)
    }

    /// The Japanese label.
    pub fn label(self) -> &'static str {
        match self {
            SochiDesignation::Kokuto => "国等の設置する精神科病院",
            SochiDesignation::Shitei => "指定病院（法19条の8）",
            SochiDesignation::None => "国等の設置でも指定病院でもない",
        }
    }

    /// Whether 措置入院 and 緊急措置入院 may be placed in the hospital.
    pub fn allows_sochi(self) -> bool {
        self != SochiDesignation::None
    }
}

/// A hospital's designations, as the admission rules read them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Designations {
    /// 国等の設置 / 指定病院 / neither.
    pub sochi: SochiDesignation,
    /// 応急入院指定病院.
    pub okyu: bool,
}

/// What a hospital must be for an admission type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requirement {
    /// 国等の設置した精神科病院 or 指定病院.
    SochiDesignated,
    /// 応急入院指定病院.
    OkyuDesignated,
    /// Any 精神科病院.
    Any,
}

/// One rule of [`PLACEMENT_RULES`]: the admission type, what the hospital must be, and where
/// that is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlacementRule {
    /// The admission type.
    pub admission: AdmissionType,
    /// What the hospital must be.
    pub requires: Requirement,
    /// The article now (from R6.4, 令和4年法律第104号).
    pub article: &'static str,
    /// The article before R6.4, when it had another number.
    pub article_before_r6: Option<&'static str>,
    /// What was read.
    pub source: &'static str,
    /// `None` when the wording was read; otherwise what is still to be checked (shown as 要確認).
    pub unverified: Option<&'static str>,
}

/// The placement rules (精神保健及び精神障害者福祉に関する法律, as of R6.4).
pub const PLACEMENT_RULES: [PlacementRule; 5] = [
    PlacementRule {
        admission: AdmissionType::Sochi,
        requires: Requirement::SochiDesignated,
        article: "法29条1項、19条の8",
        article_before_r6: None,
        source: "法29条1項「国等の設置した精神科病院又は指定病院に入院させることができる」、法19条の8（国等・指定病院の定義）の条文（R6.4施行の文言）",
        unverified: None,
    },
    PlacementRule {
        admission: AdmissionType::KinkyuSochi,
        requires: Requirement::SochiDesignated,
        article: "法29条の2第1項",
        article_before_r6: None,
        source: "法29条の2第1項（前条第1項の精神科病院又は指定病院）；法29条4項が両者への29条の2による入院を前提とする",
        unverified: Some("29条の2第1項の入院先の文言は二次資料による"),
    },
    PlacementRule {
        admission: AdmissionType::Okyu,
        requires: Requirement::OkyuDesignated,
        article: "法33条の6",
        article_before_r6: Some("法33条の7"),
        source: "厚生労働大臣の定める基準に適合するものとして都道府県知事が指定する精神科病院（応急入院指定病院）",
        unverified: Some("R6.4以降の条番号（33条の6）は保医発0305第4号の引用による"),
    },
    PlacementRule {
        admission: AdmissionType::IryoHogo,
        requires: Requirement::Any,
        article: "法33条",
        article_before_r6: None,
        source: "精神科病院の管理者による入院（指定を要しない）",
        unverified: None,
    },
    PlacementRule {
        admission: AdmissionType::Nini,
        requires: Requirement::Any,
        article: "法20条",
        article_before_r6: None,
        source: "精神科病院の管理者による入院（指定を要しない）",
        unverified: None,
    },
];

/// The rule of an admission type.
pub fn placement_rule(admission: AdmissionType) -> &'static PlacementRule {
    PLACEMENT_RULES.iter().find(|r| r.admission == admission).unwrap_or(&PLACEMENT_RULES[3])
}

/// Whether a hospital with these designations meets a requirement.
pub fn meets(requirement: Requirement, designations: Designations) -> bool {
    match requirement {
        Requirement::SochiDesignated => designations.sochi.allows_sochi(),
        Requirement::OkyuDesignated => designations.okyu,
        Requirement::Any => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_admission_type_has_exactly_one_rule() {
        for admission in AdmissionType::ALL {
            assert_eq!(PLACEMENT_RULES.iter().filter(|r| r.admission == admission).count(), 1, "{admission:?}");
            assert_eq!(placement_rule(admission).admission, admission);
        }
        for code in SochiDesignation::ALL.map(SochiDesignation::code) {
            assert_eq!(SochiDesignation::parse(code).map(SochiDesignation::code), Some(code));
        }
    }

    #[test]
    fn sochi_needs_kokuto_or_shitei_and_okyu_its_own_designation() {
        let none = Designations::default();
        let shitei = Designations { sochi: SochiDesignation::Shitei, okyu: false };
        let kokuto = Designations { sochi: SochiDesignation::Kokuto, okyu: false };
        let okyu = Designations { sochi: SochiDesignation::None, okyu: true };
        for sochi in [AdmissionType::Sochi, AdmissionType::KinkyuSochi] {
            let rule = placement_rule(sochi).requires;
            assert!(!meets(rule, none) && !meets(rule, okyu) && meets(rule, shitei) && meets(rule, kokuto));
        }
        let rule = placement_rule(AdmissionType::Okyu).requires;
        assert!(meets(rule, okyu) && !meets(rule, kokuto) && !meets(rule, shitei));
        for any in [AdmissionType::IryoHogo, AdmissionType::Nini] {
            assert!(meets(placement_rule(any).requires, none));
        }
    }
}
