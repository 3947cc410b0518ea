//! The admission state machine: worked flows, refusals naming their field, the change table, and
//! property tests that no event sequence reaches an invalid state and that the clocks follow the
//! admission (no change of form loses or duplicates one).

use super::*;
use crate::beds::AdmissionType::{IryoHogo, KinkyuSochi, Nini, Okyu, Sochi};
use crate::clocks::{self, Clock, RULES};
use proptest::prelude::*;
use time::Duration;
use time::macros::datetime;

fn hospital() -> HospitalRef {
    HospitalRef::Typed("東京医療センター".into())
}

fn iryo_hogo(consent: Consent) -> FormEntry {
    FormEntry { form: IryoHogo, specified_doctor: false, consent: Some(consent), period_end: None }
}

#[test]
fn an_emergency_sochi_becomes_sochi_is_lifted_into_iryo_hogo_and_ends_in_discharge() {
    let t0 = datetime!(2026-12-06 22:15 +9);
    let mut s = AdmissionStatus::admit(t0, hospital(), FormEntry::plain(KinkyuSochi)).unwrap();
    assert_eq!(s.allowed(), ["change_form", "notice", "link_plan", "discharge"]);
    let steps = [
        (t0 + Duration::hours(40), AdmissionEvent::ChangeForm(FormEntry::plain(Sochi))),
        (t0 + Duration::days(3), AdmissionEvent::AppointCounselor),
        (t0 + Duration::days(60), AdmissionEvent::Notice(NoticeKind::SymptomsResolved)),
        (t0 + Duration::days(61), AdmissionEvent::LiftSochi { then: Some(iryo_hogo(Consent::Mayor)) }),
        (t0 + Duration::days(62), AdmissionEvent::Notice(NoticeKind::Admission)),
        (t0 + Duration::days(90), AdmissionEvent::Discharge),
        (t0 + Duration::days(91), AdmissionEvent::Notice(NoticeKind::Discharge)),
        (t0 + Duration::days(95), AdmissionEvent::LinkPlan { plan_id: 7 }),
    ];
    for (at, event) in steps {
        s = s.apply(at, &event).unwrap();
        assert!(s.is_consistent(), "{s:?}");
    }
    assert_eq!((s.state, s.form, s.consent), (AdmissionState::Discharged, IryoHogo, Some(Consent::Mayor)));
    assert_eq!(s.sochi_lifted_at, Some(t0 + Duration::days(61)));
    assert_eq!((s.discharged_at, s.plan), (Some(t0 + Duration::days(90)), Some(7)));
    assert_eq!(s.allowed(), ["notice", "link_plan"]);
    let error = s.apply(t0 + Duration::days(96), &AdmissionEvent::AppointCounselor).unwrap_err();
    assert_eq!(error.to_string(), "「退院」（医療保護入院）の状態では「退院後生活環境相談員の選任」はできません");
}

#[test]
fn changes_the_law_does_not_provide_for_are_refused_naming_both_forms() {
    let t0 = datetime!(2026-06-01 10:00 +9);
    let oukyu = AdmissionStatus::admit(t0, hospital(), FormEntry::plain(Okyu)).unwrap();
    let error = oukyu.apply(t0, &AdmissionEvent::ChangeForm(FormEntry::plain(Sochi))).unwrap_err();
    assert_eq!(error, AdmissionError::FormChange { from: Okyu, to: Sochi });
    assert_eq!(error.field(), "form");
    assert_eq!(
        error.to_string(),
        "「応急入院」から「措置入院」への入院形態の変更はできません（できる変更: 医療保護入院、任意入院）"
    );
    let sochi = AdmissionStatus::admit(t0, hospital(), FormEntry::plain(Sochi)).unwrap();
    let error = sochi.apply(t0, &AdmissionEvent::ChangeForm(FormEntry::plain(Nini))).unwrap_err();
    assert_eq!(error.field(), "state");
    let error = sochi.apply(t0, &AdmissionEvent::LiftSochi { then: Some(FormEntry::plain(Okyu)) }).unwrap_err();
    assert!(error.to_string().contains("措置解除として記録してください"), "{error}");
}

