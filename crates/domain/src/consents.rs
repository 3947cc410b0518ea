//! 市町村長同意 (精神保健福祉法33条2項, before R6.4 33条3項): the 区's own consent to a 医療保護入院
//! when no 家族等 can consent, from the hospital's request to its end, as a state machine over
//! instants. The request is received (依頼受付), the 区 checks that it is the right 市町村 (居住地,
//! else 現在地) and that no 家族等 can consent, the authorised official decides (同意 / 不同意), staff
//! visit the person (面会), each renewal of the 入院期間 (R6.4〜) is requested and decided again,
//! the person may be referred to the 入院者訪問支援事業 (法35条の2), and the consent ends (退院, 家族等
//! found, change of form, transfer). No I/O: the store keeps the events, this module decides, and
//! `clocks` gives the due dates that follow from them.

mod clocks;
mod codes;

pub use clocks::{CONSENT_RULES, DECISION, RENEWAL_DECISION, VISIT, clocks};
pub use codes::{ARTICLE, ConsentError, ConsentState, EndReason, Excluded, FamilyFinding, GUIDANCE, ResidenceBasis};

use time::OffsetDateTime;

/// How long each free-text field of the 市町村長同意 forms may be, and whether it may break lines.
pub mod texts {
    use crate::text::TextRule;

    /// The request: the hospital's name as typed, what the hospital said.
    pub const REQUEST: &[(&str, TextRule)] =
        &[("hospital_name", TextRule::line(200)), ("note", TextRule::lines(4_000))];
    /// A step or decision: the official (職名・氏名) and the note.
    pub const STEP: &[(&str, TextRule)] = &[("official", TextRule::line(100)), ("note", TextRule::lines(4_000))];
}

/// An event of a 市町村長同意 after its request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsentEvent {
    /// 居住地・現在地の確認.
    CheckResidence(ResidenceBasis),
    /// 家族等の有無の確認, with why relatives are not 家族等.
    CheckFamily {
        /// The finding.
        finding: FamilyFinding,
        /// Why relatives were excluded (法5条2項), if any.
        excluded: Vec<Excluded>,
    },
    /// 同意・不同意の決定 by the authorised official.
    Decide {
        /// 同意 (true) or 不同意.
        consent: bool,
        /// The official's title and name (職名・氏名), as recorded on the 同意書.
        official: String,
        /// The end of the 入院期間 the hospital set (医療保護入院 from R6.4), if told.
        period_end: Option<OffsetDateTime>,
    },
    /// 本人への面会 after consent.
    Visit,
    /// 更新の同意の依頼 from the hospital, with the end of the new period.
    RequestRenewal {
        /// The end of the renewed 入院期間 the hospital proposes.
        period_end: OffsetDateTime,
    },
    /// 更新の同意・不同意.
    DecideRenewal {
        /// 同意 (true) or 不同意.
        consent: bool,
        /// The official's title and name.
        official: String,
    },
    /// 入院者訪問支援事業への紹介 (at the person's request).
    Refer,
    /// 終了.
    End(EndReason),
}

impl ConsentEvent {
    /// Every event code, in the order pages offer them.
    pub const CODES: [&'static str; 8] =
        ["check_residence", "check_family", "decide", "visit", "request_renewal", "decide_renewal", "refer", "end"];

    /// The stored code.
    pub fn code(&self) -> &'static str {
        match self {
            ConsentEvent::CheckResidence(_) => "check_residence",
            ConsentEvent::CheckFamily { .. } => "check_family",
            ConsentEvent::Decide { .. } => "decide",
            ConsentEvent::Visit => "visit",
            ConsentEvent::RequestRenewal { .. } => "request_renewal",
            ConsentEvent::DecideRenewal { .. } => "decide_renewal",
            ConsentEvent::Refer => "refer",
            ConsentEvent::End(_) => "end",
        }
    }
}

/// The label of an event code (`receive` is the request itself).
pub fn event_label(code: &str) -> &'static str {
    match code {
        "receive" => "病院からの依頼受付",
        "check_residence" => "居住地・現在地の確認",
        "check_family" => "家族等の有無の確認",
        "decide" => "同意・不同意の決定",
        "visit" => "本人への面会",
        "request_renewal" => "更新の同意の依頼受付",
        "decide_renewal" => "更新の同意・不同意",
        "refer" => "入院者訪問支援事業への紹介",
        "end" => "終了",
        _ => "不明な記録",
    }
}

/// What the state machine knows about a 市町村長同意.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentStatus {
    /// The state.
    pub state: ConsentState,
    /// When the hospital's request was received.
    pub requested_at: OffsetDateTime,
    /// The residence check, once recorded.
    pub residence: Option<ResidenceBasis>,
    /// The family check, once recorded.
    pub family: Option<FamilyFinding>,
    /// When consent was given.
    pub consented_at: Option<OffsetDateTime>,
    /// The first visit after consent.
    pub visited_at: Option<OffsetDateTime>,
    /// Visits after consent.
    pub visits: u32,
    /// A renewal request not yet decided: when it came and the proposed end.
    pub renewal_pending: Option<(OffsetDateTime, OffsetDateTime)>,
    /// Renewals consented to.
    pub renewals: u32,
    /// The end of the current 入院期間 as last consented (a renewal's, once renewed).
    pub period_end: Option<OffsetDateTime>,
    /// When the person was referred to the 入院者訪問支援事業.
    pub referred_at: Option<OffsetDateTime>,
    /// How it ended.
    pub end: Option<(OffsetDateTime, EndReason)>,
    /// The last event's instant.
    pub last_at: OffsetDateTime,
}

