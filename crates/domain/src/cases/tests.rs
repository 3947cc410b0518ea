//! The case state machine and its code lists.

use super::*;
use proptest::prelude::*;

fn examine(first: Finding, second: Option<Finding>, disposition: Disposition) -> CaseEvent {
    CaseEvent::Examine {
        first, second, disposition, hospital: "東京医療センター".into(), reason: String::new()
    }
}

#[test]
fn a_case_goes_from_intake_to_closure() {
    let mut s = CaseStatus::received();
    for event in [
        CaseEvent::StartInvestigation { staff: 2 },
        CaseEvent::OrderExam,
        examine(Finding::NeedsSochi, Some(Finding::NeedsSochi), Disposition::Sochi),
        CaseEvent::FollowUpContact,
        CaseEvent::Close { reason: "措置解除後、通院継続".into() },
    ] {
        s = s.apply(&event).unwrap();
        assert!(s.is_consistent());
    }
    assert_eq!(s.state, CaseState::Closed);
    assert_eq!(s.disposition, Some(Disposition::Sochi));
    assert!(s.allowed().is_empty());
}

#[test]
fn invalid_transitions_name_state_and_event() {
    let error = CaseStatus::received().apply(&CaseEvent::Close { reason: "x".into() }).unwrap_err();
    assert_eq!(error.to_string(), "「受理」の状態では「終結」はできません");
    let error = CaseStatus::received().apply(&CaseEvent::OrderExam).unwrap_err();
    assert_eq!(error.field(), "state");
}

#[test]
fn sochi_needs_two_designated_doctors_finding_it() {
    let s = CaseStatus { state: CaseState::ExamOrdered, ..CaseStatus::received() };
    let error = s.apply(&examine(Finding::NeedsSochi, Some(Finding::NoSochi), Disposition::Sochi)).unwrap_err();
    assert_eq!(error.field(), "disposition");
    let error = s.apply(&examine(Finding::NeedsSochi, None, Disposition::IryoHogo)).unwrap_err();
    assert_eq!(error.field(), "second");
    assert!(s.apply(&examine(Finding::NeedsSochi, None, Disposition::KinkyuSochi)).is_ok());
    let no_hospital = CaseEvent::Examine {
        first: Finding::NoSochi,
        second: Some(Finding::NoSochi),
        disposition: Disposition::IryoHogo,
        hospital: " ".into(),
        reason: String::new(),
    };
    assert_eq!(s.apply(&no_hospital).unwrap_err().field(), "hospital");
}

#[test]
fn emergency_sochi_is_followed_by_one_full_examination() {
    let s = CaseStatus { state: CaseState::ExamOrdered, ..CaseStatus::received() };
    let s = s.apply(&examine(Finding::NeedsSochi, None, Disposition::KinkyuSochi)).unwrap();
    assert!(s.allowed().contains(&"examine"));
    let s = s.apply(&examine(Finding::NeedsSochi, Some(Finding::NeedsSochi), Disposition::Sochi)).unwrap();
    assert_eq!((s.disposition, s.examinations), (Some(Disposition::Sochi), 2));
    assert!(!s.allowed().contains(&"examine"));
    assert!(s.apply(&examine(Finding::NoSochi, Some(Finding::NoSochi), Disposition::NoAdmission)).is_err());
}

#[test]
fn the_staff_at_the_investigation_are_counted_within_limits() {
    let s = CaseStatus::received();
    for staff in [0, 21] {
        let error = s.apply(&CaseEvent::StartInvestigation { staff }).unwrap_err();
        assert_eq!(error.field(), "staff_count");
    }
    assert!(s.apply(&CaseEvent::StartInvestigation { staff: 1 }).is_ok());
}

