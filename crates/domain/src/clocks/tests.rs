//! Clock computation: the rules' deadlines on worked examples, stopping events, rule versions by
//! date, states and the board; and the table's own integrity.

use super::*;
use crate::beds::AdmissionType::{IryoHogo, KinkyuSochi, Nini, Okyu, Sochi};
use time::macros::{date, datetime};

fn of<'a>(clocks: &'a [Clock], id: &str) -> Vec<&'a Clock> {
    clocks.iter().filter(|c| c.rule.id == id).collect()
}

fn one<'a>(clocks: &'a [Clock], id: &str) -> &'a Clock {
    let found = of(clocks, id);
    assert_eq!(found.len(), 1, "{id}: {found:?}");
    found[0]
}

#[test]
fn an_emergency_sochi_runs_72_hours_and_stops_on_the_change_to_sochi() {
    let admitted = datetime!(2026-12-06 22:15 +9);
    let changed = datetime!(2026-12-08 10:00 +9);
    let events = [
        Event::new(EventKind::Admission, admitted).entering(KinkyuSochi, false),
        Event::new(EventKind::FormChange, changed).entering(Sochi, false),
    ];
    let clocks = compute(&events, RULES);
    let kinkyu = one(&clocks, "kinkyu_sochi");
    assert_eq!(kinkyu.deadline, Some(datetime!(2026-12-09 22:15 +9)));
    assert_eq!((kinkyu.stopped_by, kinkyu.stopped_at), (Some(1), Some(changed)));
    assert_eq!(kinkyu.state_at(datetime!(2026-12-07 21:00 +9)), ClockState::Running);
    assert_eq!(kinkyu.state_at(changed), ClockState::Stopped);
    assert!(!kinkyu.stopped_late());
    // The 措置 starts its own clocks: the report at 3 months and (from R6.4) the 相談員 in 7 days.
    let report = one(&clocks, "sochi_periodic_report");
    assert_eq!(report.anchor, changed);
    assert_eq!(last_day(report.deadline.unwrap()), date!(2027 - 03 - 08));
    assert_eq!(last_day(one(&clocks, "counselor_sochi").deadline.unwrap()), date!(2026 - 12 - 15));
}

#[test]
fn an_emergency_sochi_without_an_examination_is_overdue_after_72_hours() {
    let admitted = datetime!(2026-12-06 22:15 +9);
    let clocks = compute(&[Event::new(EventKind::Admission, admitted).entering(KinkyuSochi, false)], RULES);
    let kinkyu = one(&clocks, "kinkyu_sochi");
    assert_eq!(kinkyu.state_at(datetime!(2026-12-08 22:15 +9)), ClockState::DueSoon);
    let now = datetime!(2026-12-09 22:16 +9);
    assert_eq!(kinkyu.state_at(now), ClockState::Overdue);
    assert_eq!(kinkyu.time_left(now), Some(time::Duration::minutes(-1)));
    assert_eq!(board(&clocks, now)[0].rule.id, "kinkyu_sochi");
}

#[test]
fn ten_days_from_an_admission_at_2330_jst() {
    let at = datetime!(2027-03-31 23:30 +9);
    let clocks = compute(&[Event::new(EventKind::Admission, at).entering(IryoHogo, false)], RULES);
    let notice = one(&clocks, "iryo_hogo_admission_notice");
    assert_eq!(notice.deadline, Some(datetime!(2027-04-11 00:00 +9)));
    assert_eq!(last_day(notice.deadline.unwrap()), date!(2027 - 04 - 10));
    assert_eq!(notice.state_at(datetime!(2027-04-10 23:59 +9)), ClockState::DueSoon);
    assert_eq!(notice.state_at(datetime!(2027-04-11 00:00 +9)), ClockState::Overdue);
    assert!(matches!(notice.rule.verification, Verification::Unconfirmed(_)));
}

#[test]
fn day_deadlines_follow_the_japanese_date_across_the_fiscal_year() {
    // 00:30 JST on 1 April is 31 March (and the old fiscal year) in UTC.
    let at = datetime!(2027-03-31 15:30 UTC);
    let clocks = compute(&[Event::new(EventKind::Admission, at).entering(IryoHogo, false)], RULES);
    let notice = one(&clocks, "iryo_hogo_admission_notice");
    assert_eq!(last_day(notice.deadline.unwrap()), date!(2027 - 04 - 11));
    assert_eq!(crate::FiscalYear::of_date(2027, u8::from(jst_date(at).month())), crate::FiscalYear(2027));
}

