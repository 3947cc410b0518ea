//! The directory's types of organisation and the specialties of 専門事業所, as data: code (stored
//! and written in files), Japanese label, and where the category comes from.

use serde::{Deserialize, Serialize};

/// The type of an organisation in the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgType {
    /// 精神科病院: one record with the bed finder's hospital.
    PsychHospital,
    /// 診療所 (医科; 精神科・心療内科 or a かかりつけ医).
    Clinic,
    /// 歯科診療所.
    Dental,
    /// 薬局.
    Pharmacy,
    /// 相談支援事業所 (一般 and/or 特定).
    SoudanShien,
    /// 基幹相談支援センター.
    KikanSoudan,
    /// 地域活動支援センター.
    ChiikiKatsudo,
    /// グループホーム（共同生活援助）.
    GroupHome,
    /// 就労支援（就労移行支援・就労継続支援・就労定着支援）.
    Shuro,
    /// 訪問看護ステーション.
    HoumonKango,
    /// 家族会.
    Kazokukai,
    /// ピアサポーター（の活動拠点・団体）.
    Peer,
    /// 専門事業所 (アルコール, 高次脳機能障害 …: see [`Specialty`]).
    Specialised,
    /// 保健所.
    Hokenjo,
    /// その他.
    Other,
}

/// Each type: code, label, source or comment. The paragraph numbers of 障害者総合支援法5条 were
/// not checked against the law as amended (the 就労選択支援 added by the 令和4年 amendment shifts
/// them): they say 要確認 where staff read them.
const TYPES: [(OrgType, &str, &str, &str); 15] = [
    (
        OrgType::PsychHospital,
        "psych_hospital",
        "精神科病院",
        "精神保健福祉法の精神科病院。緊急入院先検索の病院と同じ記録",
    ),
    (OrgType::Clinic, "clinic", "診療所", "医療法の診療所（精神科・心療内科、かかりつけ医）"),
    (OrgType::Dental, "dental", "歯科診療所", "歯科医師会の会員はかかりつけ歯科医"),
    (OrgType::Pharmacy, "pharmacy", "薬局", "薬剤師会の会員はかかりつけ薬局"),
    (
        OrgType::SoudanShien,
        "soudan_shien",
        "相談支援事業所",
        "障害者総合支援法5条18項：一般相談支援（地域移行支援・地域定着支援）と特定相談支援（計画相談支援）。両方を行う事業所もある（項番号は令和4年改正（就労選択支援の追加）前のものの可能性があり、要確認）",
    ),
    (OrgType::KikanSoudan, "kikan_soudan", "基幹相談支援センター", "障害者総合支援法77条の2"),
    (
        OrgType::ChiikiKatsudo,
        "chiiki_katsudo",
        "地域活動支援センター",
        "障害者総合支援法5条27項（地域生活支援事業）（項番号は令和4年改正（就労選択支援の追加）前のものの可能性があり、要確認）",
    ),
    (
        OrgType::GroupHome,
        "group_home",
        "グループホーム",
        "障害者総合支援法5条17項 共同生活援助（項番号は令和4年改正（就労選択支援の追加）前のものの可能性があり、要確認）",
    ),
    (
        OrgType::Shuro,
        "shuro",
        "就労支援事業所",
        "障害者総合支援法5条13〜15項 就労移行支援・就労継続支援・就労定着支援（項番号は令和4年改正（就労選択支援の追加）前のものの可能性があり、要確認）",
    ),
    (OrgType::HoumonKango, "houmon_kango", "訪問看護ステーション", "精神科訪問看護を含む"),
    (OrgType::Kazokukai, "kazokukai", "家族会", ""),
    (OrgType::Peer, "peer", "ピアサポーター", "ピアサポーターの団体・活動拠点"),
    (
        OrgType::Specialised,
        "specialised",
        "専門事業所",
        "アルコール・薬物・ギャンブル等の依存症、高次脳機能障害など（専門分野を併記）",
    ),
    (OrgType::Hokenjo, "hokenjo", "保健所", "地域保健法5条"),
    (OrgType::Other, "other", "その他", ""),
];

impl OrgType {
    /// Every type, in list order.
    pub const ALL: [OrgType; 15] = {
        let mut all = [OrgType::Other; 15];
        let mut i = 0;
        while i < 15 {
            all[i] = TYPES[i].0;
            i += 1;
        }
        all
    };

    fn entry(self) -> &'static (OrgType, &'static str, &'static str, &'static str) {
        TYPES.iter().find(|t| t.0 == self).unwrap_or(&TYPES[14])
    }

    /// The code stored and written in files.
    pub fn code(self) -> &'static str {
        self.entry().1
    }

    /// The Japanese label.
    pub fn label(self) -> &'static str {
        self.entry().2
    }

    /// Where the category comes from, or a comment (empty when none).
    pub fn source(self) -> &'static str {
        self.entry().3
    }

    /// The type of a code or of a label (files written by hand may carry either).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        TYPES.iter().find(|t| t.1 == text || t.2 == text).map(|t| t.0)
    }

    /// Whether an organisation of this type may be a かかりつけ (医師会・歯科医師会・薬剤師会の会員).
    pub fn may_be_kakaritsuke(self) -> bool {
        matches!(self, OrgType::Clinic | OrgType::Dental | OrgType::Pharmacy | OrgType::PsychHospital)
    }
}

/// A specialty of a 専門事業所 (or of any organisation that states one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Specialty {
    /// アルコール依存症.
    Alcohol,
    /// 薬物依存症.
    Drug,
    /// ギャンブル等依存症.
    Gambling,
    /// 高次脳機能障害.
    BrainInjury,
    /// 認知症.
    Dementia,
    /// 発達障害.
    Developmental,
    /// 児童・思春期.
    Youth,
}

const SPECIALTIES: [(Specialty, &str, &str); 7] = [
    (Specialty::Alcohol, "alcohol", "アルコール"),
    (Specialty::Drug, "drug", "薬物"),
    (Specialty::Gambling, "gambling", "ギャンブル等"),
    (Specialty::BrainInjury, "brain_injury", "高次脳機能障害"),
    (Specialty::Dementia, "dementia", "認知症"),
    (Specialty::Developmental, "developmental", "発達障害"),
    (Specialty::Youth, "youth", "児童・思春期"),
];

impl Specialty {
    /// Every specialty, in list order.
    pub const ALL: [Specialty; 7] = [
        Specialty::Alcohol,
        Specialty::Drug,
        Specialty::Gambling,
        Specialty::BrainInjury,
        Specialty::Dementia,
        Specialty::Developmental,
        Specialty::Youth,
    ];

    /// The code stored and written in files.
    pub fn code(self) -> &'static str {
        SPECIALTIES.iter().find(|s| s.0 == self).map_or("", |s| s.1)
    }

    /// The Japanese label.
    pub fn label(self) -> &'static str {
        SPECIALTIES.iter().find(|s| s.0 == self).map_or("", |s| s.2)
    }

    /// The specialty of a code or label.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        SPECIALTIES.iter().find(|s| s.1 == text || s.2 == text).map(|s| s.0)
    }

    /// A list written as codes or labels joined by 「,」「、」「;」 or 「|」; the first unknown
    /// entry is the error.
    pub fn parse_list(text: &str) -> Result<Vec<Self>, String> {
        let mut list = Vec::new();
        for part in text.split([',', '、', ';', '|', '，']).map(str::trim).filter(|p| !p.is_empty()) {
            let specialty = Self::parse(part).ok_or_else(|| part.to_string())?;
            if !list.contains(&specialty) {
                list.push(specialty);
            }
        }
        list.sort();
        Ok(list)
    }
}
