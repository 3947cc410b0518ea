//! Validation of a whole sheet: every problem named by its field path, with the reason in
//! Japanese, so that forms and imports can show all of them at once.

use crate::figure::{Figure, Source, Value, count_in_range, count_range_message};
use crate::menu::ProgramMenu;
use crate::sheet::{Sheet, TextField};
use crate::template::{self, Kind};
use crate::text::TextRule;
use std::fmt;

/// The most entries a list of the sheet may have (rows of history, schedule, indicators,
/// breakdowns, challenge items and actions, and entries of lists of strings).
pub const MAX_ROWS: usize = 200;

/// The most characters of a single-line text.
pub const MAX_LINE_CHARS: usize = 2_000;

/// The most characters of a multi-line text (vision, profile, project text, closing).
pub const MAX_MULTI_LINE_CHARS: usize = 10_000;

/// One problem: where (a field path such as `history[2].date`) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field path, e.g. `history[2].date` or `basic.figures.population`.
    pub path: String,
    /// Why the field is wrong, in Japanese, for the person who entered it.
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

/// The rules every text obeys, whatever its field: no control characters (a line break only
/// where the field has several lines), no U+FFFD left by a wrong character encoding, a length
/// limit, and no empty entries in lists of strings.
fn check_text(errors: &mut ValidationErrors, field: &TextField<'_>) {
    let path = field.path.as_str();
    let limit = if field.multi_line { MAX_MULTI_LINE_CHARS } else { MAX_LINE_CHARS };
    // The printed sheet has no tab stops: its texts allow no tab.
    let rule = TextRule { max_chars: limit, multi_line: field.multi_line, tabs: false };
    for problem in rule.problems(field.text) {
        errors.add(path, problem);
    }
    if field.list_item && field.text.trim_matches(|c: char| c.is_ascii_whitespace()).is_empty() {
        errors.add(path, "空の行があります");
    }
}