#[test]
fn the_rule_version_is_the_one_in_force_on_the_japanese_date_of_the_start() {
    let before = datetime!(2024-03-31 23:30 +9);
    let after = datetime!(2024-03-31 15:30 UTC); // 2024-04-01 00:30 JST
    let old = compute(&[Event::new(EventKind::Admission, before).entering(Okyu, false)], RULES);
    let new = compute(&[Event::new(EventKind::Admission, after).entering(Okyu, false)], RULES);
    assert_eq!(one(&old, "oukyu").rule.article, "精神保健福祉法33条の7第1項");
    assert_eq!(one(&new, "oukyu").rule.article, "精神保健福祉法33条の6第1項");
    assert_eq!(one(&new, "oukyu").rule.article_label(), "精神保健福祉法33条の6第1項（令和6年3月以前は33条の7第1項）");
    // 医療保護入院's period and the 措置入院者's 相談員 exist only from R6.4.
    let old = compute(&[Event::new(EventKind::Admission, before).entering(IryoHogo, false)], RULES);
    let new = compute(&[Event::new(EventKind::Admission, after).entering(IryoHogo, false)], RULES);
    assert!(of(&old, "iryo_hogo_period").is_empty());
    assert_eq!(one(&new, "iryo_hogo_period").deadline.map(last_day), Some(date!(2024 - 07 - 01)));
    assert_eq!(one(&old, "counselor_iryo_hogo").rule.article, "精神保健福祉法33条の4");
    assert!(
        compute(&[Event::new(EventKind::Admission, before).entering(Sochi, false)], RULES)
            .iter()
            .all(|c| c.rule.id != "counselor_sochi")
    );
}

#[test]
fn an_urgent_admission_by_a_specified_doctor_runs_12_hours() {
    let at = datetime!(2026-06-01 02:00 +9);
    let oukyu = compute(&[Event::new(EventKind::Admission, at).entering(Okyu, true)], RULES);
    assert!(of(&oukyu, "oukyu").is_empty());
    assert_eq!(one(&oukyu, "oukyu_specified").deadline, Some(datetime!(2026-06-01 14:00 +9)));
    let exam = datetime!(2026-06-01 09:00 +9);
    let events =
        [Event::new(EventKind::Admission, at).entering(IryoHogo, true), Event::new(EventKind::DesignatedExam, exam)];
    let clocks = compute(&events, RULES);
    let specified = one(&clocks, "iryo_hogo_specified");
    assert_eq!(specified.deadline, Some(datetime!(2026-06-01 14:00 +9)));
    assert_eq!(specified.stopped_at, Some(exam));
    // The period, the 入院届 and the 相談員 run whoever examined.
    assert!(specified.rule.in_force(date!(2026 - 06 - 01)));
    assert_eq!(of(&clocks, "iryo_hogo_period").len(), 1);
    assert!(one(&clocks, "iryo_hogo_period").stopped_by.is_none());
}

#[test]
fn police_protection_runs_24_hours_and_its_extension_at_most_five_days_more() {
    let start = datetime!(2026-12-01 20:00 +9);
    let warrant = datetime!(2026-12-02 18:00 +9);
    let events = [
        Event::new(EventKind::PoliceProtection, start),
        Event::new(EventKind::CourtExtension, warrant).declaring(datetime!(2026-12-20 00:00 +9)),
    ];
    let clocks = compute(&events, RULES);
    let first = one(&clocks, "police_protection");
    assert_eq!(first.deadline, Some(datetime!(2026-12-02 20:00 +9)));
    assert_eq!(first.stopped_at, Some(warrant));
    // A warrant asking for more is capped at 24 h + 5 days from the start of the 保護.
    let extended = one(&clocks, "police_protection_extended");
    assert_eq!(extended.anchor, start);
    assert_eq!(extended.deadline, Some(datetime!(2026-12-07 20:00 +9)));
    let shorter = [
        events[0].clone(),
        Event::new(EventKind::CourtExtension, warrant).declaring(datetime!(2026-12-04 12:00 +9)),
        Event::new(EventKind::Admission, datetime!(2026-12-03 10:00 +9)).entering(Sochi, false),
    ];
    let clocks = compute(&shorter, RULES);
    let extended = one(&clocks, "police_protection_extended");
    assert_eq!(extended.deadline, Some(datetime!(2026-12-04 12:00 +9)));
    assert_eq!(extended.stopped_by, Some(2));
}

