//! Property tests: many generated sheets survive JSON byte for byte and XLSX as equal values.

use nimo_domain::calendar::{FiscalYear, PartialDate};
use nimo_domain::figure::{Figure, Source, Value};
use nimo_domain::municipality::{Municipality, MunicipalityCode, check_digit};
use nimo_domain::sheet::*;
use nimo_exchange::{from_json, from_xlsx, to_json, to_xlsx};
use proptest::collection::{btree_map, vec};
use proptest::option;
use proptest::prelude::*;

fn text() -> impl Strategy<Value = String> {
    "[\\PC\n]{0,12}"
}

fn figure() -> impl Strategy<Value = Figure> {
    let value = prop_oneof![
        (0i64..=nimo_domain::figure::MAX_COUNT).prop_map(Value::Count),
        (0u32..=1000).prop_map(|k| Value::Rate(f64::from(k) / 10.0)),
        any::<bool>().prop_map(Value::YesNo),
        Just(Value::NotApplicable),
        Just(Value::Unknown),
    ];
    let source = prop_oneof![Just(Source::Entered), Just(Source::Derived)];
    (value, source).prop_map(|(value, source)| Figure { value, source })
}

fn date() -> impl Strategy<Value = PartialDate> {
    (1927i32..=2100, option::of((1u8..=12, option::of(1u8..=28)))).prop_map(|(year, rest)| PartialDate {
        year,
        month: rest.map(|r| r.0),
        day: rest.and_then(|r| r.1),
    })
}

fn key() -> impl Strategy<Value = Option<String>> {
    option::of("[a-z][a-z_.]{0,10}")
}

fn measure() -> impl Strategy<Value = Measure> {
    (key(), text(), figure(), text()).prop_map(|(key, prefix, value, unit)| Measure { key, prefix, value, unit })
}

fn indicator() -> impl Strategy<Value = Indicator> {
    let line = (key(), text(), figure(), text(), any::<u8>(), text())
        .prop_map(|(key, label, value, unit, depth, note)| BreakdownLine { key, label, value, unit, depth, note });
    (text(), text(), option::of(measure()), option::of(measure()), vec(line, 0..3), vec(text(), 0..3)).prop_map(
        |(marker, name, target, actual, breakdown, effects)| Indicator {
            marker,
            name,
            target,
            actual,
            breakdown,
            effects,
        },
    )
}

fn challenge() -> impl Strategy<Value = ChallengeItem> {
    let tag = option::of(prop_oneof![Just(Tag::New), Just(Tag::Expanded)]);
    let action = (text(), text(), tag, text()).prop_map(|(marker, text, tag, note)| Action { marker, text, tag, note });
    (any::<u32>(), text(), text(), vec(action, 0..3)).prop_map(|(menu_code, challenge, challenge_detail, actions)| {
        ChallengeItem { menu_code, challenge, challenge_detail, actions }
    })
}

fn municipality() -> impl Strategy<Value = Municipality> {
    (1u32..=47, 0u32..1000, text(), text()).prop_map(|(pref, rest, name, prefecture)| {
        let five = format!("{pref:02}{rest:03}");
        let code = MunicipalityCode::parse(&format!("{five}{}", check_digit(&five))).unwrap();
        Municipality { code, name, prefecture }
    })
}

prop_compose! {
    fn sheet()(
        municipality in municipality(),
        fiscal_year in 1900i32..2200,
        header in (text(), text(), text()),
        as_of in date(),
        profile in text(),
        figures in btree_map("[a-z_]{1,12}", figure(), 0..6),
        policy in (vec(text(), 0..3), option::of(date()), text(), vec(text(), 0..3), text(), text()),
        history in vec((date(), text()), 0..4),
        outcome_texts in (text(), text(), text()),
        indicators in vec(indicator(), 0..3),
        strengths in (vec(text(), 0..3), vec(challenge(), 0..3), text()),
        schedule in vec((date(), text(), text()), 0..4),
        editorial_notes in vec(text(), 0..3),
    ) -> Sheet {
        Sheet {
            municipality,
            fiscal_year: FiscalYear(fiscal_year),
            header: Header { program_title: header.0, slogan: header.1, vision: header.2 },
            basic: BasicData { as_of, profile, figures },
            policy: Policy {
                plans: policy.0, plans_date: policy.1, goal: policy.2,
                measures: policy.3, project_title: policy.4, project_text: policy.5,
            },
            history: history.into_iter().map(|(date, text)| HistoryEvent { date, text, record: None }).collect(),
            outcomes: Outcomes {
                period_label: outcome_texts.0, target_basis: outcome_texts.1,
                actual_basis: outcome_texts.2, indicators,
            },
            strengths: Strengths { strengths: strengths.0, items: strengths.1, closing: strengths.2 },
            schedule: schedule.into_iter().map(|(month, item, content)| ScheduleRow { month, item, content, done: Vec::new() }).collect(),
            editorial_notes,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn json_export_import_export_is_byte_identical(sheet in sheet()) {
        let first = to_json(&sheet);
        let back = from_json(&first).unwrap();
        prop_assert_eq!(&back, &sheet);
        prop_assert_eq!(to_json(&back), first);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn xlsx_export_import_gives_an_equal_sheet(sheet in sheet()) {
        let bytes = to_xlsx(&sheet).unwrap();
        prop_assert_eq!(from_xlsx(&bytes).unwrap(), sheet);
    }
}
