//! Applying a submitted section form to a sheet: parse every field, record each problem against
//! its field, then derive and validate the whole sheet.

use super::Section;
use super::SectionFields;
use nimo_domain::sheet::{Action, BreakdownLine, ChallengeItem, HistoryEvent, Indicator, Measure, ScheduleRow, Tag};
use nimo_domain::template::{self, Kind};
use nimo_domain::validate::{self, MAX_ROWS, ValidationErrors};
use nimo_domain::{Figure, PartialDate, ProgramMenu, Sheet, Source};

/// The number of rows submitted under a list prefix such as `history[` (at most [`MAX_ROWS`]).
fn submitted_rows(form: &SectionFields, prefix: &str) -> usize {
    form.keys()
        .filter_map(|k| k.strip_prefix(prefix))
        .filter_map(|rest| rest.split(']').next()?.parse::<usize>().ok())
        .map(|i| i + 1)
        .max()
        .unwrap_or(0)
        .min(MAX_ROWS)
}

/// The first field whose row index is beyond [`MAX_ROWS`], if any.
fn field_beyond_max_rows(form: &SectionFields) -> Option<&str> {
    form.keys().map(String::as_str).find(|key| {
        key.split('[').skip(1).filter_map(|part| part.split(']').next()?.parse::<usize>().ok()).any(|i| i >= MAX_ROWS)
    })
}

/// Reads a submission: what it says, with parse errors recorded against their field.
struct Reader<'a> {
    form: &'a SectionFields,
    errors: ValidationErrors,
}

impl Reader<'_> {
    fn text(&self, name: &str) -> String {
        self.form
            .get(name)
            .map(|v| v.trim_matches(|c: char| c.is_ascii_whitespace()).replace("\r\n", "\n"))
            .unwrap_or_default()
    }

    fn lines(&self, name: &str) -> Vec<String> {
        self.text(name).lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
    }

    fn required(&mut self, name: &str) -> String {
        let value = self.text(name);
        if value.is_empty() {
            self.errors.add(name, "入力してください");
        }
        value
    }

    fn date(&mut self, name: &str) -> Option<PartialDate> {
        match PartialDate::parse(&self.text(name)) {
            Ok(d) => Some(d),
            Err(e) => {
                self.errors.add(name, e.to_string());
                None
            }
        }
    }

    /// A figure typed into a field. An unchanged value keeps its old source, so that saving a
    /// form never turns a derived value into an entered one.
    fn figure(&mut self, name: &str, kind: Kind, old: Option<Figure>) -> Figure {
        match Figure::parse_input(&self.text(name), kind) {
            Ok(f) => match old {
                Some(old) if old.value == f.value => old,
                _ => f,
            },
            Err(message) => {
                self.errors.add(name, message);
                Figure::unknown()
            }
        }
    }

    fn blank(&self, names: &[String]) -> bool {
        names.iter().all(|n| self.text(n).is_empty())
    }
}

