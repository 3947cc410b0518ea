//! 退院後支援計画: the life-cycle of a post-discharge support plan as a state machine, after
//! 地方公共団体による精神障害者の退院後支援に関するガイドライン (障発0327第16号, H30.3). No I/O.
//!
//! A plan begins with the person's own answer to the consent question: refused → `Declined` (no
//! plan; consultation is still arranged after discharge), given → `Drafting`. A 家族等's view is
//! recorded beside it but never replaces it (guideline II.4: 本人の同意を得た上で): a consent
//! answered by a 家族等 is refused. Plans opened before that rule on a 家族等's answer keep it, read
//! 要確認 ([`PlanStatus::needs_person_consent`]) and offer the person's consent again. While
//! drafting the contents are written and 支援会議 are held; support starts on the 退院日 with a
//! period that ends 原則6か月以内. An active plan is reviewed (見直し, with the next review date),
//! extended (延長: reason, the person's consent, and a 支援会議 held for the extension since the
//! last one; no limit on the new end or the number of extensions, since the guideline's limit is
//! not verified — pages say 要確認, [`EXTENSION_LIMIT_NOTE`]), transferred to the
//! 保健所設置自治体 of the new address (移管: only with consent; a plain 市町村 is refused, naming its
//! 都道府県, [`authority`]), or ended with a coded reason.
//! `Declined`, `Ended` and `Transferred` are terminal: no event is accepted after them.
//!
//! A 退院日 may be recorded ahead, as planned: the plan is then `Active` with a start still to
//! come ([`PlanStatus::awaiting_discharge`], shown 「退院予定（支援開始前）」), and until that day
//! it offers no review or extension ([`PlanStatus::allowed_on`]); the meetings and drafting that
//! precede a discharge may still be recorded meanwhile, since a start recorded ahead does not move
//! the date events may not go back before.

pub mod authority;
mod codes;
pub mod contents;
pub mod police;
pub mod texts;

pub use codes::{END_REASONS, EndReason, FAMILY_RELATIONS, Party, PlanEvent, PlanState, family_relation_label};
use time::Date;

/// How an active plan whose 退院日 is still to come reads.
pub const AWAITING_LABEL: &str = "退院予定（支援開始前）";

/// The longest support period in months (原則6か月以内).
pub const PERIOD_MONTHS: u8 = 6;

/// What pages say of the limit on extensions: not verified, so none is enforced.
pub const EXTENSION_LIMIT_NOTE: &str =
    "延長の上限（期間・回数）はガイドライン原文で確認できていないため、制限していません（要確認）";

/// What pages say of a plan opened on a 家族等's answer before the person's consent was required.
pub const FAMILY_ONLY_NOTE: &str = "この計画は家族等の回答で作成が始まっています。計画の作成には本人の同意が必要です。本人の同意を確認してください（要確認）";

/// What the state machine knows about a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanStatus {
    /// The state.
    pub state: PlanState,
    /// The consent answer: `Some(true)` given, `Some(false)` refused.
    pub consent: Option<bool>,
    /// Who answered it.
    pub consent_party: Option<Party>,
    /// Whether the contents were drafted.
    pub drafted: bool,
    /// 支援会議 held.
    pub meetings: u32,
    /// The start (退院日).
    pub started_on: Option<Date>,
    /// The end of the support period.
    pub period_end: Option<Date>,
    /// Extensions granted.
    pub extensions: u32,
    /// The next review.
    pub next_review: Option<Date>,
    /// When it ended or was transferred.
    pub ended_on: Option<Date>,
    /// Why it ended.
    pub end_reason: Option<EndReason>,
    /// The destination of a transfer.
    pub transferred_to: Option<String>,
    /// The date of the last event (events may not go back before it).
    pub last_on: Option<Date>,
    /// The day of the 支援会議 held for an extension since the last extension, if any.
    pub extension_meeting_on: Option<Date>,
}

