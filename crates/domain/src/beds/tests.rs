//! Bed-finder rules: search ranking, holds and their states.

use super::*;

fn candidate() -> Candidate {
    Candidate {
        ward_type: WardType::Kyukyu,
        sex: Sex::Mixed,
        min_age: 16,
        max_age: 120,
        admissions: AdmissionType::ALL.to_vec(),
        emergency: true,
        designations: Designations { sochi: SochiDesignation::Kokuto, okyu: false },
        night_holiday: true,
        seclusion_free: 0,
        physical_care: false,
        location: (35.64, 139.70),
        availability: Availability { posted: 2, active_holds: 0, admissions: 0 },
        posting_age_seconds: 60,
    }
}

#[test]
fn only_a_held_hold_moves_and_only_to_a_final_state() {
    for next in HoldState::ALL {
        assert_eq!(HoldState::Held.can_become(next), next != HoldState::Held, "{next:?}");
    }
    for from in [HoldState::Accepted, HoldState::Declined, HoldState::Expired, HoldState::Cancelled] {
        for next in HoldState::ALL {
            assert!(!from.can_become(next), "{from:?} → {next:?}");
        }
    }
}

#[test]
fn codes_round_trip() {
    for a in AdmissionType::ALL {
        assert_eq!(AdmissionType::parse(a.code()), Some(a));
    }
    for w in WardType::ALL {
        assert_eq!(WardType::parse(w.code()), Some(w));
    }
    for s in HoldState::ALL {
        assert_eq!(HoldState::parse(s.code()), Some(s));
    }
    for r in DeclineReason::ALL {
        assert_eq!(DeclineReason::parse(r.code()), Some(r));
    }
    assert_eq!(parse_admission_codes(&admission_codes(&AdmissionType::ALL)).unwrap(), AdmissionType::ALL.to_vec());
    assert!(parse_admission_codes("sochi,bogus").unwrap_err().contains("bogus"));
}

