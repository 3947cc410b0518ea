//! The due dates of a 市町村長同意, as `clocks::Rule` values so that pages and the clock board show
//! them like every legal clock (label, article, source, 確認済/要確認). The law sets no time limit
//! for the 区's decision or its visit: those two are the municipality's own working due dates
//! (運用), marked so in their article and always 要確認. The renewal decision is due before the
//! current 入院期間 runs out (法33条6項: the renewal needs the consent before expiry).
//!
//! The rules' `starts`/`stops` stay empty: a consent's events are not `clocks::EventKind`s, so
//! [`clocks`] walks the consent's own status instead of `clocks::compute`.

use super::ConsentStatus;
use crate::clocks::{
    Anchor, Clock, Confidence, Length, Rule, Source, StopReason, Verification, Window, after_days, after_hours,
};
use time::OffsetDateTime;

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

/// The decision on a request: the law sets no limit; the hospital cannot admit without it, so the
/// 区 answers the same day (運用: 24 hours from receipt).
pub const DECISION: Rule = Rule {
    id: "mayor_consent_decision",
    label: "市町村長同意の判断（区の運用目安）",
    article: "運用（法令に期限の定めなし）",
    length: Length::Hours(24),
    due_soon: Window::Hours(6),
    source: Source {
        law: "精神保健福祉法33条2項（令和6年3月以前は33条3項）",
        ordinance: None,
        notice: Some(
            "市町村長同意事務処理要領（昭和63年6月22日 健医発第743号）二(三): 対象者であることを確認のうえ速やかに同意の手続きを進める",
        ),
        read: "厚生労働省 法令等データベース 健医発第743号; 検討会資料（要領の抜粋）",
        confidence: Confidence::Secondary,
    },
    verification: Verification::Unconfirmed("法令上の期限はない。24時間は区の運用上の目安で、区が定めること"),
    ..BASE
};

/// The visit after consent: the 要領 asks for it promptly (速やかに); the number of days is the
/// municipality's own (運用: 7 days).
pub const VISIT: Rule = Rule {
    id: "mayor_consent_visit",
    label: "同意後の本人への面会（区の運用目安）",
    article: "運用（要領は「速やかに」、日数の定めなし）",
    length: Length::Days(7),
    due_soon: Window::Days(2),
    source: Source {
        law: "精神保健福祉法33条2項",
        ordinance: None,
        notice: Some("市町村長同意事務処理要領（健医発第743号）: 同意後速やかに本人に面会し、状態を把握する"),
        read: "要領の面会の項は原文の該当箇所を読めていない（記憶と二次資料）",
        confidence: Confidence::None,
    },
    verification: Verification::Unconfirmed(
        "面会の項の文言と、現行の要領での扱いは原文で未確認。7日は区の運用上の目安",
    ),
    ..BASE
};

/// The renewal decision: due before the current 入院期間 runs out.
pub const RENEWAL_DECISION: Rule = Rule {
    id: "mayor_consent_renewal",
    label: "更新の同意の判断（入院期間の満了まで）",
    article: "精神保健福祉法33条6項（令和6年4月から）",
    length: Length::Declared,
    due_soon: Window::Days(7),
    source: Source {
        law: "精神保健福祉法33条6項（更新には家族等の同意、いなければ市町村長の同意）",
        ordinance: None,
        notice: None,
        read: "domain.md (h): 法33条（P）; 期間満了前に同意が要ること",
        confidence: Confidence::Secondary,
    },
    verification: Verification::Unconfirmed("更新の同意の求めの時期（施行規則）と項番号は施行された原文で未確認"),
    ..BASE
};

/// Every rule of a 市町村長同意, for the rule table page and the tests.
pub const CONSENT_RULES: [&Rule; 3] = [&DECISION, &VISIT, &RENEWAL_DECISION];

fn clock(
    rule: &'static Rule,
    instance: u32,
    started_at: OffsetDateTime,
    deadline: Option<OffsetDateTime>,
    stopped_at: Option<OffsetDateTime>,
) -> Clock {
    Clock {
        rule,
        instance,
        started_by: 0,
        started_at,
        anchor: started_at,
        period_end: deadline,
        deadline,
        stopped_by: None,
        stopped_at,
        stop_reason: stopped_at.map(|_| StopReason::Stopped),
        moved: None,
    }
}

/// The clocks of a consent's status, running or stopped: the decision on the request, the visit
/// after consent, and the decision on a pending renewal (earlier renewals are history, not clocks).
pub fn clocks(status: &ConsentStatus) -> Vec<Clock> {
    let ended = status.end.map(|(at, _)| at);
    let mut out = Vec::new();
    let decided = status.consented_at.or(ended);
    out.push(clock(&DECISION, 0, status.requested_at, Some(after_hours(status.requested_at, 24)), decided));
    if let Some(consented) = status.consented_at {
        let stopped = status.visited_at.or(ended);
        out.push(clock(&VISIT, 0, consented, Some(after_days(consented, 7)), stopped));
    }
    if let Some((asked, _)) = status.renewal_pending {
        out.push(clock(&RENEWAL_DECISION, status.renewals, asked, status.period_end, None));
    }
    out
}