#[test]
fn the_iryo_hogo_period_is_three_months_then_six_and_renewals_follow_on() {
    let admitted = datetime!(2026-01-15 10:00 +9);
    let events = [
        Event::new(EventKind::Admission, admitted).entering(IryoHogo, false),
        Event::new(EventKind::RenewalConsentRequested, datetime!(2026-03-25 10:00 +9)),
        Event::new(EventKind::Renewal, datetime!(2026-04-10 10:00 +9)),
        Event::new(EventKind::Renewal, datetime!(2026-07-10 10:00 +9)),
    ];
    let clocks = compute(&events, RULES);
    let periods: Vec<_> = of(&clocks, "iryo_hogo_period").iter().map(|c| c.deadline.map(last_day)).collect();
    assert_eq!(periods, [Some(date!(2026 - 04 - 15)), Some(date!(2026 - 07 - 15)), Some(date!(2027 - 01 - 15))]);
    let consent = of(&clocks, "iryo_hogo_renewal_consent");
    assert_eq!(consent.len(), 3);
    assert_eq!(consent[0].deadline, Some(datetime!(2026-04-02 00:00 +9)));
    assert_eq!(consent[0].stopped_at, Some(datetime!(2026-03-25 10:00 +9)));
    assert_eq!(consent[0].stop_reason, Some(StopReason::Stopped));
    assert_eq!(consent[1].instance, 1);
    // The 更新届 runs 10 days from each renewal.
    assert_eq!(of(&clocks, "iryo_hogo_renewal_notice").len(), 2);
    // Going over to 任意入院 ends the chain and starts the 退院届.
    let mut more = events.to_vec();
    more.push(Event::new(EventKind::FormChange, datetime!(2026-08-01 10:00 +9)).entering(Nini, false));
    more.push(Event::new(EventKind::Renewal, datetime!(2026-08-02 10:00 +9)));
    let clocks = compute(&more, RULES);
    assert_eq!(of(&clocks, "iryo_hogo_period").len(), 3);
    assert!(of(&clocks, "iryo_hogo_period").iter().all(|c| c.stopped_by.is_some()));
    assert_eq!(one(&clocks, "iryo_hogo_discharge_notice").started_by, 4);
}

#[test]
fn a_shorter_period_set_by_the_hospital_is_the_deadline() {
    let at = datetime!(2026-01-15 10:00 +9);
    let end = datetime!(2026-03-01 00:00 +9);
    let clocks = compute(&[Event::new(EventKind::Admission, at).entering(IryoHogo, false).declaring(end)], RULES);
    assert_eq!(one(&clocks, "iryo_hogo_period").deadline, Some(end));
    assert_eq!(one(&clocks, "iryo_hogo_renewal_consent").deadline, Some(datetime!(2026-02-15 00:00 +9)));
}

#[test]
fn periodic_reports_are_due_3_and_6_months_after_the_sochi_then_every_6() {
    let at = datetime!(2026-01-15 10:00 +9);
    let events = [
        Event::new(EventKind::Admission, at).entering(Sochi, false),
        Event::new(EventKind::PeriodicReport, datetime!(2026-04-01 10:00 +9)),
        Event::new(EventKind::PeriodicReport, datetime!(2026-07-01 10:00 +9)),
        Event::new(EventKind::SochiLifted, datetime!(2026-09-01 10:00 +9)),
        Event::new(EventKind::Discharge, datetime!(2026-09-01 10:00 +9)),
    ];
    let clocks = compute(&events, RULES);
    let reports = of(&clocks, "sochi_periodic_report");
    let due: Vec<_> = reports.iter().map(|c| c.deadline.map(last_day)).collect();
    assert_eq!(due, [Some(date!(2026 - 04 - 15)), Some(date!(2026 - 07 - 15)), Some(date!(2027 - 01 - 15))]);
    assert_eq!(reports[2].stopped_by, Some(3));
    assert_eq!(reports[2].stop_reason, Some(StopReason::Stopped));
}

