//! Unit tests of the section forms: every form saves back unchanged, errors land on their row,
//! and a submission must be exactly the form.

use super::submission::SubmissionError;
use super::*;
use nimo_domain::validate::ValidationErrors;
use nimo_domain::{FiscalYear, ProgramMenu, demo};

fn form_of(groups: &[Group]) -> SectionFields {
    groups
        .iter()
        .flat_map(|g| &g.fields)
        .filter(|f| !f.is_readonly())
        .map(|f| (f.name.clone(), f.value.clone()))
        .collect()
}

#[test]
fn every_section_form_saves_back_unchanged() {
    let sheet = demo::meguro_r4();
    let menu = ProgramMenu::builtin(FiscalYear(2022));
    use Section::*;
    for section in [Header, Basic, Policy, History, Outcomes, Strengths, Schedule] {
        let form = form_of(&groups(section, &sheet, &menu, None, &ValidationErrors::default()));
        let saved = apply(section, &sheet, &menu, &form).unwrap_or_else(|e| panic!("{section:?}: {e}"));
        assert_eq!(saved, sheet, "{section:?}");
    }
}

#[test]
fn a_bad_date_in_the_middle_is_named_by_its_row() {
    let sheet = demo::meguro_r4();
    let menu = ProgramMenu::builtin(FiscalYear(2022));
    let mut form = form_of(&groups(Section::Schedule, &sheet, &menu, None, &ValidationErrors::default()));
    form.insert("schedule[1].month".into(), "2021-07".into());
    form.insert("schedule[2].month".into(), "来月".into());
    let errors = apply(Section::Schedule, &sheet, &menu, &form).unwrap_err();
    assert!(errors.get("schedule[2].month").unwrap().contains("来月"));
    form.insert("schedule[2].month".into(), "R4.8".into());
    let errors = apply(Section::Schedule, &sheet, &menu, &form).unwrap_err();
    assert!(errors.get("schedule[1].month").unwrap().contains("令和4年度の月ではありません"), "{errors}");
}

#[test]
fn a_forged_row_index_is_refused_without_looping() {
    let sheet = demo::meguro_r4();
    let menu = ProgramMenu::builtin(FiscalYear(2022));
    let mut form = form_of(&groups(Section::History, &sheet, &menu, None, &ValidationErrors::default()));
    form.insert("history[999999999].date".into(), "R4.4".into());
    let errors = apply(Section::History, &sheet, &menu, &form).unwrap_err();
    assert!(errors.get("history[999999999].date").unwrap().contains("200行まで"));
    let shown = groups(Section::History, &sheet, &menu, Some(&form), &errors);
    assert_eq!(shown.len(), sheet.history.len() + 3, "a re-shown form never grows with what was posted");
}

#[test]
fn a_submission_must_be_exactly_the_form() {
    let sheet = demo::meguro_r4();
    let menu = ProgramMenu::builtin(FiscalYear(2022));
    let expected = field_names(Section::Header, &sheet, &menu);
    let full: Vec<(String, String)> = expected.iter().map(|n| (n.clone(), "x".to_string())).collect();
    let check = |pairs: Vec<(String, String)>| SectionPost::from_pairs(pairs).check(&expected);
    let mut with_revision = full.clone();
    with_revision.push(("revision".into(), "3".into()));
    assert_eq!(SectionPost::from_pairs(with_revision.clone()).revision(), Some(3));
    assert_eq!(check(with_revision.clone()).map(|f| f.len()), Ok(expected.len()), "the revision is not a field");
    let partial = full[1..].to_vec();
    assert_eq!(check(partial), Err(SubmissionError::Mismatch));
    let mut extra = full.clone();
    extra.push(("history[0].text".into(), "x".into()));
    assert_eq!(check(extra), Err(SubmissionError::Mismatch));
    let mut twice = full.clone();
    twice.push(full[0].clone());
    assert_eq!(check(twice), Err(SubmissionError::Duplicate(full[0].0.clone())));
    let mut two_revisions = with_revision;
    two_revisions.push(("revision".into(), "4".into()));
    assert_eq!(check(two_revisions), Err(SubmissionError::Duplicate("revision".into())));
}

#[test]
fn saving_a_form_keeps_derived_sources_and_full_width_spaces() {
    let mut sheet = demo::meguro_r4();
    sheet.outcomes.indicators[1].breakdown[0].value.source = nimo_domain::Source::Derived;
    sheet.header.vision = "　字下げした目指す姿".into();
    let menu = ProgramMenu::builtin(FiscalYear(2022));
    for section in [Section::Outcomes, Section::Header] {
        let form = form_of(&groups(section, &sheet, &menu, None, &ValidationErrors::default()));
        assert_eq!(apply(section, &sheet, &menu, &form).unwrap(), sheet, "{section:?}");
    }
}

#[test]
fn entering_a_band_recomputes_the_total() {
    let sheet = demo::meguro_r4();
    let menu = ProgramMenu::builtin(FiscalYear(2022));
    let mut form = form_of(&groups(Section::Basic, &sheet, &menu, None, &ValidationErrors::default()));
    form.insert("basic.figures.inpatients_under_3m".into(), "６１".into());
    let saved = apply(Section::Basic, &sheet, &menu, &form).unwrap();
    assert_eq!(saved.basic.figures["inpatients_total"].display(), "228");
}