impl ConsentStatus {
    /// A request just received.
    pub fn received(at: OffsetDateTime) -> Self {
        ConsentStatus {
            state: ConsentState::Requested,
            requested_at: at,
            residence: None,
            family: None,
            consented_at: None,
            visited_at: None,
            visits: 0,
            renewal_pending: None,
            renewals: 0,
            period_end: None,
            referred_at: None,
            end: None,
            last_at: at,
        }
    }

    /// The event codes this state allows, in the order pages offer them.
    pub fn allowed(&self) -> Vec<&'static str> {
        match self.state {
            ConsentState::Requested => vec!["check_residence", "check_family", "decide", "end"],
            ConsentState::Consented => {
                let mut codes = vec!["visit"];
                codes.push(if self.renewal_pending.is_some() { "decide_renewal" } else { "request_renewal" });
                if self.referred_at.is_none() {
                    codes.push("refer");
                }
                codes.push("end");
                codes
            }
            ConsentState::Ended => vec![],
        }
    }

    /// Whether the checks allow a consent; the reason when they do not.
    pub fn eligibility(&self) -> Result<(), ConsentError> {
        match (self.residence, self.family) {
            (Some(residence), Some(family)) => {
                if !residence.ours() {
                    Err(ConsentError::NotEligible(residence.label()))
                } else if !family.allows_consent() {
                    Err(ConsentError::NotEligible(family.label()))
                } else {
                    Ok(())
                }
            }
            _ => Err(ConsentError::ChecksMissing),
        }
    }

    /// The status after `event` at `at`, or why it is refused.
    pub fn apply(&self, at: OffsetDateTime, event: &ConsentEvent) -> Result<Self, ConsentError> {
        let code = event.code();
        if !self.allowed().contains(&code) {
            return Err(ConsentError::NotAllowed { event: event_label(code), state: self.state.label() });
        }
        if at < self.last_at {
            return Err(ConsentError::BeforeLast);
        }
        let mut next = self.clone();
        next.last_at = at;
        match event {
            ConsentEvent::CheckResidence(basis) => next.residence = Some(*basis),
            ConsentEvent::CheckFamily { finding, .. } => next.family = Some(*finding),
            ConsentEvent::Decide { consent, official, period_end } => {
                if official.trim().is_empty() {
                    return Err(ConsentError::OfficialMissing);
                }
                if *consent {
                    self.eligibility()?;
                    next.state = ConsentState::Consented;
                    next.consented_at = Some(at);
                    if period_end.is_some_and(|end| end <= at) {
                        return Err(ConsentError::PeriodBeforeRequest);
                    }
                    next.period_end = *period_end;
                } else {
                    next.state = ConsentState::Ended;
                    next.end = Some((at, EndReason::Refused));
                }
            }
            ConsentEvent::Visit => {
                next.visits += 1;
                next.visited_at = next.visited_at.or(Some(at));
            }
            ConsentEvent::RequestRenewal { period_end } => {
                if *period_end <= at {
                    return Err(ConsentError::PeriodBeforeRequest);
                }
                next.renewal_pending = Some((at, *period_end));
            }
            ConsentEvent::DecideRenewal { consent, official } => {
                if official.trim().is_empty() {
                    return Err(ConsentError::OfficialMissing);
                }
                let (_, period_end) = self.renewal_pending.ok_or(ConsentError::NoRenewalRequest)?;
                next.renewal_pending = None;
                if *consent {
                    next.renewals += 1;
                    next.period_end = Some(period_end);
                } else {
                    next.state = ConsentState::Ended;
                    next.end = Some((at, EndReason::RenewalRefused));
                }
            }
            ConsentEvent::Refer => {
                if self.referred_at.is_some() {
                    return Err(ConsentError::AlreadyReferred);
                }
                next.referred_at = Some(at);
            }
            ConsentEvent::End(reason) => {
                let fits = match self.state {
                    ConsentState::Requested => matches!(reason, EndReason::NotOurs | EndReason::Withdrawn),
                    _ => EndReason::CHOSEN.contains(reason) && !reason.before_consent(),
                };
                if !fits {
                    return Err(ConsentError::WrongEnd(reason.label()));
                }
                next.state = ConsentState::Ended;
                next.renewal_pending = None;
                next.end = Some((at, *reason));
            }
        }
        Ok(next)
    }

    /// Whether the status holds together (the property tests check it after every event).
    pub fn is_consistent(&self) -> bool {
        let consented = self.consented_at.is_some();
        let by_state = match self.state {
            ConsentState::Requested => !consented && self.end.is_none(),
            ConsentState::Consented => consented && self.eligibility().is_ok() && self.end.is_none(),
            ConsentState::Ended => self.end.is_some() && self.renewal_pending.is_none(),
        };
        let ordered = self.consented_at.is_none_or(|c| c >= self.requested_at)
            && self.visited_at.is_none_or(|v| self.consented_at.is_some_and(|c| v >= c))
            && self.end.is_none_or(|(e, _)| e <= self.last_at);
        let counted = (self.visits > 0) == self.visited_at.is_some() && (self.renewals == 0 || consented);
        let refused_before = self.end.is_some_and(|(_, r)| r.before_consent());
        by_state && ordered && counted && (!refused_before || !consented)
    }
}

#[cfg(test)]
mod tests;