#[test]
fn case_references_are_short_codes_never_names() {
    assert_eq!(CaseRef::parse("R4-023").unwrap().as_str(), "R4-023");
    assert_eq!(CaseRef::parse(" Ｒ４－０２３ ").unwrap().as_str(), "R4-023");
    for bad in ["", "目黒 花子", "R4 023", "-R4", "<script>", "R4-0230000000000000000000"] {
        assert!(CaseRef::parse(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn a_hold_fits_only_while_posted_beds_exceed_holds_and_admissions() {
    let a = Availability { posted: 2, active_holds: 1, admissions: 0 };
    assert!(a.can_hold());
    assert_eq!(a.left(), 1);
    let full = Availability { posted: 2, active_holds: 1, admissions: 1 };
    assert!(!full.can_hold());
    assert_eq!(full.left(), 0);
    let over = Availability { posted: 1, active_holds: 1, admissions: 1 };
    assert_eq!(over.left(), 0, "never negative");
}

#[test]
fn filters_are_hard_and_okyu_needs_the_designation() {
    let c = candidate();
    let okyu = Criteria { admission: Some(AdmissionType::Okyu), ..Criteria::default() };
    assert!(!matches(&okyu, &c), "応急 needs the 応急入院指定");
    assert!(matches(&okyu, &Candidate { designations: Designations { okyu: true, ..c.designations }, ..c.clone() }));
    assert!(!matches(&Criteria { age: Some(12), ..Criteria::default() }, &c));
    assert!(matches(&Criteria { age: Some(16), ..Criteria::default() }, &c));
    let male_ward = Candidate { sex: Sex::Male, ..c.clone() };
    assert!(!matches(&Criteria { sex: Some(Sex::Female), ..Criteria::default() }, &male_ward));
    assert!(!matches(&Criteria { needs_physical_care: true, ..Criteria::default() }, &c));
    assert!(matches(&Criteria { ward_type: Some(WardType::Kyukyu), ..Criteria::default() }, &c));
    assert!(!matches(&Criteria { ward_type: Some(WardType::Kaiho), ..Criteria::default() }, &c));
    let full = Candidate { availability: Availability { posted: 1, active_holds: 1, admissions: 0 }, ..c.clone() };
    assert!(!matches(&Criteria::default(), &full));
    assert!(matches(&Criteria { include_full: true, ..Criteria::default() }, &full));
}

#[test]
fn stale_postings_rank_after_fresh_ones_whatever_the_distance() {
    let criteria = Criteria { from: Some((35.64, 139.70)), ..Criteria::default() };
    let near_stale = Candidate { posting_age_seconds: 7200, ..candidate() };
    let far_fresh = Candidate { location: (35.75, 139.85), ..candidate() };
    assert!(rank(&criteria, &far_fresh, 3600) < rank(&criteria, &near_stale, 3600));
    let near_fresh = candidate();
    assert!(rank(&criteria, &near_fresh, 3600) < rank(&criteria, &far_fresh, 3600));
}

#[test]
fn distances_are_plausible() {
    let meguro = centre_of("131105").unwrap();
    let chiyoda = centre_of("131016").unwrap();
    let d = distance_km(meguro, chiyoda);
    assert!((7.0..9.0).contains(&d), "{d}");
    assert_eq!(distance_km(meguro, meguro), 0.0);
}

#[test]
fn percentiles_use_the_nearest_rank() {
    let values: Vec<i64> = (1..=10).collect();
    assert_eq!(percentile(&values, 50), Some(5));
    assert_eq!(percentile(&values, 90), Some(9));
    assert_eq!(percentile(&values, 100), Some(10));
    assert_eq!(percentile(&[7], 90), Some(7));
    assert_eq!(percentile(&[], 50), None);
}

#[test]
fn ages_read_naturally() {
    assert_eq!(age_label(5), "1分以内");
    assert_eq!(age_label(180), "3分前");
    assert_eq!(age_label(7200), "2時間前");
    assert_eq!(age_label(3 * 86400), "3日前");
}

/// The API's bodies serialize these enums with serde and document them from the same derive, so
/// their serde names must be the codes the pages, the store and the audit log use.
#[test]
fn every_code_is_the_serde_name() {
    let name = |value: serde_json::Value| value.as_str().unwrap().to_string();
    for a in AdmissionType::ALL {
        assert_eq!(name(serde_json::to_value(a).unwrap()), a.code());
    }
    for w in WardType::ALL {
        assert_eq!(name(serde_json::to_value(w).unwrap()), w.code());
    }
    for s in Sex::ALL {
        assert_eq!(name(serde_json::to_value(s).unwrap()), s.code());
    }
    for h in HoldState::ALL {
        assert_eq!(name(serde_json::to_value(h).unwrap()), h.code());
    }
    for r in DeclineReason::ALL {
        assert_eq!(name(serde_json::to_value(r).unwrap()), r.code());
    }
}

#[test]
fn a_physical_care_ward_does_not_rank_first_for_a_patient_without_complications() {
    // A 措置 search from 目黒区: a nearer 合併症 ward at an emergency hospital, and a farther
    // 精神科救急 ward.
    let criteria = Criteria {
        admission: Some(AdmissionType::Sochi),
        sex: Some(Sex::Male),
        from: Some((35.6415, 139.6982)),
        ..Criteria::default()
    };
    let physical = Candidate { ward_type: WardType::Gappeisho, physical_care: true, ..candidate() };
    let emergency = Candidate { location: (35.70, 139.80), ..candidate() };
    assert!(rank(&criteria, &emergency, 3600) < rank(&criteria, &physical, 3600), "no complications");
    // With complications the 合併症 ward comes first.
    let needs = Criteria { needs_physical_care: true, ..criteria.clone() };
    assert!(rank(&needs, &physical, 3600) < rank(&needs, &emergency, 3600), "complications");
    // Even a male-only 急性期 ward without the emergency point outranks it.
    let male = Candidate { ward_type: WardType::Kyuseiki, sex: Sex::Male, emergency: false, ..candidate() };
    assert!(rank(&criteria, &male, 3600) < rank(&criteria, &physical, 3600));
}

#[test]
fn a_ward_takes_only_its_listed_admissions_and_each_only_where_designated() {
    use AdmissionType::*;
    let okyu = Designations { sochi: SochiDesignation::None, okyu: true };
    let plain = Designations::default();
    let shitei = Designations { sochi: SochiDesignation::Shitei, okyu: false };
    assert_eq!(admission_refusal(&[Sochi, IryoHogo], okyu, Nini), Some(AdmissionRefusal::NotListed));
    assert_eq!(admission_refusal(&[Okyu], plain, Okyu), Some(AdmissionRefusal::NotOkyuDesignated));
    assert_eq!(admission_refusal(&[Okyu], okyu, Okyu), None);
    assert_eq!(admission_refusal(&AdmissionType::ALL, okyu, Sochi), Some(AdmissionRefusal::NotSochiDesignated));
    assert_eq!(admission_refusal(&AdmissionType::ALL, plain, KinkyuSochi), Some(AdmissionRefusal::NotSochiDesignated));
    assert_eq!(admission_refusal(&AdmissionType::ALL, shitei, Sochi), None);
    assert_eq!(admission_refusal(&AdmissionType::ALL, plain, IryoHogo), None);
}

#[test]
fn seclusion_filters_and_the_night_band_ranks_closed_hospitals_last() {
    let c = candidate();
    let seclusion = Criteria { needs_seclusion: true, ..Criteria::default() };
    assert!(!matches(&seclusion, &c));
    assert!(matches(&seclusion, &Candidate { seclusion_free: 1, ..c.clone() }));
    let day_only = Candidate { night_holiday: false, location: (35.64, 139.70), ..c.clone() };
    let far_open = Candidate { location: (35.75, 139.85), posting_age_seconds: 7200, ..c.clone() };
    let night = Criteria { night_band: true, from: Some((35.64, 139.70)), ..Criteria::default() };
    assert!(rank(&night, &far_open, 3600) < rank(&night, &day_only, 3600), "in the band");
    let day = Criteria { night_band: false, ..night.clone() };
    assert!(rank(&day, &day_only, 3600) < rank(&day, &far_open, 3600), "by day nothing changes");
    assert!(matches(&night, &day_only), "ranked after, not hidden");
}

/// The issue read the page as "freshness before distance": the order is a bed left, then fresh
/// before stale (a yes/no, not the posting's minutes), then fit, then distance; among fresh
/// postings an older one nearer ranks before a newer one farther.
#[test]
fn the_order_is_bed_then_fresh_then_fit_then_distance_and_a_fresh_age_never_beats_distance() {
    let criteria =
        Criteria { sex: Some(Sex::Male), from: Some((35.64, 139.70)), include_full: true, ..Criteria::default() };
    let near_older = Candidate { posting_age_seconds: 3000, location: (35.645, 139.70), ..candidate() };
    let far_newer = Candidate { posting_age_seconds: 30, location: (35.70, 139.75), ..candidate() };
    let farthest_male = Candidate { sex: Sex::Male, location: (35.75, 139.85), ..candidate() };
    let nearest_stale = Candidate { posting_age_seconds: 7200, location: (35.64, 139.70), ..candidate() };
    let nearest_full = Candidate {
        availability: Availability { posted: 1, active_holds: 1, admissions: 0 },
        location: (35.64, 139.70),
        ..candidate()
    };
    let mut wards = [
        ("full", &nearest_full),
        ("stale", &nearest_stale),
        ("far newer", &far_newer),
        ("near older", &near_older),
        ("male", &farthest_male),
    ];
    wards.sort_by(|a, b| rank(&criteria, a.1, 3600).partial_cmp(&rank(&criteria, b.1, 3600)).unwrap());
    let order: Vec<&str> = wards.iter().map(|(name, _)| *name).collect();
    assert_eq!(order, ["male", "near older", "far newer", "stale", "full"]);
}