#[test]
fn a_plan_period_is_the_one_the_plan_sets() {
    let start = datetime!(2026-05-20 00:00 +9);
    let events = [
        Event::new(EventKind::PlanStarted, start).declaring(datetime!(2026-11-21 00:00 +9)),
        Event::new(EventKind::PlanExtended, datetime!(2026-11-01 00:00 +9)),
    ];
    let clocks = compute(&events, RULES);
    assert_eq!(one(&clocks, "plan_period").deadline.map(last_day), Some(date!(2026 - 11 - 20)));
    let extension = one(&clocks, "plan_extension");
    assert_eq!(extension.deadline, None);
    assert_eq!(extension.state_at(datetime!(2026-11-02 00:00 +9)), ClockState::NoDeadline);
}

#[test]
fn the_board_lists_running_clocks_most_urgent_first() {
    let events = [
        Event::new(EventKind::Admission, datetime!(2026-12-01 10:00 +9)).entering(IryoHogo, false),
        Event::new(EventKind::PoliceProtection, datetime!(2026-12-06 09:00 +9)),
        Event::new(EventKind::PlanStarted, datetime!(2026-12-05 00:00 +9)),
    ];
    let clocks = compute(&events, RULES);
    let now = datetime!(2026-12-08 12:00 +9);
    let order: Vec<(&str, ClockState)> = board(&clocks, now).iter().map(|c| (c.rule.id, c.state_at(now))).collect();
    assert_eq!(
        order,
        [
            ("police_protection", ClockState::Overdue),
            ("counselor_iryo_hogo", ClockState::DueSoon),
            ("iryo_hogo_admission_notice", ClockState::Running),
            ("iryo_hogo_renewal_consent", ClockState::Running),
            ("iryo_hogo_period", ClockState::Running),
            ("plan_period", ClockState::NoDeadline),
        ]
    );
}

#[test]
fn every_rule_names_its_source_and_unverified_ones_say_what_is_missing() {
    for rule in RULES {
        assert!(!rule.id.is_empty() && !rule.label.is_empty() && !rule.article.is_empty(), "{rule:?}");
        assert!(!rule.source.law.is_empty() && !rule.source.read.is_empty(), "{}", rule.id);
        assert!(!rule.starts.is_empty() && !rule.stops.is_empty(), "{}", rule.id);
        if let Verification::Unconfirmed(what) = rule.verification {
            assert!(!what.is_empty(), "{}", rule.id);
        }
        if rule.source.confidence == Confidence::None {
            assert_eq!(rule.verification.label(), "要確認", "{}: no source, so not 確認済", rule.id);
        }
        assert!(!matches!(rule.length, Length::Hours(0) | Length::Days(0) | Length::Months(0)), "{}", rule.id);
        assert!(rule.effective_from.zip(rule.effective_to).is_none_or(|(f, t)| f <= t), "{}", rule.id);
    }
}

#[test]
fn versions_of_a_rule_never_overlap_and_keep_the_old_article() {
    for (i, a) in RULES.iter().enumerate() {
        for b in RULES.iter().skip(i + 1).filter(|b| b.id == a.id) {
            let a_before_b = a.effective_to.zip(b.effective_from).is_some_and(|(to, from)| to < from);
            let b_before_a = b.effective_to.zip(a.effective_from).is_some_and(|(to, from)| to < from);
            assert!(a_before_b || b_before_a, "{} versions overlap", a.id);
            if a.article != b.article {
                assert!(b.previous_article.is_some(), "{}: the new version keeps the old number", b.id);
            }
        }
    }
    let topics: Vec<_> = ARTICLE_MOVES.iter().map(|m| (m.before, m.after)).collect();
    assert!(topics.contains(&("33条の7", "33条の6")) && topics.contains(&("33条3項", "33条2項")));
}

#[test]
fn the_table_covers_the_clocks_issue_14_asks_for() {
    let ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
    for id in [
        "police_protection",
        "police_protection_extended",
        "kinkyu_sochi",
        "oukyu",
        "oukyu_specified",
        "iryo_hogo_specified",
        "iryo_hogo_admission_notice",
        "iryo_hogo_discharge_notice",
        "iryo_hogo_period",
        "iryo_hogo_renewal_consent",
        "iryo_hogo_renewal_notice",
        "sochi_periodic_report",
        "counselor_iryo_hogo",
        "counselor_sochi",
        "plan_period",
        "plan_extension",
    ] {
        assert!(ids.contains(&id), "{id}");
    }
    for kind in EventKind::ALL {
        assert_eq!(EventKind::parse(kind.code()), Some(kind));
    }
}
