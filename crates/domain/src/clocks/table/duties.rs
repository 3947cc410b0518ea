//! Clock rules for what follows an admission: the 医療保護入院 period, its renewal and the
//! hospital's notices, the 措置入院者's periodic reports, the 退院後生活環境相談員, and the
//! 退院後支援計画's period.

use super::{BASE, R6_3_END, R6_4};
use crate::beds::AdmissionType::{IryoHogo, Sochi};
use crate::clocks::events::EventKind;
use crate::clocks::rule::{Anchor, Confidence, Length, Rule, Source, Start, Stop, Verification, Window};
use time::macros::date;

const PERIOD_SOURCE: Source = Source {
    law: "精神保健福祉法33条1項・2項（入院の期間を定める）、6項（更新）",
    ordinance: Some("施行規則: 入院の期間は入院から6か月を経過するまでは3か月、経過後は6か月"),
    notice: None,
    read: "社会保障審議会障害者部会 第136回（2023-06-22）資料1 省令案; 厚生労働省 検討会資料「医療保護入院の更新手続等について」（3か月以内の期間、満了日の1か月前から指定医の診察と退院支援委員会）",
    confidence: Confidence::Secondary,
};

/// 医療保護入院の入院期間 (from R6.4): 3 months, then 6; renewed periods follow on.
pub const IRYO_HOGO_PERIOD: Rule = Rule {
    id: "iryo_hogo_period",
    label: "医療保護入院の入院期間（更新）",
    effective_from: Some(R6_4),
    article: "精神保健福祉法33条1項・6項",
    length: Length::StagedMonths { early: 3, threshold: 6, late: 6 },
    anchor: Anchor::FormEntry,
    starts: &[Start::Enters { form: IryoHogo, specified_doctor: None }],
    stops: &[Stop::Leaves(IryoHogo)],
    restarts_on: Some(EventKind::Renewal),
    chains: true,
    declared_may_shorten: true,
    // The 指定医's examination and the 退院支援委員会 may take place from 1 month before expiry.
    due_soon: Window::Months(1),
    source: PERIOD_SOURCE,
    verification: Verification::Unconfirmed(
        "期間は省令案と厚生労働省資料による（施行された施行規則の条文は未読）。応急入院などから医療保護入院に変わった場合に入院日と変更日のどちらから数えるかは未確認（変更日から数える）",
    ),
    ..BASE
};

/// 更新の同意の求め: the notice to the 家族等 (or the request to the 市町村長) from 1 month to
/// 2 weeks before the period ends.
pub const IRYO_HOGO_RENEWAL_CONSENT: Rule = Rule {
    id: "iryo_hogo_renewal_consent",
    label: "医療保護入院の更新の同意の求め（家族等への通知）",
    ends_before: Some(Window::Days(14)),
    stops: &[Stop::Event(EventKind::RenewalConsentRequested), Stop::Leaves(IryoHogo)],
    due_soon: Window::Days(14),
    source: Source {
        law: "精神保健福祉法33条6項・8項（家族等の同意、不同意の意思表示がないときの同意とみなす扱い）",
        ordinance: Some(
            "施行規則: 通知は満了日の1か月前から2週間前まで（2週間前を過ぎて更新が必要になったときは速やかに）",
        ),
        notice: None,
        read: "社会保障審議会障害者部会 第136回 資料1 省令案; 厚生労働省 検討会資料（通知後2週間に不同意がなければみなし同意）",
        confidence: Confidence::Secondary,
    },
    verification: Verification::Unconfirmed(
        "通知の時期は省令案で読んだもの。施行された施行規則の条文と33条の項番号は未確認",
    ),
    ..IRYO_HOGO_PERIOD
};

const NOTICE_10_DAYS: Verification =
    Verification::Unconfirmed("「10日以内」と届出の項番号は原文で未確認（domain.md (h) で N）");

