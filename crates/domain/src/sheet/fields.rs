//! Every text field and every list of a sheet, named by its validation path, so that rules on
//! text and list sizes reach all of them and a new field cannot be forgotten.

use super::Sheet;

/// One text of a sheet: where it is, what it says and which rules apply to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextField<'a> {
    /// The validation path, e.g. `history[2].text` or `policy.plans[0]`.
    pub path: String,
    /// The text as stored.
    pub text: &'a str,
    /// Whether the field may hold several lines (vision, profile, project text, closing).
    pub multi_line: bool,
    /// Whether the text is one entry of a list of strings (plans, measures, strengths, effects,
    /// editorial notes), where an empty entry is an error rather than an empty field.
    pub list_item: bool,
}

/// Collects texts with their paths; keeps [`Sheet::text_fields`] a plain list of fields.
#[derive(Default)]
struct Collector<'a> {
    fields: Vec<TextField<'a>>,
}

impl<'a> Collector<'a> {
    fn line(&mut self, path: impl Into<String>, text: &'a str) {
        self.fields.push(TextField { path: path.into(), text, multi_line: false, list_item: false });
    }

    fn lines(&mut self, path: impl Into<String>, text: &'a str) {
        self.fields.push(TextField { path: path.into(), text, multi_line: true, list_item: false });
    }

    fn optional_line(&mut self, path: impl Into<String>, text: &'a Option<String>) {
        if let Some(text) = text {
            self.line(path, text);
        }
    }

    fn list(&mut self, path: &str, items: &'a [String]) {
        for (i, text) in items.iter().enumerate() {
            self.fields.push(TextField { path: format!("{path}[{i}]"), text, multi_line: false, list_item: true });
        }
    }
}

impl Sheet {
    /// Every text of the sheet with its validation path, in the order of the sheet. Multi-line
    /// are only `header.vision`, `basic.profile`, `policy.project_text` and `strengths.closing`;
    /// every other text, including each entry of a list of strings, is a single line.
    pub fn text_fields(&self) -> Vec<TextField<'_>> {
        let mut out = Collector::default();
        out.line("municipality.name", &self.municipality.name);
        out.line("municipality.prefecture", &self.municipality.prefecture);

        out.line("header.program_title", &self.header.program_title);
        out.line("header.slogan", &self.header.slogan);
        out.lines("header.vision", &self.header.vision);

        out.lines("basic.profile", &self.basic.profile);

        out.list("policy.plans", &self.policy.plans);
        out.line("policy.goal", &self.policy.goal);
        out.list("policy.measures", &self.policy.measures);
        out.line("policy.project_title", &self.policy.project_title);
        out.lines("policy.project_text", &self.policy.project_text);

        for (i, event) in self.history.iter().enumerate() {
            out.line(format!("history[{i}].text"), &event.text);
        }

        let outcomes = &self.outcomes;
        out.line("outcomes.period_label", &outcomes.period_label);
        out.line("outcomes.target_basis", &outcomes.target_basis);
        out.line("outcomes.actual_basis", &outcomes.actual_basis);
        for (i, indicator) in outcomes.indicators.iter().enumerate() {
            let path = format!("outcomes.indicators[{i}]");
            out.line(format!("{path}.marker"), &indicator.marker);
            out.line(format!("{path}.name"), &indicator.name);
            for (name, measure) in [("target", &indicator.target), ("actual", &indicator.actual)] {
                if let Some(measure) = measure {
                    out.optional_line(format!("{path}.{name}.key"), &measure.key);
                    out.line(format!("{path}.{name}.prefix"), &measure.prefix);
                    out.line(format!("{path}.{name}.unit"), &measure.unit);
                }
            }
            for (j, line) in indicator.breakdown.iter().enumerate() {
                let path = format!("{path}.breakdown[{j}]");
                out.optional_line(format!("{path}.key"), &line.key);
                out.line(format!("{path}.label"), &line.label);
                out.line(format!("{path}.unit"), &line.unit);
                out.line(format!("{path}.note"), &line.note);
            }
            out.list(&format!("{path}.effects"), &indicator.effects);
        }

        out.list("strengths.strengths", &self.strengths.strengths);
        for (i, item) in self.strengths.items.iter().enumerate() {
            let path = format!("strengths.items[{i}]");
            out.line(format!("{path}.challenge"), &item.challenge);
            out.line(format!("{path}.challenge_detail"), &item.challenge_detail);
            for (j, action) in item.actions.iter().enumerate() {
                let path = format!("{path}.actions[{j}]");
                out.line(format!("{path}.marker"), &action.marker);
                out.line(format!("{path}.text"), &action.text);
                out.line(format!("{path}.note"), &action.note);
            }
        }
        out.lines("strengths.closing", &self.strengths.closing);

        for (i, row) in self.schedule.iter().enumerate() {
            out.line(format!("schedule[{i}].item"), &row.item);
            out.line(format!("schedule[{i}].content"), &row.content);
        }