/// Applies a section's submission to a sheet. On success the returned sheet is derived and valid;
/// otherwise every problem is named by its form field. Rows left wholly blank are dropped.
pub fn apply(
    section: Section,
    sheet: &Sheet,
    menu: &ProgramMenu,
    form: &SectionFields,
) -> Result<Sheet, ValidationErrors> {
    let mut r = Reader { form, errors: ValidationErrors::default() };
    if let Some(field) = field_beyond_max_rows(form) {
        r.errors.add(field, format!("1つの一覧に入力できるのは{MAX_ROWS}行までです"));
        return Err(r.errors);
    }
    let mut next = sheet.clone();
    // For lists, the form row each kept entry came from, to put later errors on the right row.
    let mut rows_of: Vec<(&'static str, Vec<usize>)> = Vec::new();
    match section {
        Section::Header => {
            next.municipality.name = r.required("municipality.name");
            next.municipality.prefecture = r.required("municipality.prefecture");
            next.header.program_title = r.text("header.program_title");
            next.header.slogan = r.text("header.slogan");
            next.header.vision = r.text("header.vision");
        }
        Section::Basic => {
            if let Some(d) = r.date("basic.as_of") {
                next.basic.as_of = d;
            }
            next.basic.profile = r.text("basic.profile");
            for def in template::FIGURES {
                let name = format!("basic.figures.{}", def.key);
                let current = sheet.basic.figures.get(def.key).copied().unwrap_or_else(Figure::unknown);
                if current.source == Source::Derived && !form.contains_key(&name) {
                    continue;
                }
                let figure = r.figure(&name, def.kind, Some(current));
                next.basic.figures.insert(def.key.to_string(), figure);
            }
        }
        Section::Policy => {
            next.policy.plans = r.lines("policy.plans");
            next.policy.plans_date =
                if r.text("policy.plans_date").is_empty() { None } else { r.date("policy.plans_date") };
            next.policy.goal = r.text("policy.goal");
            next.policy.measures = r.lines("policy.measures");
            next.policy.project_title = r.text("policy.project_title");
            next.policy.project_text = r.text("policy.project_text");
        }
        Section::History => {
            let mut kept = Vec::new();
            next.history.clear();
            for i in 0..submitted_rows(form, "history[") {
                let (d, t) = (format!("history[{i}].date"), format!("history[{i}].text"));
                if r.blank(&[d.clone(), t.clone()]) {
                    continue;
                }
                let date = r.date(&d);
                let text = r.required(&t);
                if let Some(date) = date {
                    // A line made from a meeting stays tied to it while its row keeps its date
                    // (the form shows the lines in order, so row i is the stored line i).
                    let record = sheet.history.get(i).filter(|old| old.date == date).and_then(|old| old.record);
                    next.history.push(HistoryEvent { date, text, record });
                    kept.push(i);
                }
            }
            rows_of.push(("history", kept));
        }
        Section::Outcomes => {
            next.outcomes.period_label = r.text("outcomes.period_label");
            next.outcomes.target_basis = r.text("outcomes.target_basis");
            next.outcomes.actual_basis = r.text("outcomes.actual_basis");
            next.outcomes.indicators.clear();
            let mut kept = Vec::new();
            for i in 0..submitted_rows(form, "outcomes.indicators[") {
                let p = format!("outcomes.indicators[{i}]");
                let old = sheet.outcomes.indicators.get(i);
                let own: Vec<String> = [
                    "marker",
                    "name",
                    "target.prefix",
                    "target.value",
                    "target.unit",
                    "actual.prefix",
                    "actual.value",
                    "actual.unit",
                    "effects",
                ]
                .iter()
                .map(|f| format!("{p}.{f}"))
                .collect();
                let line_count = submitted_rows(form, &format!("{p}.breakdown["));
                let lines_blank = (0..line_count).all(|j| {
                    let q = format!("{p}.breakdown[{j}]");
                    r.blank(&["label", "value", "unit", "depth", "note"].map(|f| format!("{q}.{f}")))
                });
                if r.blank(&own) && lines_blank {
                    continue;
                }
                let mut measure = |which: &str, old: Option<&Measure>| {
                    let names = ["prefix", "value", "unit"].map(|f| format!("{p}.{which}.{f}"));
                    if r.blank(&names) {
                        return None;
                    }
                    Some(Measure {
                        key: old.and_then(|m| m.key.clone()),
                        prefix: r.text(&names[0]),
                        value: r.figure(&names[1], Kind::Count, old.map(|m| m.value)),
                        unit: r.text(&names[2]),
                    })
                };
                let target = measure("target", old.and_then(|x| x.target.as_ref()));
                let actual = measure("actual", old.and_then(|x| x.actual.as_ref()));
                let mut breakdown = Vec::new();
                for j in 0..line_count {
                    let q = format!("{p}.breakdown[{j}]");
                    let names = ["label", "value", "unit", "depth", "note"].map(|f| format!("{q}.{f}"));
                    if r.blank(&names) {
                        continue;
                    }
                    let depth_text = r.text(&names[3]);
                    let depth = if depth_text.is_empty() {
                        0
                    } else {
                        match nimo_domain::text::nfkc(&depth_text).parse::<u8>() {
                            Ok(d) if d <= 3 => d,
                            _ => {
                                r.errors.add(&names[3], format!("階層は0〜3の整数です（入力: {depth_text}）"));
                                0
                            }
                        }
                    };
                    let old_line = old.and_then(|x| x.breakdown.get(j));
                    breakdown.push(BreakdownLine {
                        key: old_line.and_then(|l| l.key.clone()),
                        label: r.required(&names[0]),
                        value: r.figure(&names[1], Kind::Count, old_line.map(|l| l.value)),
                        unit: r.text(&names[2]),
                        depth,
                        note: r.text(&names[4]),
                    });
                }
                next.outcomes.indicators.push(Indicator {
                    marker: r.text(&own[0]),
                    name: r.required(&own[1]),
                    target,
                    actual,
                    breakdown,
                    effects: r.lines(&own[8]),
                });
                kept.push(i);
            }
            rows_of.push(("outcomes.indicators", kept));
        }
        Section::Strengths => {
            next.strengths.strengths = r.lines("strengths.strengths");
            next.strengths.closing = r.text("strengths.closing");
            next.strengths.items.clear();
            let mut kept = Vec::new();
            for i in 0..submitted_rows(form, "strengths.items[") {
                let p = format!("strengths.items[{i}]");
                let own = ["menu_code", "challenge", "challenge_detail"].map(|f| format!("{p}.{f}"));
                let action_count = submitted_rows(form, &format!("{p}.actions["));
                let action_names =
                    |j: usize| ["marker", "text", "tag", "note"].map(|f| format!("{p}.actions[{j}].{f}"));
                if r.blank(&own) && (0..action_count).all(|j| r.blank(&action_names(j))) {
                    continue;
                }
                let code_text = r.text(&own[0]);
                let menu_code = match code_text.parse::<u32>() {
                    Ok(code) => code,
                    Err(_) => {
                        r.errors.add(&own[0], "構築推進事業の項目を選んでください");
                        0
                    }
                };
                let mut actions = Vec::new();
                for j in 0..action_count {
                    let names = action_names(j);
                    if r.blank(&names) {
                        continue;
                    }
                    let tag_text = r.text(&names[2]);
                    let tag = if tag_text.is_empty() {
                        None
                    } else {
                        let tag = Tag::parse(&tag_text);
                        if tag.is_none() {
                            r.errors.add(&names[2], "区分は（新規）か（拡充）です");
                        }
                        tag
                    };
                    actions.push(Action {
                        marker: r.text(&names[0]),
                        text: r.required(&names[1]),
                        tag,
                        note: r.text(&names[3]),
                    });
                }
                next.strengths.items.push(ChallengeItem {
                    menu_code,
                    challenge: r.required(&own[1]),
                    challenge_detail: r.text(&own[2]),
                    actions,
                });
                kept.push(i);
            }
            rows_of.push(("strengths.items", kept));
        }
        Section::Schedule => {
            next.schedule.clear();
            let mut kept = Vec::new();
            for i in 0..submitted_rows(form, "schedule[") {
                let names = ["month", "item", "content"].map(|f| format!("schedule[{i}].{f}"));
                if r.blank(&names) {
                    continue;
                }
                let month = r.date(&names[0]);
                let item = r.text(&names[1]);
                let content = r.text(&names[2]);
                if let Some(month) = month {
                    next.schedule.push(ScheduleRow { month, item, content, done: Vec::new() });
                    kept.push(i);
                }
            }
            rows_of.push(("schedule", kept));
        }
    }
    if !r.errors.is_empty() {
        return Err(r.errors);
    }
    next.derive();
    validate::validate(&next, menu).map_err(|errors| remap(errors, &rows_of))?;
    Ok(next)
}

/// Puts errors of kept list entries back on the form rows they came from.
fn remap(errors: ValidationErrors, rows_of: &[(&str, Vec<usize>)]) -> ValidationErrors {
    let mut out = ValidationErrors::default();
    for e in errors.0 {
        let mut path = e.path.clone();
        for (list, rows) in rows_of {
            let prefix = format!("{list}[");
            if let Some(rest) = e.path.strip_prefix(&prefix)
                && let Some((index, tail)) = rest.split_once(']')
                && let Some(row) = index.parse::<usize>().ok().and_then(|k| rows.get(k))
            {
                path = format!("{prefix}{row}]{tail}");
            }
        }
        out.add(path, e.message);
    }
    out
}