/// 医療保護入院の入院届.
pub const IRYO_HOGO_ADMISSION_NOTICE: Rule = Rule {
    id: "iryo_hogo_admission_notice",
    label: "医療保護入院の入院届（保健所長経由）",
    article: "精神保健福祉法33条（届出の項は要確認）",
    length: Length::Days(10),
    starts: &[Start::Enters { form: IryoHogo, specified_doctor: None }],
    stops: &[Stop::Event(EventKind::AdmissionNotice)],
    due_soon: Window::Days(3),
    source: Source {
        law: "精神保健福祉法33条（入院届）",
        ordinance: None,
        notice: None,
        read: "未確認: 県の細則が法33条の同意書（令和6年3月以前の7項）を引くことのみ",
        confidence: Confidence::None,
    },
    verification: NOTICE_10_DAYS,
    ..BASE
};

/// 医療保護入院の更新届 (from R6.4).
pub const IRYO_HOGO_RENEWAL_NOTICE: Rule = Rule {
    id: "iryo_hogo_renewal_notice",
    label: "医療保護入院の更新届（保健所長経由）",
    effective_from: Some(R6_4),
    starts: &[Start::Event(EventKind::Renewal)],
    stops: &[Stop::Event(EventKind::RenewalNotice)],
    source: Source {
        law: "精神保健福祉法33条（更新届）", read: "未確認", ..IRYO_HOGO_ADMISSION_NOTICE.source
    },
    ..IRYO_HOGO_ADMISSION_NOTICE
};

/// 医療保護入院者の退院届.
pub const IRYO_HOGO_DISCHARGE_NOTICE: Rule = Rule {
    id: "iryo_hogo_discharge_notice",
    label: "医療保護入院者の退院届（保健所長経由）",
    article: "精神保健福祉法33条の2",
    starts: &[Start::Leaves(IryoHogo)],
    stops: &[Stop::Event(EventKind::DischargeNotice)],
    source: Source {
        law: "精神保健福祉法33条の2（医療保護入院者の退院の届出）",
        read: "厚生労働省 事務連絡 H24.8.9 疑義解釈（その8）問24: 退院の届出は法29条の5・33条の2による",
        ..IRYO_HOGO_ADMISSION_NOTICE.source
    },
    verification: Verification::Unconfirmed(
        "「10日以内」は原文で未確認。任意入院などへの入院形態の変更も退院届の対象かは未確認（対象として数える）",
    ),
    ..IRYO_HOGO_ADMISSION_NOTICE
};

/// 措置入院者の定期病状報告: 3 and 6 months after the 措置, then every 6 months.
pub const SOCHI_PERIODIC_REPORT: Rule = Rule {
    id: "sochi_periodic_report",
    label: "措置入院者の定期病状報告",
    article: "精神保健福祉法38条の2第1項",
    length: Length::ScheduleMonths { first: &[3, 6], every: 6 },
    anchor: Anchor::FormEntry,
    starts: &[Start::Enters { form: Sochi, specified_doctor: None }],
    stops: &[Stop::Leaves(Sochi)],
    restarts_on: Some(EventKind::PeriodicReport),
    due_soon: Window::Days(14),
    source: Source {
        law: "精神保健福祉法38条の2第1項（定期に、最寄りの保健所長を経て報告）",
        ordinance: Some("施行規則（報告の時期）"),
        notice: None,
        read: "条文（令和6年4月1日施行版）: iuris.jp 第三十八条の二; 時期: 鹿児島県 様式20（3か月後、6か月後、以後6か月ごと）",
        confidence: Confidence::Secondary,
    },
    verification: Verification::Unconfirmed(
        "時期は県の様式による。施行規則の数え方（入院日からか、入院月の翌月を初月とするか）は未確認",
    ),
    ..BASE
};

