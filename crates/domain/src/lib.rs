//! nimo's domain: municipalities, fiscal years in 和暦, and the 自治体情報シート with its rules.
//!
//! This crate does no I/O: no database, no HTTP, no files. Everything here is a plain value or a
//! pure function, tested beside its code.

#![warn(missing_docs)]

pub mod access;
pub mod admissions;
pub mod api_scope;
pub mod beds;
pub mod calendar;
pub mod cases;
pub mod clocks;
pub mod consents;
pub mod council;
pub mod directory;
pub mod figure;
pub mod menu;
pub mod municipality;
pub mod password;
pub mod pdca;
pub mod plans;
pub mod sheet;
pub mod template;
pub mod text;
pub mod validate;

pub use calendar::{FiscalYear, PartialDate, Precision};
pub use figure::{Figure, Source, Value};
pub use menu::{MenuItem, ProgramMenu};
pub use municipality::{Municipality, MunicipalityCode};
pub use sheet::Sheet;
pub use validate::{FieldError, ValidationErrors};

/// Demo data shipped with nimo.
pub mod demo {
    use crate::Sheet;

    /// The 目黒区 令和4年度 sheet, rebuilt from the MHLW original (see its `editorial_notes`).
    pub const MEGURO_R4_JSON: &str = include_str!("../fixtures/131105-2022.json");

    /// The 目黒区 令和4年度 sheet as a value.
    pub fn meguro_r4() -> Sheet {
        serde_json::from_str(MEGURO_R4_JSON).expect("the bundled demo sheet is valid")
    }
}

#[cfg(test)]
mod demo_tests {
    use super::*;

    #[test]
    fn the_demo_sheet_is_valid_and_its_derived_figures_are_nimos() {
        let sheet = demo::meguro_r4();
        validate::validate(&sheet, &ProgramMenu::builtin(sheet.fiscal_year)).unwrap();
        let mut derived = sheet.clone();
        derived.derive();
        assert_eq!(derived, sheet);
        assert_eq!(sheet.basic.figures["inpatients_total"].display(), "218");
    }

    #[test]
    fn validation_names_every_bad_field() {
        let mut sheet = demo::meguro_r4();
        sheet.strengths.items[0].menu_code = 15;
        sheet.basic.figures.insert("inpatients_total".into(), Figure::count(219));
        sheet.basic.figures.insert("bogus".into(), Figure::count(1));
        sheet.schedule[0].month = PartialDate::month(2021, 4);
        let errors = validate::validate(&sheet, &ProgramMenu::builtin(sheet.fiscal_year)).unwrap_err();
        assert!(errors.get("strengths.items[0].menu_code").unwrap().contains("15"));
        assert!(errors.get("basic.figures.inpatients_total").unwrap().contains("計算値: 218"));
        assert!(errors.get("basic.figures.bogus").is_some());
        assert!(errors.get("schedule[0].month").unwrap().contains("令和4年度"));
        assert_eq!(errors.0.len(), 4, "{errors}");
    }

    #[test]
    fn copy_to_next_year_moves_dates_and_clears_actuals() {
        let next = demo::meguro_r4().copy_to_next_year();
        assert_eq!(next.fiscal_year, FiscalYear(2023));
        assert_eq!(next.schedule[0].month, PartialDate::month(2023, 4));
        assert_eq!(next.outcomes.indicators[0].actual.as_ref().unwrap().value, Figure::unknown());
        validate::validate(&next, &ProgramMenu::builtin(next.fiscal_year)).unwrap();
    }

    #[test]
    fn next_years_schedule_starts_undone() {
        let mut sheet = demo::meguro_r4();
        sheet.schedule[1].done.push(sheet::Happened {
            record: sheet::RecordRef { kind: sheet::RecordKind::Meeting, id: 1 },
            on: PartialDate::parse("2022-07-12").unwrap(),
            title: "令和4年度第1回目黒区精神保健医療福祉推進協議会".into(),
        });
        let next = sheet.copy_to_next_year();
        assert_eq!(next.schedule[1].month, PartialDate::month(2023, 7));
        assert!(next.schedule.iter().all(|row| row.done.is_empty()));
    }
}