        out.list("editorial_notes", &self.editorial_notes);
        out.fields
    }

    /// Every list of the sheet (rows and lists of strings) with its validation path and length,
    /// e.g. (`history`, 7) or (`outcomes.indicators[1].breakdown`, 6).
    pub fn list_lengths(&self) -> Vec<(String, usize)> {
        let mut out = vec![
            ("policy.plans".to_string(), self.policy.plans.len()),
            ("policy.measures".to_string(), self.policy.measures.len()),
            ("history".to_string(), self.history.len()),
            ("outcomes.indicators".to_string(), self.outcomes.indicators.len()),
        ];
        for (i, indicator) in self.outcomes.indicators.iter().enumerate() {
            out.push((format!("outcomes.indicators[{i}].breakdown"), indicator.breakdown.len()));
            out.push((format!("outcomes.indicators[{i}].effects"), indicator.effects.len()));
        }
        out.push(("strengths.strengths".to_string(), self.strengths.strengths.len()));
        out.push(("strengths.items".to_string(), self.strengths.items.len()));
        for (i, item) in self.strengths.items.iter().enumerate() {
            out.push((format!("strengths.items[{i}].actions"), item.actions.len()));
        }
        out.push(("schedule".to_string(), self.schedule.len()));
        out.push(("editorial_notes".to_string(), self.editorial_notes.len()));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value as Json;
    use std::collections::BTreeMap;

    /// Keys whose strings are codes, dates or states rather than text people write.
    const NOT_TEXT: [&str; 9] =
        ["code", "fiscal_year", "as_of", "plans_date", "date", "month", "tag", "state", "source"];

    /// Every string and every array in the exchange JSON, by path, found without knowing the
    /// sheet's structure.
    fn strings_and_arrays(json: &Json, path: &str, strings: &mut BTreeMap<String, String>, arrays: &mut Vec<String>) {
        match json {
            Json::String(text) => {
                strings.insert(path.to_string(), text.clone());
            }
            Json::Array(items) => {
                arrays.push(path.to_string());
                for (i, item) in items.iter().enumerate() {
                    strings_and_arrays(item, &format!("{path}[{i}]"), strings, arrays);
                }
            }
            Json::Object(map) => {
                for (key, value) in map {
                    if NOT_TEXT.contains(&key.as_str()) || (path == "basic" && key == "figures") {
                        continue;
                    }
                    let path = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                    strings_and_arrays(value, &path, strings, arrays);
                }
            }
            _ => {}
        }
    }

    fn full_sheet() -> Sheet {
        let mut sheet = crate::demo::meguro_r4();
        // The demo has no metric keys or editorial notes of every kind; give it some.
        sheet.outcomes.indicators[0].target.as_mut().unwrap().key = Some("meetings".into());
        sheet.outcomes.indicators[1].breakdown[0].key = Some("reports".into());
        sheet.editorial_notes.push("確認済み".into());
        sheet
    }

    #[test]
    fn every_string_of_the_exchange_json_is_a_text_field() {
        let sheet = full_sheet();
        let (mut strings, mut arrays) = (BTreeMap::new(), Vec::new());
        strings_and_arrays(&serde_json::to_value(&sheet).unwrap(), "", &mut strings, &mut arrays);
        let fields: BTreeMap<String, String> =
            sheet.text_fields().into_iter().map(|f| (f.path, f.text.to_string())).collect();
        assert_eq!(fields, strings);
        let mut lists: Vec<String> = sheet.list_lengths().into_iter().map(|(path, _)| path).collect();
        lists.sort();
        arrays.sort();
        assert_eq!(lists, arrays);
    }

    #[test]
    fn paths_name_rows_and_list_entries() {
        let sheet = full_sheet();
        let fields = sheet.text_fields();
        let find = |path: &str| fields.iter().find(|f| f.path == path).unwrap_or_else(|| panic!("{path}"));
        assert_eq!(find("history[2].text").text, sheet.history[2].text);
        assert_eq!(find("strengths.items[1].actions[1].note").text, sheet.strengths.items[1].actions[1].note);
        assert_eq!(find("outcomes.indicators[1].target.prefix").text, "実施");
        assert!(find("policy.plans[0]").list_item);
        assert!(find("editorial_notes[0]").list_item);
        assert!(!find("outcomes.indicators[0].name").list_item);
        let lengths = sheet.list_lengths();
        assert!(lengths.contains(&("history".to_string(), sheet.history.len())));
    }

    #[test]
    fn only_vision_profile_project_text_and_closing_are_multi_line() {
        let multi: Vec<String> =
            full_sheet().text_fields().into_iter().filter(|f| f.multi_line).map(|f| f.path).collect();
        assert_eq!(multi, ["header.vision", "basic.profile", "policy.project_text", "strengths.closing"]);
    }
}
