//! Validation of a whole sheet: every problem named by its field path, with the reason in
//! Japanese, so that forms and imports can show all of them at once.

use crate::figure::{Source, Value};
use crate::menu::ProgramMenu;
use crate::sheet::Sheet;
use crate::template::{self, Kind};
use std::fmt;

/// One problem: where (a field path such as `history[2].date`) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub path: String,
    pub message: String,
}

/// All problems of a sheet.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    /// Records a problem.
    pub fn add(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError { path: path.into(), message: message.into() });
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The message for a path, if any.
    pub fn get(&self, path: &str) -> Option<&str> {
        self.0.iter().find(|e| e.path == path).map(|e| e.message.as_str())
    }

    /// Ok when empty.
    pub fn into_result(self) -> Result<(), Self> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}: {}", e.path, e.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

fn required(errors: &mut ValidationErrors, path: &str, text: &str) {
    if text.trim().is_empty() {
        errors.add(path, "入力してください");
    }
}

/// Checks a sheet against the template and the 構築推進事業 menu of its fiscal year, and checks
/// that derived figures equal what nimo computes. Returns every problem found.
pub fn validate(sheet: &Sheet, menu: &ProgramMenu) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::default();
    let fy = sheet.fiscal_year;
    if !crate::FiscalYear::RANGE.contains(&fy.year()) {
        errors.add(
            "fiscal_year",
            format!(
                "年度は{}〜{}の西暦で指定してください",
                crate::FiscalYear::RANGE.start(),
                crate::FiscalYear::RANGE.end()
            ),
        );
    }
    required(&mut errors, "municipality.name", &sheet.municipality.name);
    required(&mut errors, "municipality.prefecture", &sheet.municipality.prefecture);

    // Section 1: known keys, right kinds, sensible values, derived figures as computed.
    let figures = &sheet.basic.figures;
    for key in figures.keys() {
        if template::figure_def(key).is_none() {
            errors.add(format!("basic.figures.{key}"), "様式にない項目です");
        }
    }
    let mut recomputed = figures.clone();
    template::derive(&mut recomputed);
    for def in template::FIGURES {
        let path = format!("basic.figures.{}", def.key);
        let Some(figure) = figures.get(def.key) else {
            errors.add(path, format!("「{}」がありません", def.label));
            continue;
        };
        match (def.kind, figure.value) {
            (_, Value::NotApplicable | Value::Unknown) => {}
            (Kind::Count, Value::Count(n)) if n < 0 => errors.add(&path, "0以上の整数です"),
            (Kind::Count, Value::Count(_)) => {}
            (Kind::Rate, Value::Rate(r)) if !(0.0..=100.0).contains(&r) => errors.add(&path, "0〜100の割合（％）です"),
            (Kind::Rate, Value::Rate(_)) => {}
            (Kind::YesNo, Value::YesNo(_)) => {}
            (kind, _) => errors.add(
                &path,
                format!(
                    "「{}」は{}で指定してください",
                    def.label,
                    match kind {
                        Kind::Count => "count（整数）",
                        Kind::Rate => "rate（割合）",
                        Kind::YesNo => "yes_no（有・無）",
                    }
                ),
            ),
        }
        let expected = recomputed[def.key];
        if def.rule.is_some() && expected.source == Source::Derived && *figure != expected {
            errors.add(
                &path,
                format!("自動計算される値です（計算値: {}、指定値: {}）", expected.display(), figure.display()),
            );
        } else if figure.source == Source::Derived && expected.source != Source::Derived {
            errors.add(&path, "この値は計算できないため source は entered にしてください");
        }
    }

    for (i, event) in sheet.history.iter().enumerate() {
        required(&mut errors, &format!("history[{i}].text"), &event.text);
    }
    for (i, indicator) in sheet.outcomes.indicators.iter().enumerate() {
        required(&mut errors, &format!("outcomes.indicators[{i}].name"), &indicator.name);
        let measures = [("target", &indicator.target), ("actual", &indicator.actual)];
        for (name, measure) in measures {
            if let Some(m) = measure
                && !matches!(m.value.value, Value::Count(_) | Value::Unknown | Value::NotApplicable)
            {
                errors.add(format!("outcomes.indicators[{i}].{name}.value"), "件数・回数（count）で指定してください");
            }
        }
        for (j, line) in indicator.breakdown.iter().enumerate() {
            required(&mut errors, &format!("outcomes.indicators[{i}].breakdown[{j}].label"), &line.label);
            if line.depth > 3 {
                errors.add(format!("outcomes.indicators[{i}].breakdown[{j}].depth"), "階層は0〜3です");
            }
        }
    }
    for (i, item) in sheet.strengths.items.iter().enumerate() {
        if menu.label(item.menu_code).is_none() {
            errors.add(
                format!("strengths.items[{i}].menu_code"),
                format!("構築推進事業のコード {} は{}のメニューにありません", item.menu_code, fy.wareki()),
            );
        }
        required(&mut errors, &format!("strengths.items[{i}].challenge"), &item.challenge);
        for (j, action) in item.actions.iter().enumerate() {
            required(&mut errors, &format!("strengths.items[{i}].actions[{j}].text"), &action.text);
        }
    }
    for (i, row) in sheet.schedule.iter().enumerate() {
        let path = format!("schedule[{i}].month");
        match row.month.fiscal_year() {
            None => errors.add(path, "月まで指定してください（例: 2022-07）"),
            Some(_) if row.month.day.is_some() => errors.add(path, "月までで指定してください（日は不要です）"),
            Some(other) if other != fy => errors
                .add(path, format!("{}の月ではありません（{}は{}）", fy.wareki(), row.month.wareki(), other.wareki())),
            Some(_) => {}
        }
        if row.item.trim().is_empty() && row.content.trim().is_empty() {
            errors.add(format!("schedule[{i}].item"), "項目か内容を入力してください");
        }
    }
    errors.into_result()
}
