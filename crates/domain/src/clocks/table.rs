//! The legal clock rules as data, each with its source and whether nimo verified it, and the
//! articles the R6.4 amendment (令和4年法律第104号) renumbered. Checked against
//! ../shared/domain.md (h) and what could be read in 2026-12; every number that could not be read
//! in a source is `Unconfirmed` and shows as 要確認.

mod duties;

use super::events::EventKind;
use super::rule::{Anchor, Confidence, Length, Rule, Source, Start, Stop, Verification, Window};
use crate::beds::AdmissionType::{IryoHogo, KinkyuSochi, Okyu};
use time::Date;
use time::macros::date;

/// The day the R6.4 amendment took effect.
pub const R6_4: Date = date!(2024 - 04 - 01);
/// The last day before it.
const R6_3_END: Date = date!(2024 - 03 - 31);

/// Defaults the rules below override.
const BASE: Rule = Rule {
    id: "",
    label: "",
    effective_from: None,
    effective_to: None,
    article: "",
    previous_article: None,
    length: Length::Hours(0),
    anchor: Anchor::Start,
    starts: &[],
    stops: &[],
    restarts_on: None,
    chains: false,
    declared_may_shorten: false,
    ends_before: None,
    due_soon: Window::Hours(0),
    source: Source { law: "", ordinance: None, notice: None, read: "", confidence: Confidence::None },
    verification: Verification::Confirmed,
};

const POLICE_24H: Rule = Rule {
    id: "police_protection",
    label: "警察官による保護（24時間）",
    article: "警察官職務執行法3条3項",
    length: Length::Hours(24),
    starts: &[Start::Event(EventKind::PoliceProtection)],
    stops: &[
        Stop::Event(EventKind::CourtExtension),
        Stop::Event(EventKind::ProtectionEnded),
        Stop::Event(EventKind::Admission),
    ],
    due_soon: Window::Hours(6),
    source: Source {
        law: "警察官職務執行法3条3項",
        ordinance: None,
        notice: None,
        read: "条文（令和4年法律第68号による改正後）: iuris.jp 警察官職務執行法第三条",
        confidence: Confidence::Primary,
    },
    ..BASE
};

const POLICE_EXTENDED: Rule = Rule {
    id: "police_protection_extended",
    label: "保護の延長（簡易裁判所の許可状、延長は通じて5日まで）",
    article: "警察官職務執行法3条3項ただし書・4項",
    // 24 hours plus at most 5 days of extension in all, from the start of the 保護; a warrant
    // allowing less ends it earlier.
    length: Length::Hours(24 + 5 * 24),
    anchor: Anchor::Last(EventKind::PoliceProtection),
    declared_may_shorten: true,
    starts: &[Start::Event(EventKind::CourtExtension)],
    stops: &[Stop::Event(EventKind::ProtectionEnded), Stop::Event(EventKind::Admission)],
    due_soon: Window::Hours(12),
    source: Source {
        law: "警察官職務執行法3条3項ただし書・4項（延長に係る期間は通じて5日をこえてはならない）",
        ordinance: None,
        notice: None,
        read: "条文: iuris.jp 警察官職務執行法第三条; 4項の全文の写し（ブログ掲載）",
        confidence: Confidence::Primary,
    },
    ..BASE
};

const KINKYU_SOCHI: Rule = Rule {
    id: "kinkyu_sochi",
    label: "緊急措置入院（72時間）",
    article: "精神保健福祉法29条の2第3項",
    length: Length::Hours(72),
    starts: &[Start::Enters { form: KinkyuSochi, specified_doctor: None }],
    stops: &[Stop::Leaves(KinkyuSochi)],
    due_soon: Window::Hours(24),
    source: Source {
        law: "精神保健福祉法29条の2第3項（入院の期間は72時間を超えることができない）; 2項: 措置入院とするかを速やかに決定",
        ordinance: None,
        notice: None,
        read: "条文（令和6年4月1日施行版）: iuris.jp 精神保健及び精神障害者福祉に関する法律第二十九条の二",
        confidence: Confidence::Primary,
    },
    ..BASE
};

const OUKYU_SOURCE_OLD: Source = Source {
    law: "精神保健福祉法33条の7第1項（72時間を限り）",
    ordinance: None,
    notice: None,
    read: "令和6年3月以前の条文の写し（33条の7、72時間）",
    confidence: Confidence::Primary,
};

const OUKYU_SOURCE_NEW: Source = Source {
    law: "精神保健福祉法33条の6第1項（令和6年3月以前は33条の7第1項）",
    ordinance: None,
    notice: Some("令和6年3月5日 保医発0305第4号（33条の6を引く）"),
    read: "domain.md (h): 保医発0305第4号が33条の6を引く（二次）",
    confidence: Confidence::Secondary,
};

const OUKYU_OLD: Rule = Rule {
    id: "oukyu",
    label: "応急入院（72時間）",
    effective_to: Some(R6_3_END),
    article: "精神保健福祉法33条の7第1項",
    length: Length::Hours(72),
    starts: &[Start::Enters { form: Okyu, specified_doctor: Some(false) }],
    stops: &[Stop::Leaves(Okyu)],
    due_soon: Window::Hours(24),
    source: OUKYU_SOURCE_OLD,
    ..BASE
};

const OUKYU_NEW: Rule = Rule {
    effective_from: Some(R6_4),
    effective_to: None,
    article: "精神保健福祉法33条の6第1項",
    previous_article: Some("33条の7第1項"),
    source: OUKYU_SOURCE_NEW,
    ..OUKYU_OLD
};