/// Counts outside `0..=MAX_COUNT` anywhere on the sheet, also in section 4.
fn check_count(errors: &mut ValidationErrors, path: &str, figure: &Figure) {
    if let Value::Count(n) = figure.value
        && !count_in_range(n)
    {
        errors.add(path, count_range_message());
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
    for field in sheet.text_fields() {
        check_text(&mut errors, &field);
    }
    for (path, length) in sheet.list_lengths() {
        if length > MAX_ROWS {
            errors.add(path, format!("{MAX_ROWS}行までです（{length}行あります）"));
        }
    }

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
            (Kind::Count, Value::Count(n)) if !count_in_range(n) => errors.add(&path, count_range_message()),
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
            let Some(m) = measure else { continue };
            let path = format!("outcomes.indicators[{i}].{name}.value");
            if !matches!(m.value.value, Value::Count(_) | Value::Unknown | Value::NotApplicable) {
                errors.add(path, "件数・回数（count）で指定してください");
            } else {
                check_count(&mut errors, &path, &m.value);
            }
        }
        for (j, line) in indicator.breakdown.iter().enumerate() {
            required(&mut errors, &format!("outcomes.indicators[{i}].breakdown[{j}].label"), &line.label);
            check_count(&mut errors, &format!("outcomes.indicators[{i}].breakdown[{j}].value"), &line.value);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figure::MAX_COUNT;

    fn demo() -> Sheet {
        crate::demo::meguro_r4()
    }

    fn check(sheet: &Sheet) -> Result<(), ValidationErrors> {
        validate(sheet, &ProgramMenu::builtin(sheet.fiscal_year))
    }

    /// The demo sheet with one text replaced, found by its validation path through the exchange
    /// JSON, so that the test reaches every field without naming it.
    fn with_text(path: &str, text: &str) -> Sheet {
        let mut json = serde_json::to_value(demo()).unwrap();
        *json.pointer_mut(&pointer(path)).unwrap_or_else(|| panic!("{path}")) = text.into();
        serde_json::from_value(json).unwrap()
    }

    /// The JSON pointer of a validation path: `history[2].text` → `/history/2/text`.
    fn pointer(path: &str) -> String {
        format!("/{}", path.replace('[', ".").replace(']', "").replace('.', "/"))
    }

    /// Every text field of the demo sheet, with whether it is multi-line.
    fn every_text_path() -> Vec<(String, bool)> {
        demo().text_fields().into_iter().map(|f| (f.path, f.multi_line)).collect()
    }

    fn errors_at(sheet: &Sheet, path: &str) -> Vec<String> {
        let errors = check(sheet).unwrap_err();
        assert!(errors.0.iter().all(|e| e.path == path), "{errors}");
        errors.0.into_iter().map(|e| e.message).collect()
    }

    #[test]
    fn a_control_character_is_refused_naming_its_code_point() {
        let sheet = with_text("history[0].text", "連絡会\t設置");
        assert_eq!(errors_at(&sheet, "history[0].text"), ["制御文字（U+0009）は使えません"]);
        let sheet = with_text("basic.profile", "一行目\r\n二行目");
        assert_eq!(errors_at(&sheet, "basic.profile"), ["制御文字（U+000D）は使えません"]);
        let sheet = with_text("header.slogan", "\u{7f}");
        assert_eq!(errors_at(&sheet, "header.slogan"), ["制御文字（U+007F）は使えません"]);
    }

    #[test]
    fn line_breaks_are_refused_in_every_single_line_field_and_kept_in_multi_line_ones() {
        for (path, multi_line) in every_text_path() {
            let sheet = with_text(&path, "一行目\n二行目");
            if multi_line {
                check(&sheet).unwrap();
            } else {
                assert_eq!(errors_at(&sheet, &path), ["改行は使えません"], "{path}");
            }
        }
    }

    #[test]
    fn a_replacement_character_is_reported_as_mojibake() {
        let sheet = with_text("strengths.items[1].actions[1].note", "医師会\u{FFFD}\u{FFFD}");
        let messages = errors_at(&sheet, "strengths.items[1].actions[1].note");
        assert_eq!(messages, ["文字化けした文字（�）が含まれています。元のファイルの文字コードを確認してください"]);
    }

    #[test]
    fn every_text_is_limited_in_length_with_the_limit_and_the_actual_length_named() {
        for (path, multi_line) in every_text_path() {
            let limit = if multi_line { MAX_MULTI_LINE_CHARS } else { MAX_LINE_CHARS };
            check(&with_text(&path, &"あ".repeat(limit))).unwrap_or_else(|e| panic!("{path}: {e}"));
            let messages = errors_at(&with_text(&path, &"あ".repeat(limit + 1)), &path);
            let expected = if multi_line {
                "10,000文字までです（10,001文字あります）"
            } else {
                "2,000文字までです（2,001文字あります）"
            };
            assert_eq!(messages, [expected], "{path}");
        }
    }

    #[test]
    fn an_empty_entry_in_a_list_of_strings_is_refused() {
        for path in
            ["policy.plans[0]", "policy.measures[0]", "strengths.strengths[0]", "outcomes.indicators[0].effects[0]"]
        {
            assert_eq!(errors_at(&with_text(path, "  "), path), ["空の行があります"], "{path}");
        }
        let mut sheet = demo();
        sheet.editorial_notes.push(String::new());
        let last = sheet.editorial_notes.len() - 1;
        assert_eq!(errors_at(&sheet, &format!("editorial_notes[{last}]")), ["空の行があります"]);
    }

    #[test]
    fn every_list_holds_at_most_max_rows_entries() {
        let mut sheet = demo();
        let event = sheet.history[0].clone();
        sheet.history.resize(MAX_ROWS, event.clone());
        check(&sheet).unwrap();
        sheet.history.push(event);
        assert_eq!(errors_at(&sheet, "history"), ["200行までです（201行あります）"]);

        let mut sheet = demo();
        let line = sheet.outcomes.indicators[1].breakdown[0].clone();
        sheet.outcomes.indicators[1].breakdown.resize(MAX_ROWS + 5, line);
        assert_eq!(errors_at(&sheet, "outcomes.indicators[1].breakdown"), ["200行までです（205行あります）"]);

        let mut sheet = demo();
        sheet.policy.plans.resize(MAX_ROWS + 1, "計画".into());
        assert_eq!(errors_at(&sheet, "policy.plans"), ["200行までです（201行あります）"]);
    }

    #[test]
    fn every_list_of_the_sheet_is_limited_at_its_own_path() {
        let sheet = demo();
        let mut checked = 0;
        for (path, length) in sheet.list_lengths().into_iter().filter(|(_, length)| *length > 0) {
            let mut json = serde_json::to_value(&sheet).unwrap();
            let list = json.pointer_mut(&pointer(&path)).unwrap().as_array_mut().unwrap();
            list.resize(MAX_ROWS + 1, list[0].clone());
            let grown: Sheet = serde_json::from_value(json).unwrap();
            assert_eq!(errors_at(&grown, &path), ["200行までです（201行あります）"], "{path} ({length})");
            checked += 1;
        }
        assert!(checked >= 10, "{checked}");
    }

    #[test]
    fn counts_above_the_limit_are_refused_wherever_they_are() {
        let mut sheet = demo();
        sheet.basic.figures.insert("households".into(), Figure::count(MAX_COUNT + 1));
        sheet.basic.figures.insert("hokenjo".into(), Figure::count(-1));
        sheet.outcomes.indicators[0].target.as_mut().unwrap().value = Figure::count(MAX_COUNT + 1);
        sheet.outcomes.indicators[1].breakdown[0].value = Figure::count(-3);
        let errors = check(&sheet).unwrap_err();
        for path in [
            "basic.figures.households",
            "basic.figures.hokenjo",
            "outcomes.indicators[0].target.value",
            "outcomes.indicators[1].breakdown[0].value",
        ] {
            assert_eq!(errors.get(path), Some("件数・人数は0〜999,999,999,999の整数です"), "{errors}");
        }
        assert_eq!(errors.0.len(), 4, "{errors}");
    }

    proptest::proptest! {
        #[test]
        fn a_control_character_in_any_text_field_is_reported_at_its_path(
            (path, multi_line) in proptest::sample::select(every_text_path()),
            code in proptest::prop_oneof![0u32..0x20, proptest::strategy::Just(0x7f)],
            before in "[a-zあ-ん]{0,5}",
        ) {
            let c = char::from_u32(code).unwrap();
            let sheet = with_text(&path, &format!("{before}{c}終"));
            let result = check(&sheet);
            match (c, multi_line) {
                ('\n', true) => proptest::prop_assert!(result.is_ok()),
                ('\n', false) => proptest::prop_assert_eq!(errors_at(&sheet, &path), ["改行は使えません"]),
                _ => proptest::prop_assert_eq!(
                    errors_at(&sheet, &path),
                    [format!("制御文字（U+{code:04X}）は使えません")]
                ),
            }
        }
    }
}