/// Adds months to a date, the day clamped to the month's last day (8/31 + 6 months = 2/28).
pub fn add_months(date: Date, months: u32) -> Date {
    let index = i64::from(date.year()) * 12 + i64::from(u8::from(date.month())) - 1 + i64::from(months);
    let year = i32::try_from(index.div_euclid(12)).unwrap_or(i32::MAX);
    let month =
        time::Month::try_from(u8::try_from(index.rem_euclid(12) + 1).unwrap_or(1)).unwrap_or(time::Month::January);
    let day = date.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).unwrap_or(date)
}

/// Why an event was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// The event is not allowed in the plan's state.
    #[error("「{}」の状態では「{}」はできません", state.label(), PlanEvent::label_of(event))]
    Transition {
        /// The state.
        state: PlanState,
        /// The refused event's code.
        event: &'static str,
    },
    /// A field is missing or wrong.
    #[error("{reason}")]
    Invalid {
        /// The form field.
        field: &'static str,
        /// The reason, naming the field.
        reason: String,
    },
}

impl PlanError {
    /// The form field the error belongs to (`state` for a refused transition).
    pub fn field(&self) -> &'static str {
        match self {
            PlanError::Transition { .. } => "state",
            PlanError::Invalid { field, .. } => field,
        }
    }
}

fn invalid(field: &'static str, reason: impl Into<String>) -> PlanError {
    PlanError::Invalid { field, reason: reason.into() }
}

impl PlanStatus {
    /// A plan whose consent has not been asked yet.
    pub fn candidate() -> Self {
        Self {
            state: PlanState::Candidate,
            consent: None,
            consent_party: None,
            drafted: false,
            meetings: 0,
            started_on: None,
            period_end: None,
            extensions: 0,
            next_review: None,
            ended_on: None,
            end_reason: None,
            transferred_to: None,
            last_on: None,
            extension_meeting_on: None,
        }
    }

    /// Whether the plan went on on a 家族等's answer alone (opened before the person's own consent
    /// was required): shown 要確認 until the person answers.
    pub fn needs_person_consent(&self) -> bool {
        matches!(self.state, PlanState::Drafting | PlanState::Active) && self.consent_party == Some(Party::Family)
    }

    /// The latest end the period may have: 6 months after the start, plus 6 per extension.
    pub fn longest_end(&self) -> Option<Date> {
        self.started_on.map(|s| add_months(s, u32::from(PERIOD_MONTHS) * (self.extensions + 1)))
    }

    /// Whether the status is one the flow can reach.
    pub fn is_consistent(&self) -> bool {
        let given = self.consent == Some(true);
        let started = self.started_on.is_some() && self.period_end.is_some();
        let period_ok = match (self.started_on, self.period_end, self.longest_end()) {
            (Some(s), Some(e), Some(max)) => s < e && (self.extensions > 0 || e <= max),
            (None, None, _) => true,
            _ => false,
        };
        let by_state = match self.state {
            PlanState::Candidate => self.consent.is_none() && self.last_on.is_none(),
            PlanState::Drafting => given && !started,
            PlanState::Active => given && started && self.drafted && self.meetings > 0,
            PlanState::Declined => self.consent == Some(false) && !started,
            PlanState::Ended => self.consent.is_some() && self.ended_on.is_some() && self.end_reason.is_some(),
            PlanState::Transferred => {
                given && self.ended_on.is_some() && self.transferred_to.as_ref().is_some_and(|d| d.len() == 6)
            }
        };
        by_state && period_ok && (self.extensions == 0 || started)
    }