const OUKYU_SPECIFIED_UNCONFIRMED: Verification = Verification::Unconfirmed(
    "12時間は二次資料で確認。指定医がその後に診察すれば72時間まで続けられるかは未確認のため、入院形態の変更か退院まで止まらない",
);

const OUKYU_SPECIFIED_OLD: Rule = Rule {
    id: "oukyu_specified",
    label: "応急入院（特定医師の診察、12時間）",
    effective_to: Some(R6_3_END),
    article: "精神保健福祉法33条の7第2項",
    length: Length::Hours(12),
    starts: &[Start::Enters { form: Okyu, specified_doctor: Some(true) }],
    stops: &[Stop::Leaves(Okyu)],
    due_soon: Window::Hours(4),
    source: Source {
        law: "精神保健福祉法33条の7第2項（特定医師の診察による場合は12時間を限り）",
        ordinance: None,
        notice: None,
        read: "33条の7第2項の写し（特定医師の部分まで）; 12時間は入院形態の解説（二次）",
        confidence: Confidence::Secondary,
    },
    verification: OUKYU_SPECIFIED_UNCONFIRMED,
    ..BASE
};

const OUKYU_SPECIFIED_NEW: Rule = Rule {
    effective_from: Some(R6_4),
    effective_to: None,
    article: "精神保健福祉法33条の6第2項",
    previous_article: Some("33条の7第2項"),
    source: Source {
        law: "精神保健福祉法33条の6第2項（令和6年3月以前は33条の7第2項）",
        ordinance: None,
        notice: Some("令和6年3月5日 保医発0305第4号（33条の6を引く）"),
        read: "domain.md (h)（二次）",
        confidence: Confidence::Secondary,
    },
    ..OUKYU_SPECIFIED_OLD
};

const IRYO_HOGO_SPECIFIED_OLD: Rule = Rule {
    id: "iryo_hogo_specified",
    label: "医療保護入院（特定医師の診察、12時間）",
    effective_to: Some(R6_3_END),
    article: "精神保健福祉法33条4項",
    length: Length::Hours(12),
    starts: &[Start::Enters { form: IryoHogo, specified_doctor: Some(true) }],
    stops: &[Stop::Event(EventKind::DesignatedExam), Stop::Leaves(IryoHogo)],
    due_soon: Window::Hours(4),
    source: Source {
        law: "精神保健福祉法33条4項（特定医師の診察による入院は12時間を限り）",
        ordinance: None,
        notice: None,
        read: "domain.md (h)（法33条、一次）",
        confidence: Confidence::Primary,
    },
    ..BASE
};

const IRYO_HOGO_SPECIFIED_NEW: Rule = Rule {
    effective_from: Some(R6_4),
    effective_to: None,
    article: "精神保健福祉法33条3項後段",
    previous_article: Some("33条4項"),
    source: Source {
        law: "精神保健福祉法33条3項後段（令和6年3月以前は33条4項）",
        ordinance: None,
        notice: None,
        read: "domain.md (h)（法33条、一次）; 33条の3（令和6年4月1日施行版、iuris.jp）が「第三十三条…第三項後段の規定による入院措置」を引く",
        confidence: Confidence::Primary,
    },
    ..IRYO_HOGO_SPECIFIED_OLD
};

/// Every rule version, in the order the clock table lists them.
pub static RULES: &[Rule] = &[
    POLICE_24H,
    POLICE_EXTENDED,
    KINKYU_SOCHI,
    OUKYU_OLD,
    OUKYU_NEW,
    OUKYU_SPECIFIED_OLD,
    OUKYU_SPECIFIED_NEW,
    IRYO_HOGO_SPECIFIED_OLD,
    IRYO_HOGO_SPECIFIED_NEW,
    duties::IRYO_HOGO_PERIOD,
    duties::IRYO_HOGO_RENEWAL_CONSENT,
    duties::IRYO_HOGO_ADMISSION_NOTICE,
    duties::IRYO_HOGO_RENEWAL_NOTICE,
    duties::IRYO_HOGO_DISCHARGE_NOTICE,
    duties::SOCHI_PERIODIC_REPORT,
    duties::COUNSELOR_IRYO_HOGO_OLD,
    duties::COUNSELOR_IRYO_HOGO_NEW,
    duties::COUNSELOR_SOCHI,
    duties::PLAN_PERIOD,
    duties::PLAN_EXTENSION,
];

/// An article the R6.4 amendment renumbered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArticleMove {
    /// What it is about.
    pub topic: &'static str,
    /// The number until 2024-03-31.
    pub before: &'static str,
    /// The number from 2024-04-01.
    pub after: &'static str,
    /// Where nimo read it.
    pub read: &'static str,
}

/// Articles of 精神保健福祉法 the R6.4 amendment renumbered.
pub const ARTICLE_MOVES: &[ArticleMove] = &[
    ArticleMove {
        topic: "応急入院",
        before: "33条の7",
        after: "33条の6",
        read: "domain.md (h); 令和6年3月5日 保医発0305第4号",
    },
    ArticleMove {
        topic: "市町村長同意（家族等がいない等の場合の医療保護入院）",
        before: "33条3項",
        after: "33条2項",
        read: "domain.md (h); 要領 S63.6.22 健医発第743号の本文は3項を引いたまま",
    },
    ArticleMove {
        topic: "特定医師の診察による医療保護入院",
        before: "33条4項",
        after: "33条3項後段",
        read: "domain.md (h); 33条の3（令和6年4月1日施行版）",
    },
];