#[test]
fn an_iryo_hogo_admission_needs_its_consent_and_fields_belong_to_their_forms() {
    let t0 = datetime!(2026-06-01 10:00 +9);
    let error = AdmissionStatus::admit(t0, hospital(), FormEntry::plain(IryoHogo)).unwrap_err();
    assert_eq!((error.clone(), error.field()), (AdmissionError::ConsentMissing, "consent"));
    assert_eq!(error.to_string(), "医療保護入院の同意者（家族等または市町村長）を選んでください");
    let with_consent = FormEntry { consent: Some(Consent::Family), ..FormEntry::plain(Sochi) };
    assert_eq!(AdmissionStatus::admit(t0, hospital(), with_consent).unwrap_err().field(), "consent");
    let specified = FormEntry { specified_doctor: true, ..FormEntry::plain(Sochi) };
    assert_eq!(AdmissionStatus::admit(t0, hospital(), specified).unwrap_err().field(), "specified_doctor");
    let past_end = FormEntry { period_end: Some(t0), ..iryo_hogo(Consent::Family) };
    assert_eq!(AdmissionStatus::admit(t0, hospital(), past_end).unwrap_err().field(), "period_end");
    let typed = HospitalRef::Typed(" ".into());
    assert_eq!(AdmissionStatus::admit(t0, typed, FormEntry::plain(Nini)).unwrap_err().field(), "hospital");
    assert!(AdmissionStatus::admit(t0, HospitalRef::Listed("h-3".into()), iryo_hogo(Consent::Mayor)).is_ok());
}

#[test]
fn renewals_exist_from_r6_4_and_events_never_go_back_in_time() {
    let before = datetime!(2024-03-01 10:00 +9);
    let s = AdmissionStatus::admit(before, hospital(), iryo_hogo(Consent::Family)).unwrap();
    let renew = AdmissionEvent::Renew { period_end: None, consent: Consent::Family };
    assert_eq!(s.apply(datetime!(2024-03-31 23:59 +9), &renew).unwrap_err().field(), "occurred_at");
    let renewed = s.apply(datetime!(2024-03-31 15:00 UTC), &renew).unwrap();
    assert_eq!(renewed.renewals, 1);
    assert_eq!(renewed.apply(before, &AdmissionEvent::Discharge).unwrap_err().field(), "occurred_at");
    let notice = AdmissionEvent::Notice(NoticeKind::Renewal);
    let error = s.apply(datetime!(2024-03-02 10:00 +9), &notice).unwrap_err();
    assert_eq!(error, AdmissionError::NoticeNotApplicable { notice: NoticeKind::Renewal, form: IryoHogo });
    assert_eq!(error.to_string(), "更新届は今の入院形態（医療保護入院）では受理できません");
    assert!(renewed.apply(datetime!(2024-04-05 10:00 +9), &notice).is_ok());
}

#[test]
fn the_mayors_consent_cites_the_article_in_force_on_the_day() {
    assert_eq!(Consent::Mayor.article_at(datetime!(2024-03-31 23:59 +9)), Some("33条3項"));
    assert_eq!(Consent::Mayor.article_at(datetime!(2024-04-01 00:00 +9)), Some("33条2項"));
    assert_eq!(Consent::Family.article_at(datetime!(2024-04-01 00:00 +9)), None);
}

#[test]
fn the_change_table_explains_every_change_and_sochi_leaves_only_by_lifting() {
    for (from, to, why) in FORM_CHANGES {
        assert_ne!(from, to);
        assert!(!why.is_empty());
    }
    assert!(changes_from(Sochi).is_empty());
    assert_eq!(changes_from(KinkyuSochi), [Sochi, IryoHogo, Nini]);
    assert_eq!(changes_from(Okyu), [IryoHogo, Nini]);
    for code in ["change_form", "lift_sochi", "discharge"] {
        assert_ne!(event_label(code), "記録");
    }
}

fn any_entry() -> impl Strategy<Value = FormEntry> {
    let form = proptest::sample::select(crate::beds::AdmissionType::ALL.to_vec());
    let consent = proptest::sample::select(Consent::ALL.to_vec());
    (form, prop::bool::weighted(0.2), consent, prop::bool::weighted(0.1), proptest::option::of(-10i64..20_000))
        .prop_map(|(form, specified, consent, wrong, end)| FormEntry {
            form,
            specified_doctor: specified,
            consent: if (form == IryoHogo) != wrong { Some(consent) } else { None },
            period_end: end.filter(|_| form == IryoHogo).map(|m| datetime!(2024-03-01 00:00 +9) + Duration::hours(m)),
        })
}