    /// The events allowed now, by code (for the forms on the plan page).
    pub fn allowed(&self) -> Vec<&'static str> {
        match self.state {
            PlanState::Candidate => vec!["consent"],
            PlanState::Drafting if self.needs_person_consent() => {
                vec!["consent", "draft", "meeting", "start", "transfer", "end"]
            }
            PlanState::Drafting => vec!["draft", "meeting", "start", "transfer", "end"],
            PlanState::Active if self.needs_person_consent() => {
                vec!["consent", "draft", "meeting", "review", "extend", "transfer", "end"]
            }
            PlanState::Active => vec!["draft", "meeting", "review", "extend", "transfer", "end"],
            PlanState::Declined | PlanState::Ended | PlanState::Transferred => vec![],
        }
    }

    /// Whether support has not begun on `today`: the plan was started with a 退院日 still to come.
    pub fn awaiting_discharge(&self, today: Date) -> bool {
        self.state == PlanState::Active && self.started_on.is_some_and(|start| start > today)
    }

    /// The state as staff read it on `today`: 「退院予定（支援開始前）」 before a planned 退院日.
    pub fn label_on(&self, today: Date) -> &'static str {
        if self.awaiting_discharge(today) { AWAITING_LABEL } else { self.state.label() }
    }

    /// The events offered on `today`: those of [`PlanStatus::allowed`], without review and
    /// extension before the 退院日 (support has not begun).
    pub fn allowed_on(&self, today: Date) -> Vec<&'static str> {
        let waiting = self.awaiting_discharge(today);
        self.allowed().into_iter().filter(|code| !(waiting && matches!(*code, "review" | "extend"))).collect()
    }

    /// Applies an event dated `on`, or says in Japanese why it is refused (naming the field).
    pub fn apply(&self, on: Date, event: &PlanEvent) -> Result<PlanStatus, PlanError> {
        if !self.allowed().contains(&event.code()) {
            return Err(PlanError::Transition { state: self.state, event: event.code() });
        }
        if let Some(last) = self.last_on.filter(|last| on < *last) {
            return Err(invalid("occurred_on", format!("日付は前回の記録（{last}）より前にはできません")));
        }
        let mut next = self.clone();
        next.last_on = Some(on);
        match event {
            PlanEvent::Consent { party: Party::Family, .. } => {
                return Err(invalid(
                    "party",
                    "計画の作成には本人の同意が必要です（家族等の意見は「家族等の意見」に記録してください。本人の同意に代わるものではありません）",
                ));
            }
            PlanEvent::Consent { given, party } if self.needs_person_consent() => {
                // A plan opened on a 家族等's answer: the person's own answer decides now.
                next.consent_party = Some(*party);
                if !given {
                    next.consent = Some(false);
                    next.next_review = None;
                    if self.started_on.is_some() {
                        next.state = PlanState::Ended;
                        next.end_reason = Some(EndReason::ConsentWithdrawn);
                        next.ended_on = Some(on);
                    } else {
                        next.state = PlanState::Declined;
                    }
                }
            }
            PlanEvent::Consent { given, party } => {
                next.consent = Some(*given);
                next.consent_party = Some(*party);
                next.state = if *given { PlanState::Drafting } else { PlanState::Declined };
            }
            PlanEvent::Draft => next.drafted = true,
            PlanEvent::Meeting { for_extension } => {
                next.meetings += 1;
                if *for_extension {
                    next.extension_meeting_on = Some(on);
                }
            }
            PlanEvent::Start { period_end, next_review } => {
                if !self.drafted {
                    return Err(invalid("state", "支援を始める前に計画内容を作成してください"));
                }
                if self.meetings == 0 {
                    return Err(invalid("state", "支援を始める前に支援会議を開いてください"));
                }
                let max = add_months(on, u32::from(PERIOD_MONTHS));
                if *period_end <= on || *period_end > max {
                    return Err(invalid(
                        "period_end",
                        format!("支援期間の終了日は退院日の翌日から6か月以内（{max}まで）にしてください"),
                    ));
                }
                check_review(*next_review, on, *period_end)?;
                next.state = PlanState::Active;
                next.started_on = Some(on);
                // The 退院日 may lie ahead (planned): what happens before it is still recorded.
                next.last_on = self.last_on;
                next.period_end = Some(*period_end);
                next.next_review = *next_review;
            }
            PlanEvent::Review { .. } | PlanEvent::Extend { .. } if self.started_on.is_some_and(|s| on < s) => {
                let start = self.started_on.unwrap_or(on);
                return Err(invalid("occurred_on", format!("支援開始日（退院日 {start}）より前には記録できません")));
            }
            PlanEvent::Review { next_review } => {
                check_review(*next_review, on, self.period_end.unwrap_or(on))?;
                next.next_review = *next_review;
            }
            PlanEvent::Extend { new_end, reason, consent } => {
                if reason.trim().is_empty() {
                    return Err(invalid("reason", "延長の理由を入力してください"));
                }
                if !consent {
                    return Err(invalid(
                        "consent",
                        "延長には本人の同意が必要です（同意を確認したら印を付けてください）",
                    ));
                }
                if self.extension_meeting_on.is_none() {
                    return Err(invalid(
                        "state",
                        "延長の前に、延長を検討する支援会議（目的「延長の検討」）を開いて記録してください",
                    ));
                }
                let current = self.period_end.unwrap_or(on);
                if *new_end <= current {
                    return Err(invalid(
                        "new_end",
                        format!("延長後の終了日は現在の終了日（{current}）より後にしてください"),
                    ));
                }
                next.period_end = Some(*new_end);
                next.extensions += 1;
                next.extension_meeting_on = None;
            }
            PlanEvent::Transfer { destination, consent } => {
                let Ok(code) = crate::MunicipalityCode::parse(destination)
                    .map_err(|_| ())
                    .and_then(|c| if destination.len() == 6 { Ok(c) } else { Err(()) })
                else {
                    return Err(invalid(
                        "destination",
                        "移管先の地方公共団体コード（6桁、検査数字を含む）を正しく入力してください",
                    ));
                };
                if let Err(refused) = authority::health_centre_authority(&code) {
                    let instead = refused.instead;
                    return Err(invalid(
                        "destination",
                        format!(
                            "移管先は転居先を管轄する保健所設置自治体（都道府県・保健所設置市・特別区）です。{destination}は保健所を設置していないため、{}（{}、{}）を入力してください",
                            instead.kind.label(),
                            instead.name,
                            instead.code
                        ),
                    ));
                }
                if !consent {
                    return Err(invalid(
                        "consent",
                        "移管には本人の同意が必要です（同意がなければ計画は引き継げません。終了を記録してください）",
                    ));
                }
                next.state = PlanState::Transferred;
                next.transferred_to = Some(destination.clone());
                next.ended_on = Some(on);
                next.next_review = None;
            }
            PlanEvent::End { reason } => {
                next.state = PlanState::Ended;
                next.end_reason = Some(*reason);
                next.ended_on = Some(on);
                next.next_review = None;
            }
        }
        Ok(next)
    }
}

