//! Property tests of clock computation over arbitrary event sequences: no clock is lost or
//! duplicated, a clock stops exactly on a stopping event and at no other, and each instance is
//! governed by the rule version in force on the JST date of the event that started it.

use super::*;
use crate::beds::AdmissionType;
use proptest::prelude::*;
use std::collections::HashSet;
use time::{Duration, OffsetDateTime};

/// Events in random order of kinds, forms and doctors, around the R6.4 change (from March 2024)
/// and spread over up to about two years, some at the same instant.
pub(super) fn any_events() -> impl Strategy<Value = Vec<Event>> {
    let form = proptest::sample::select(AdmissionType::ALL.to_vec());
    let kind = proptest::sample::select(EventKind::ALL.to_vec());
    let step = prop_oneof![Just(0i64), 1i64..180, 180i64..5_000, 5_000i64..200_000];
    let one = (kind, form, any::<bool>(), proptest::option::of(1i64..300_000), step);
    proptest::collection::vec(one, 0..40).prop_map(|raw| {
        let mut at = time::macros::datetime!(2024-03-25 08:00 +9);
        raw.into_iter()
            .map(|(kind, form, specified, declared, step)| {
                at += Duration::minutes(step);
                let mut event = Event::new(kind, at);
                if matches!(kind, EventKind::Admission | EventKind::FormChange | EventKind::SochiLifted) {
                    event = event.entering(form, specified);
                }
                if let Some(minutes) = declared {
                    event = event.declaring(at + Duration::minutes(minutes));
                }
                event
            })
            .collect()
    })
}

/// What each event did, replayed as `compute` must see it: (index, left form, entered form).
fn replay(events: &[Event]) -> Vec<(usize, Option<AdmissionType>, Option<AdmissionType>)> {
    let mut order: Vec<usize> = (0..events.len()).collect();
    order.sort_by_key(|&i| events[i].at);
    let mut form = None;
    order
        .into_iter()
        .map(|i| {
            let (left, entered) = (events[i].leaves(form), events[i].enters(form));
            if left.is_some() {
                form = None;
            }
            if entered.is_some() {
                form = entered;
            }
            (i, left, entered)
        })
        .collect()
}

fn starts(rule: &Rule, e: &Event, left: Option<AdmissionType>, entered: Option<AdmissionType>) -> bool {
    rule.starts.iter().any(|s| match *s {
        Start::Event(kind) => kind == e.kind,
        Start::Enters { form, specified_doctor } => {
            entered == Some(form) && specified_doctor.is_none_or(|d| d == e.specified_doctor)
        }
        Start::Leaves(form) => left == Some(form),
    })
}

fn stops(rule: &Rule, e: &Event, left: Option<AdmissionType>) -> bool {
    rule.stops.iter().any(|s| match *s {
        Stop::Event(kind) => kind == e.kind,
        Stop::Leaves(form) => left == Some(form),
    })
}

fn jst(at: OffsetDateTime) -> time::Date {
    jst_date(at)
}

proptest! {
    #[test]
    fn no_event_sequence_loses_or_duplicates_a_clock(events in any_events()) {
        let clocks = compute(&events, RULES);
        let steps = replay(&events);
        let position = |index: usize| steps.iter().position(|(i, _, _)| *i == index).unwrap();
        // Every start the table defines gives exactly one clock, and no clock comes from nowhere.
        let mut seen = HashSet::new();
        for clock in &clocks {
            prop_assert!(seen.insert((clock.rule.id, clock.started_by)), "duplicate {} at {}", clock.rule.id, clock.started_by);
            prop_assert!(clock.rule.in_force(jst(events[clock.started_by].at)), "{} out of force", clock.rule.id);
            prop_assert_eq!(clock.started_at, events[clock.started_by].at);
        }
        for (i, left, entered) in &steps {
            for rule in rules_at(RULES, events[*i].at).filter(|r| starts(r, &events[*i], *left, *entered)) {
                prop_assert!(seen.contains(&(rule.id, *i)), "{} not started by event {}", rule.id, i);
            }
        }
        // Instances of a rule follow one another: the previous one has stopped when the next starts.
        let ids: HashSet<&str> = clocks.iter().map(|c| c.rule.id).collect();
        for id in ids {
            let chain: Vec<&Clock> = clocks.iter().filter(|c| c.rule.id == id).collect();
            for pair in chain.windows(2) {
                let stopped = pair[0].stopped_by.map(position);
                prop_assert!(stopped.is_some_and(|s| s <= position(pair[1].started_by)), "{id}: two instances running at once");
            }
            prop_assert!(chain.iter().filter(|c| c.stopped_by.is_none()).count() <= 1);
        }
    }

    #[test]
    fn a_clock_stops_exactly_on_a_stopping_event(events in any_events()) {
        let clocks = compute(&events, RULES);
        let steps = replay(&events);
        for clock in &clocks {
            let from = steps.iter().position(|(i, _, _)| *i == clock.started_by).unwrap();
            let matching = |(i, left, entered): &(usize, Option<AdmissionType>, Option<AdmissionType>)| {
                let e = &events[*i];
                if stops(clock.rule, e, *left) {
                    Some(StopReason::Stopped)
                } else if clock.rule.restarts_on == Some(e.kind) {
                    Some(StopReason::Restarted)
                } else if starts(clock.rule, e, *left, *entered) && rules_at(RULES, e.at).any(|r| r.id == clock.rule.id) {
                    Some(StopReason::Replaced)
                } else {
                    None
                }
            };
            let first = steps[from + 1..].iter().find_map(|step| matching(step).map(|reason| (step.0, reason)));
            prop_assert_eq!(clock.stopped_by.zip(clock.stop_reason), first, "{} from {}", clock.rule.id, clock.started_by);
            prop_assert_eq!(clock.stopped_at, clock.stopped_by.map(|i| events[i].at));
        }
    }

    #[test]
    fn a_running_clock_only_moves_forward_towards_overdue(events in any_events(), probes in proptest::collection::vec(0i64..400_000, 1..8)) {
        let clocks = compute(&events, RULES);
        for clock in &clocks {
            let mut times: Vec<OffsetDateTime> = probes.iter().map(|m| clock.started_at + Duration::minutes(*m)).collect();
            times.sort();
            let states: Vec<ClockState> = times.iter().map(|t| clock.state_at(*t)).collect();
            for pair in states.windows(2) {
                let rank = |s: ClockState| match s {
                    ClockState::Running | ClockState::NoDeadline => 0,
                    ClockState::DueSoon => 1,
                    ClockState::Overdue => 2,
                    ClockState::Stopped => 3,
                };
                prop_assert!(rank(pair[0]) <= rank(pair[1]), "{}: {:?}", clock.rule.id, states);
            }
            if let (Some(deadline), Some(end)) = (clock.deadline, clock.period_end) {
                prop_assert!(deadline <= end);
            }
            let board = board(&clocks, clock.started_at);
            prop_assert!(board.iter().all(|c| c.state_at(clock.started_at) != ClockState::Stopped));
        }
    }
}