fn any_event() -> impl Strategy<Value = AdmissionEvent> {
    let notice = proptest::sample::select(NoticeKind::ALL.to_vec());
    let consent = proptest::sample::select(Consent::ALL.to_vec());
    prop_oneof![
        3 => any_entry().prop_map(AdmissionEvent::ChangeForm),
        1 => Just(AdmissionEvent::DesignatedExam),
        2 => proptest::option::of(any_entry()).prop_map(|then| AdmissionEvent::LiftSochi { then }),
        2 => (proptest::option::of(0i64..20_000), consent).prop_map(|(end, consent)| AdmissionEvent::Renew {
            period_end: end.map(|m| datetime!(2024-03-01 00:00 +9) + Duration::hours(m)),
            consent
        }),
        1 => Just(AdmissionEvent::RequestRenewalConsent),
        1 => Just(AdmissionEvent::AppointCounselor),
        1 => notice.prop_map(AdmissionEvent::Notice),
        1 => (-1i64..3).prop_map(|plan_id| AdmissionEvent::LinkPlan { plan_id }),
        1 => Just(AdmissionEvent::Discharge),
    ]
}

fn any_history() -> impl Strategy<Value = (FormEntry, i64, Vec<(i64, AdmissionEvent)>)> {
    let steps = proptest::collection::vec((prop_oneof![Just(0i64), 1i64..600, 600i64..200_000], any_event()), 0..30);
    (any_entry(), 0i64..120_000, steps)
}

fn running<'a>(clocks: &'a [Clock], id: &str) -> usize {
    clocks.iter().filter(|c: &&'a Clock| c.rule.id == id && c.stopped_by.is_none()).count()
}

proptest! {
    #[test]
    fn no_event_sequence_reaches_an_invalid_state((entry, start, steps) in any_history()) {
        let t0 = datetime!(2023-12-01 09:00 +9) + Duration::minutes(start);
        let Ok(mut status) = AdmissionStatus::admit(t0, hospital(), entry) else { return Ok(()) };
        prop_assert!(status.is_consistent());
        let mut at = t0;
        for (step, event) in &steps {
            at += Duration::minutes(*step);
            let allowed = status.allowed().contains(&event.code());
            match status.apply(at, event) {
                Ok(next) => {
                    prop_assert!(allowed, "{event:?} applied in {:?} but not offered", status.state);
                    prop_assert!(next.is_consistent(), "{next:?} after {event:?}");
                    prop_assert!(next.form == status.form || may_change(status.form, next.form)
                        || (status.form == Sochi && AFTER_SOCHI.contains(&next.form)));
                    status = next;
                }
                Err(AdmissionError::Transition { .. }) => prop_assert!(!allowed, "{event:?} offered in {:?} but refused", status.state),
                Err(_) => prop_assert!(allowed),
            }
        }
    }

    #[test]
    fn the_clocks_follow_the_admission_without_losing_or_duplicating_one((entry, start, steps) in any_history()) {
        let t0 = datetime!(2023-12-01 09:00 +9) + Duration::minutes(start);
        let Ok(mut status) = AdmissionStatus::admit(t0, hospital(), entry.clone()) else { return Ok(()) };
        let mut events = vec![admission_clock_event(t0, &entry)];
        let mut at = t0;
        for (step, event) in &steps {
            at += Duration::minutes(*step);
            let Ok(next) = status.apply(at, event) else { continue };
            events.extend(status.clock_events(at, event));
            status = next;
            let clocks = clocks::compute(&events, RULES);
            let admitted = status.state == AdmissionState::Admitted;
            let is = |form| usize::from(admitted && status.form == form);
            prop_assert_eq!(running(&clocks, "kinkyu_sochi"), is(KinkyuSochi));
            prop_assert_eq!(running(&clocks, "sochi_periodic_report"), is(Sochi));
            prop_assert_eq!(running(&clocks, "oukyu") + running(&clocks, "oukyu_specified"), is(Okyu));
            let period = is(IryoHogo) * usize::from(after_r6_4(status.form_since));
            prop_assert_eq!(running(&clocks, "iryo_hogo_period"), period);
            let specified = is(IryoHogo) * usize::from(status.specified_doctor && !status.designated_exam);
            prop_assert_eq!(running(&clocks, "iryo_hogo_specified"), specified);
            // Each renewal of a current period is one more instance of the period's clock.
            if period == 1 {
                let current: Vec<&Clock> = clocks.iter()
                    .filter(|c| c.rule.id == "iryo_hogo_period" && c.anchor == status.form_since)
                    .collect();
                prop_assert_eq!(current.len(), usize::try_from(status.renewals).unwrap() + 1);
            }
        }
    }
}