fn check_review(review: Option<Date>, on: Date, end: Date) -> Result<(), PlanError> {
    match review {
        Some(r) if r <= on || r > end => Err(invalid(
            "next_review",
            format!("次回見直し日は記録日より後、支援期間の終了日（{end}）までにしてください"),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn consented() -> PlanStatus {
        PlanStatus::candidate()
            .apply(date!(2022 - 05 - 01), &PlanEvent::Consent { given: true, party: Party::Person })
            .unwrap()
    }

    #[test]
    fn a_plan_goes_from_consent_to_its_end() {
        let mut s = consented();
        let steps = [
            (date!(2022 - 05 - 02), PlanEvent::Draft),
            (date!(2022 - 05 - 10), PlanEvent::Meeting { for_extension: false }),
            (date!(2022 - 05 - 20), PlanEvent::Start { period_end: date!(2022 - 11 - 20), next_review: None }),
            (date!(2022 - 08 - 01), PlanEvent::Review { next_review: Some(date!(2022 - 10 - 01)) }),
            (date!(2022 - 10 - 25), PlanEvent::Meeting { for_extension: true }),
            (
                date!(2022 - 11 - 01),
                PlanEvent::Extend { new_end: date!(2023 - 05 - 20), reason: "服薬中断".into(), consent: true },
            ),
            (date!(2023 - 05 - 20), PlanEvent::End { reason: EndReason::PeriodOver }),
        ];
        for (on, event) in steps {
            s = s.apply(on, &event).unwrap();
            assert!(s.is_consistent(), "{s:?}");
        }
        assert_eq!(s.state, PlanState::Ended);
        assert!(s.allowed().is_empty());
        let error = s.apply(date!(2023 - 06 - 01), &PlanEvent::Meeting { for_extension: false }).unwrap_err();
        assert_eq!(error.to_string(), "「終了」の状態では「支援会議」はできません");
    }

    #[test]
    fn the_period_is_six_months_at_most() {
        let s = consented().apply(date!(2022 - 05 - 02), &PlanEvent::Draft).unwrap();
        let s = s.apply(date!(2022 - 05 - 03), &PlanEvent::Meeting { for_extension: false }).unwrap();
        let start = |end| PlanEvent::Start { period_end: end, next_review: None };
        let error = s.apply(date!(2022 - 08 - 31), &start(date!(2023 - 03 - 01))).unwrap_err();
        assert_eq!(error.field(), "period_end");
        assert!(error.to_string().contains("2023-02-28"), "{error}");
        assert!(s.apply(date!(2022 - 08 - 31), &start(date!(2023 - 02 - 28))).is_ok());
    }

    #[test]
    fn start_needs_contents_and_a_meeting_and_refusal_declines() {
        let error = consented()
            .apply(date!(2022 - 05 - 02), &PlanEvent::Start { period_end: date!(2022 - 06 - 01), next_review: None })
            .unwrap_err();
        assert_eq!(error.field(), "state");
        let declined = PlanStatus::candidate()
            .apply(date!(2022 - 05 - 01), &PlanEvent::Consent { given: false, party: Party::Person })
            .unwrap();
        assert_eq!(declined.state.code(), "declined");
        assert!(declined.allowed().is_empty());
    }

    #[test]
    fn a_family_answer_does_not_replace_the_persons_consent() {
        for given in [true, false] {
            let family = PlanEvent::Consent { given, party: Party::Family };
            let error = PlanStatus::candidate().apply(date!(2022 - 05 - 01), &family).unwrap_err();
            assert_eq!(error.field(), "party");
            assert!(error.to_string().contains("本人の同意が必要です"), "{error}");
        }
        // A plan opened on a 家族等's answer before the rule: 要確認 until the person answers.
        let mut legacy = consented();
        legacy.consent_party = Some(Party::Family);
        assert!(legacy.needs_person_consent() && legacy.allowed().contains(&"consent"));
        let person = |given| PlanEvent::Consent { given, party: Party::Person };
        let confirmed = legacy.apply(date!(2022 - 05 - 02), &person(true)).unwrap();
        assert!(!confirmed.needs_person_consent() && !confirmed.allowed().contains(&"consent"));
        assert_eq!(confirmed.state, PlanState::Drafting);
        let refused = legacy.apply(date!(2022 - 05 - 02), &person(false)).unwrap();
        assert_eq!(refused.state, PlanState::Declined);
        assert!(refused.is_consistent());
    }

    #[test]
    fn an_extension_needs_a_meeting_held_for_it_and_has_no_fixed_limit() {
        let s = consented().apply(date!(2022 - 05 - 02), &PlanEvent::Draft).unwrap();
        let s = s.apply(date!(2022 - 05 - 03), &PlanEvent::Meeting { for_extension: false }).unwrap();
        let start = PlanEvent::Start { period_end: date!(2022 - 11 - 01), next_review: None };
        let s = s.apply(date!(2022 - 05 - 10), &start).unwrap();
        let extend = |new_end| PlanEvent::Extend { new_end, reason: "服薬中断".into(), consent: true };
        let error = s.apply(date!(2022 - 10 - 20), &extend(date!(2023 - 03 - 01))).unwrap_err();
        assert_eq!(error.field(), "state");
        assert!(error.to_string().contains("延長を検討する支援会議"), "{error}");
        let s = s.apply(date!(2022 - 10 - 15), &PlanEvent::Meeting { for_extension: true }).unwrap();
        // More than 6 months further: not refused (the guideline's limit is not verified).
        let s = s.apply(date!(2022 - 10 - 20), &extend(date!(2023 - 08 - 01))).unwrap();
        assert!(s.is_consistent());
        // The meeting served that extension: the next one needs its own.
        let error = s.apply(date!(2023 - 07 - 01), &extend(date!(2023 - 12 - 01))).unwrap_err();
        assert_eq!(error.field(), "state");
    }

    #[test]
    fn extension_and_transfer_need_consent_and_reasons() {
        let s = consented();
        let transfer = |consent| PlanEvent::Transfer { destination: "131105".into(), consent };
        assert_eq!(s.apply(date!(2022 - 06 - 01), &transfer(false)).unwrap_err().field(), "consent");
        let bad = PlanEvent::Transfer { destination: "131106".into(), consent: true };
        assert_eq!(s.apply(date!(2022 - 06 - 01), &bad).unwrap_err().field(), "destination");
        // 武蔵野市 has no 保健所: the message names 東京都.
        let town = PlanEvent::Transfer { destination: "132039".into(), consent: true };
        let error = s.apply(date!(2022 - 06 - 01), &town).unwrap_err();
        assert!(error.to_string().contains("都道府県（東京都、130001）"), "{error}");
        let moved = s.apply(date!(2022 - 06 - 01), &transfer(true)).unwrap();
        assert_eq!(moved.state.code(), "transferred");
        assert_eq!(s.apply(date!(2022 - 04 - 01), &PlanEvent::Draft).unwrap_err().field(), "occurred_on");
    }

    #[test]
    fn a_discharge_ahead_is_planned_and_support_starts_on_that_day() {
        let s = consented().apply(date!(2022 - 05 - 02), &PlanEvent::Draft).unwrap();
        let s = s.apply(date!(2022 - 05 - 03), &PlanEvent::Meeting { for_extension: false }).unwrap();
        let today = date!(2022 - 05 - 04);
        let start = PlanEvent::Start { period_end: date!(2022 - 11 - 30), next_review: None };
        let s = s.apply(date!(2022 - 06 - 01), &start).unwrap();
        assert!(s.awaiting_discharge(today));
        assert_eq!(s.label_on(today), "退院予定（支援開始前）");
        assert_eq!(s.allowed_on(today), ["draft", "meeting", "transfer", "end"]);
        // A meeting before the discharge is still recorded; a review is not, before the start.
        let s = s.apply(date!(2022 - 05 - 20), &PlanEvent::Meeting { for_extension: false }).unwrap();
        let error = s.apply(date!(2022 - 05 - 21), &PlanEvent::Review { next_review: None }).unwrap_err();
        assert_eq!(error.field(), "occurred_on");
        let on_the_day = date!(2022 - 06 - 01);
        assert!(!s.awaiting_discharge(on_the_day));
        assert_eq!(s.label_on(on_the_day), "支援中");
        assert!(s.allowed_on(on_the_day).contains(&"review"));
        assert!(s.apply(on_the_day, &PlanEvent::Review { next_review: None }).is_ok());
    }

    #[test]
    fn months_are_added_with_the_day_clamped() {
        assert_eq!(add_months(date!(2022 - 08 - 31), 6), date!(2023 - 02 - 28));
        assert_eq!(add_months(date!(2022 - 10 - 15), 6), date!(2023 - 04 - 15));
        assert_eq!(add_months(date!(2023 - 08 - 31), 6), date!(2024 - 02 - 29));
    }

    #[test]
    fn codes_round_trip() {
        for s in PlanState::ALL {
            assert_eq!(PlanState::parse(s.code()), Some(s));
        }
        for (r, code, _) in END_REASONS {
            assert_eq!(EndReason::parse(code), Some(*r));
        }
        let terminal: Vec<_> = PlanState::ALL.iter().filter(|s| s.is_terminal()).map(|s| s.code()).collect();
        assert_eq!(terminal, ["declined", "ended", "transferred"]);
    }

    fn any_date() -> impl Strategy<Value = Date> {
        (0i64..900).prop_map(|d| date!(2022 - 04 - 01) + time::Duration::days(d))
    }

    fn any_event() -> impl Strategy<Value = PlanEvent> {
        let reason = proptest::sample::select(END_REASONS.iter().map(|(r, _, _)| *r).collect::<Vec<_>>());
        let text = prop_oneof![Just(String::new()), Just("理由".to_string())];
        let destination =
            prop_oneof![Just("131105".to_string()), Just("13110".to_string()), Just("131113".to_string())];
        prop_oneof![
            (any::<bool>(), any::<bool>()).prop_map(|(given, family)| PlanEvent::Consent {
                given,
                party: if family { Party::Family } else { Party::Person }
            }),
            Just(PlanEvent::Draft),
            Just(PlanEvent::Meeting { for_extension: false }),
            (any_date(), proptest::option::of(any_date()))
                .prop_map(|(period_end, next_review)| PlanEvent::Start { period_end, next_review }),
            proptest::option::of(any_date()).prop_map(|next_review| PlanEvent::Review { next_review }),
            (any_date(), text, any::<bool>()).prop_map(|(new_end, reason, consent)| PlanEvent::Extend {
                new_end,
                reason,
                consent
            }),
            (destination, any::<bool>())
                .prop_map(|(destination, consent)| PlanEvent::Transfer { destination, consent }),
            reason.prop_map(|reason| PlanEvent::End { reason }),
        ]
    }

    proptest! {
        #[test]
        fn no_event_sequence_reaches_an_invalid_state(
            events in proptest::collection::vec((any_date(), any_event()), 0..40)
        ) {
            let mut status = PlanStatus::candidate();
            for (on, event) in &events {
                // What is offered on any day is what the state allows, less review and extension
                // before a planned 退院日.
                let offered = status.allowed_on(*on);
                prop_assert!(offered.iter().all(|code| status.allowed().contains(code)));
                if status.awaiting_discharge(*on) {
                    prop_assert!(!offered.contains(&"review") && !offered.contains(&"extend"));
                    prop_assert_eq!(status.label_on(*on), AWAITING_LABEL);
                }
                let allowed = status.allowed().contains(&event.code());
                match status.apply(*on, event) {
                    Ok(next) => {
                        prop_assert!(allowed, "{event:?} applied in {:?} but not offered", status.state);
                        prop_assert!(!status.state.is_terminal(), "an event after the end: {event:?}");
                        prop_assert!(next.is_consistent(), "{next:?} after {event:?}");
                        if next.state == PlanState::Active {
                            prop_assert_eq!(next.consent, Some(true));
                            prop_assert_eq!(next.consent_party, Some(Party::Person));
                            if next.extensions == 0 {
                                let longest = add_months(next.started_on.unwrap(), 6);
                                prop_assert!(next.period_end.unwrap() <= longest);
                            }
                        }
                        if let PlanEvent::Extend { .. } = event {
                            prop_assert!(status.extension_meeting_on.is_some(), "extended without a meeting");
                        }
                        status = next;
                    }
                    Err(PlanError::Transition { .. }) => prop_assert!(!allowed, "{event:?} offered in {:?} but refused", status.state),
                    Err(PlanError::Invalid { .. }) => {}
                }
            }
            prop_assert!(status.is_consistent());
        }
    }
}