/// 退院後生活環境相談員 for 医療保護入院者, until R6.3.
pub const COUNSELOR_IRYO_HOGO_OLD: Rule = Rule {
    id: "counselor_iryo_hogo",
    label: "退院後生活環境相談員の選任（医療保護入院、7日以内）",
    effective_from: Some(date!(2014 - 04 - 01)),
    effective_to: Some(R6_3_END),
    article: "精神保健福祉法33条の4",
    length: Length::Days(7),
    starts: &[Start::Enters { form: IryoHogo, specified_doctor: None }],
    stops: &[Stop::Event(EventKind::CounselorAppointed), Stop::Leaves(IryoHogo)],
    due_soon: Window::Days(2),
    source: Source {
        law: "精神保健福祉法33条の4（退院後生活環境相談員の選任）",
        ordinance: None,
        notice: Some("平成26年1月の通知 第2-2(2)（入院後7日以内に選任）"),
        read: "domain.md (h)（H26通知、一次）; 33条の4の条文の写しと病院の説明（入院後7日以内）",
        confidence: Confidence::Primary,
    },
    ..BASE
};

/// The same from R6.4.
pub const COUNSELOR_IRYO_HOGO_NEW: Rule = Rule {
    effective_from: Some(R6_4),
    effective_to: None,
    article: "精神保健福祉法（令和6年4月以後の条番号は要確認）",
    previous_article: Some("33条の4"),
    verification: Verification::Unconfirmed("令和6年4月以後の条番号と、7日の根拠となる令和6年の通知は未読"),
    ..COUNSELOR_IRYO_HOGO_OLD
};

/// 退院後生活環境相談員 for 措置入院者 (from R6.4).
pub const COUNSELOR_SOCHI: Rule = Rule {
    id: "counselor_sochi",
    label: "退院後生活環境相談員の選任（措置入院、7日以内）",
    effective_from: Some(R6_4),
    effective_to: None,
    article: "精神保健福祉法（措置入院者の相談員の条番号は要確認）",
    previous_article: None,
    starts: &[Start::Enters { form: Sochi, specified_doctor: None }],
    stops: &[Stop::Event(EventKind::CounselorAppointed), Stop::Leaves(Sochi)],
    source: Source {
        law: "精神保健福祉法（令和4年法律第104号で措置入院者にも選任を義務付け）",
        ordinance: None,
        notice: None,
        read: "福祉新聞 2024-06-13（改正法は措置入院の患者についても選任を病院の義務とした）",
        confidence: Confidence::Secondary,
    },
    verification: Verification::Unconfirmed("条番号と「7日以内」（措置入院者について）は未確認"),
    ..COUNSELOR_IRYO_HOGO_OLD
};

const GUIDELINE: &str =
    "地方公共団体による精神障害者の退院後支援に関するガイドライン（平成30年3月27日 障発0327第16号）";

/// 退院後支援計画: the support period the plan sets (原則6か月以内, checked by `plans`).
pub const PLAN_PERIOD: Rule = Rule {
    id: "plan_period",
    label: "退院後支援計画の支援期間",
    effective_from: Some(date!(2018 - 03 - 27)),
    article: "精神保健福祉法47条（相談支援業務の一環）",
    length: Length::Declared,
    starts: &[Start::Event(EventKind::PlanStarted)],
    stops: &[Stop::Event(EventKind::PlanExtended), Stop::Event(EventKind::PlanEnded)],
    due_soon: Window::Days(30),
    source: Source {
        law: "精神保健福祉法47条",
        ordinance: None,
        notice: Some(GUIDELINE),
        read: "厚生労働省 法令等データベース 00tc3290（通知本文）; domain.md (h)（原則6か月、二次）",
        confidence: Confidence::Secondary,
    },
    ..BASE
};

/// An extension of the support period.
pub const PLAN_EXTENSION: Rule = Rule {
    id: "plan_extension",
    label: "退院後支援計画の支援期間（延長後）",
    starts: &[Start::Event(EventKind::PlanExtended)],
    stops: &[Stop::Event(EventKind::PlanEnded)],
    verification: Verification::Unconfirmed("延長の回数と長さの上限（「原則1回」など）はガイドラインで未確認"),
    ..PLAN_PERIOD
};
