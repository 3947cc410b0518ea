//! The 市町村長同意 state machine: the journey from request to a renewal, refusals naming their
//! field, and property tests that no event sequence reaches an inconsistent status, that what is
//! offered is what applies, and that the clocks follow the status (one decision clock, a visit
//! clock only after consent, a renewal clock exactly while a renewal waits).

use super::*;
use crate::clocks::{ClockState, Verification};
use proptest::prelude::*;
use time::Duration;
use time::macros::datetime;

fn decide(consent: bool) -> ConsentEvent {
    ConsentEvent::Decide { consent, official: "健康推進部長 目黒 太郎".into(), period_end: None }
}

fn family(finding: FamilyFinding) -> ConsentEvent {
    ConsentEvent::CheckFamily { finding, excluded: vec![] }
}

#[test]
fn a_request_runs_from_receipt_to_consent_visit_and_its_first_renewal() {
    let t0 = datetime!(2026-12-06 10:30 +9);
    let period = datetime!(2027-03-07 00:00 +9);
    let mut s = ConsentStatus::received(t0);
    assert_eq!(s.allowed(), ["check_residence", "check_family", "decide", "end"]);
    let steps = [
        (t0 + Duration::minutes(20), ConsentEvent::CheckResidence(ResidenceBasis::Residence)),
        (t0 + Duration::minutes(40), family(FamilyFinding::NoFamily)),
        (
            t0 + Duration::hours(2),
            ConsentEvent::Decide { consent: true, official: "部長".into(), period_end: Some(period) },
        ),
        (t0 + Duration::days(3), ConsentEvent::Visit),
        (t0 + Duration::days(5), ConsentEvent::Refer),
        (period - Duration::days(20), ConsentEvent::RequestRenewal { period_end: datetime!(2027-09-07 00:00 +9) }),
    ];
    for (at, event) in steps {
        s = s.apply(at, &event).unwrap();
        assert!(s.is_consistent(), "{s:?}");
    }
    let now = period - Duration::days(5);
    let clocks = clocks(&s);
    let renewal = clocks.iter().find(|c| c.rule.id == "mayor_consent_renewal").unwrap();
    assert_eq!(renewal.deadline, Some(period));
    assert_eq!(renewal.state_at(now), ClockState::DueSoon);
    assert!(
        clocks.iter().filter(|c| c.rule.id != "mayor_consent_renewal").all(|c| c.state_at(now) == ClockState::Stopped)
    );
    assert_eq!(s.allowed(), ["visit", "decide_renewal", "end"]);
    s = s.apply(now, &ConsentEvent::DecideRenewal { consent: true, official: "部長".into() }).unwrap();
    assert_eq!((s.renewals, s.period_end), (1, Some(datetime!(2027-09-07 00:00 +9))));
    s = s.apply(now + Duration::days(30), &ConsentEvent::End(EndReason::Discharged)).unwrap();
    assert_eq!(s.state, ConsentState::Ended);
    assert!(s.allowed().is_empty());
}

#[test]
fn consent_needs_both_checks_and_an_eligible_finding() {
    let t0 = datetime!(2026-12-06 10:30 +9);
    let s = ConsentStatus::received(t0);
    assert_eq!(s.apply(t0, &decide(true)).unwrap_err(), ConsentError::ChecksMissing);
    let s = s.apply(t0, &ConsentEvent::CheckResidence(ResidenceBasis::Elsewhere)).unwrap();
    let s = s.apply(t0, &family(FamilyFinding::CannotExpress)).unwrap();
    let err = s.apply(t0, &decide(true)).unwrap_err();
    assert_eq!((err.field(), matches!(err, ConsentError::NotEligible(_))), ("consent", true));
    let s = s.apply(t0, &ConsentEvent::CheckResidence(ResidenceBasis::PresentLocation)).unwrap();
    let s2 = s.apply(t0, &family(FamilyFinding::FamilyAvailable)).unwrap();
    assert!(matches!(s2.apply(t0, &decide(true)), Err(ConsentError::NotEligible(_))));
    let official = ConsentEvent::Decide { consent: true, official: " ".into(), period_end: None };
    assert_eq!(s.apply(t0, &official).unwrap_err().field(), "official");
    assert!(s.apply(t0 - Duration::minutes(1), &decide(true)).is_err());
    // 不同意 ends the request; a visit is then refused as a transition.
    let refused = s.apply(t0, &decide(false)).unwrap();
    assert_eq!(refused.end.map(|(_, r)| r), Some(EndReason::Refused));
    assert!(matches!(refused.apply(t0, &ConsentEvent::Visit), Err(ConsentError::NotAllowed { .. })));
}