#[test]
fn an_exam_whose_disposition_needs_a_reason_is_refused_without_one_and_flagged_with_it() {
    let s = CaseStatus { state: CaseState::ExamOrdered, ..CaseStatus::received() };
    let bare = examine(Finding::NeedsSochi, Some(Finding::NoSochi), Disposition::KinkyuSochi);
    assert_eq!(s.apply(&bare).unwrap_err().field(), "reason");
    let CaseEvent::Examine { first, second, disposition, hospital, .. } = bare else { unreachable!() };
    let reasoned = CaseEvent::Examine { first, second, disposition, hospital, reason: "急変".into() };
    assert!(s.apply(&reasoned).is_ok());
    assert_eq!(reasoned.review_flag(), Some(ReviewFlag::KinkyuAfterNoSochi));
    let agreeing = examine(Finding::NeedsSochi, Some(Finding::NeedsSochi), Disposition::IryoHogo);
    assert_eq!(s.apply(&agreeing).unwrap_err().field(), "reason");
    assert_eq!(agreeing.review_flag(), None);
    // After a 緊急措置, the full 措置診察 follows the same rule.
    let kinkyu = s.apply(&examine(Finding::NeedsSochi, None, Disposition::KinkyuSochi)).unwrap();
    assert_eq!(kinkyu.apply(&agreeing).unwrap_err().field(), "reason");
}

#[test]
fn reasons_are_required() {
    let s = CaseStatus { state: CaseState::Investigating, ..CaseStatus::received() };
    let error = s.apply(&CaseEvent::NoExamNeeded { reason: "  ".into() }).unwrap_err();
    assert_eq!(error.to_string(), "診察不要の理由を入力してください");
}

#[test]
fn code_lists_round_trip_and_are_versioned() {
    for entry in DISPOSITIONS {
        assert_eq!(Disposition::parse(entry.code, FiscalYear(2022)), Some(entry.value));
        assert_eq!(entry.value.code(), entry.code);
    }
    assert_eq!(Disposition::parse("sochi", FiscalYear(1988)), None);
    for state in CaseState::ALL {
        assert_eq!(CaseState::parse(state.code()), Some(state));
    }
}

fn any_event() -> impl Strategy<Value = CaseEvent> {
    let finding = prop_oneof![Just(Finding::NeedsSochi), Just(Finding::NoSochi)];
    let disposition = proptest::sample::select(DISPOSITIONS.iter().map(|e| e.value).collect::<Vec<_>>());
    let text = prop_oneof![Just(String::new()), Just("理由".to_string())];
    prop_oneof![
        (0u8..=21).prop_map(|staff| CaseEvent::StartInvestigation { staff }),
        Just(CaseEvent::OrderExam),
        text.clone().prop_map(|reason| CaseEvent::NoExamNeeded { reason }),
        text.clone().prop_map(|reason| CaseEvent::Hold { reason }),
        (finding.clone(), proptest::option::of(finding), disposition, text.clone(), text.clone()).prop_map(
            |(first, second, disposition, hospital, reason)| CaseEvent::Examine {
                first,
                second,
                disposition,
                hospital,
                reason
            }
        ),
        Just(CaseEvent::FollowUpContact),
        text.prop_map(|reason| CaseEvent::Close { reason }),
    ]
}

proptest! {
    #[test]
    fn no_event_sequence_reaches_an_inconsistent_state(events in proptest::collection::vec(any_event(), 0..40)) {
        let mut status = CaseStatus::received();
        for event in &events {
            let allowed = status.allowed().contains(&event.code());
            match status.apply(event) {
                Ok(next) => {
                    prop_assert!(allowed, "{event:?} applied in {:?} but not offered", status.state);
                    prop_assert!(next.is_consistent(), "{next:?} after {event:?}");
                    prop_assert!(status.state != CaseState::Closed);
                    status = next;
                }
                Err(CaseError::Transition { .. }) => prop_assert!(!allowed, "{event:?} offered in {:?} but refused", status.state),
                Err(CaseError::Invalid { .. }) => {}
            }
        }
        prop_assert!(status.is_consistent());
    }
}

#[test]
fn a_case_has_a_reception_number_the_bed_finder_accepts() {
    assert_eq!(reception_number(FiscalYear(2021), 12), "R3-012");
    assert_eq!(reception_number(FiscalYear(2022), 1234), "R4-1234");
    let longest = reception_number(FiscalYear(2100), 999_999_999_999_999);
    assert_eq!(crate::beds::CaseRef::parse(&longest).map(|r| r.as_str().to_string()), Ok(longest));
    assert_eq!(admission_of(Disposition::Sochi), Some(crate::beds::AdmissionType::Sochi));
    assert_eq!(admission_of(Disposition::NoAdmission), None);
}