#[test]
fn ends_fit_their_state() {
    let t0 = datetime!(2026-12-06 10:30 +9);
    let s = ConsentStatus::received(t0);
    assert_eq!(s.apply(t0, &ConsentEvent::End(EndReason::Discharged)).unwrap_err().field(), "reason");
    assert!(s.apply(t0, &ConsentEvent::End(EndReason::NotOurs)).is_ok());
    let s = s.apply(t0, &ConsentEvent::CheckResidence(ResidenceBasis::Residence)).unwrap();
    let s = s.apply(t0, &family(FamilyFinding::WillNotExpress)).unwrap().apply(t0, &decide(true)).unwrap();
    assert!(s.apply(t0, &ConsentEvent::End(EndReason::Withdrawn)).is_err());
    assert!(s.apply(t0, &ConsentEvent::End(EndReason::FamilyFound)).is_ok());
}

#[test]
fn the_municipal_due_dates_say_they_are_not_law_and_stay_unconfirmed() {
    for rule in CONSENT_RULES {
        assert!(matches!(rule.verification, Verification::Unconfirmed(_)), "{}", rule.id);
        assert!(!rule.source.law.is_empty());
    }
    assert!(DECISION.article.starts_with("運用") && VISIT.article.starts_with("運用"));
    assert!(ARTICLE.contains("33条2項") && ARTICLE.contains("33条3項"));
}

fn any_event() -> impl Strategy<Value = ConsentEvent> {
    let basis = prop::sample::select(ResidenceBasis::ALL.to_vec());
    let finding = prop::sample::select(FamilyFinding::ALL.to_vec());
    let reason = prop::sample::select(EndReason::ALL.to_vec());
    let official = prop_oneof![Just(String::new()), Just("課長".to_string())];
    prop_oneof![
        basis.prop_map(ConsentEvent::CheckResidence),
        finding.prop_map(|finding| ConsentEvent::CheckFamily { finding, excluded: vec![Excluded::Abuser] }),
        (any::<bool>(), official.clone(), prop::option::of(-5i64..200)).prop_map(|(consent, official, days)| {
            let period_end = days.map(|d| datetime!(2026-01-01 00:00 +9) + Duration::days(d));
            ConsentEvent::Decide { consent, official, period_end }
        }),
        Just(ConsentEvent::Visit),
        (-5i64..400).prop_map(|d| ConsentEvent::RequestRenewal {
            period_end: datetime!(2026-01-01 00:00 +9) + Duration::days(d)
        }),
        (any::<bool>(), official).prop_map(|(consent, official)| ConsentEvent::DecideRenewal { consent, official }),
        Just(ConsentEvent::Refer),
        reason.prop_map(ConsentEvent::End),
    ]
}

fn running(status: &ConsentStatus, id: &str, at: time::OffsetDateTime) -> usize {
    clocks(status).iter().filter(|c| c.rule.id == id && c.state_at(at) != ClockState::Stopped).count()
}

proptest! {
    #[test]
    fn no_event_sequence_reaches_an_inconsistent_status(
        steps in proptest::collection::vec((prop_oneof![Just(-1i64), 0i64..3000], any_event()), 0..40)
    ) {
        let t0 = datetime!(2026-01-01 09:00 +9);
        let mut status = ConsentStatus::received(t0);
        let mut at = t0;
        for (step, event) in &steps {
            let when = at + Duration::minutes(*step);
            let offered = status.allowed().contains(&event.code());
            match status.apply(when, event) {
                Ok(next) => {
                    prop_assert!(offered, "{event:?} applied in {:?} but not offered", status.state);
                    prop_assert!(next.is_consistent(), "{next:?} after {event:?}");
                    prop_assert!(next.renewals >= status.renewals && next.visits >= status.visits);
                    at = when;
                    status = next;
                }
                Err(ConsentError::NotAllowed { .. }) => prop_assert!(!offered),
                Err(_) => prop_assert!(offered),
            }
            let open = status.state != ConsentState::Ended;
            let requested = status.state == ConsentState::Requested;
            let consented = status.state == ConsentState::Consented;
            prop_assert_eq!(running(&status, "mayor_consent_decision", at), usize::from(requested));
            prop_assert_eq!(running(&status, "mayor_consent_visit", at), usize::from(consented && status.visited_at.is_none()));
            prop_assert_eq!(running(&status, "mayor_consent_renewal", at), usize::from(open && status.renewal_pending.is_some()));
        }
    }
}
