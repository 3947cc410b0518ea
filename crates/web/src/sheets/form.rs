//! The edit form of each sheet section: the fields it shows (filled from the sheet, or from what
//! the user typed when a save was refused) and how a submission becomes a new sheet. Field names
//! are the validation paths of `nimo_domain::validate` (e.g. `history[2].date`), so that every
//! error lands next to its field.

use nimo_domain::sheet::{Measure, Tag};
use nimo_domain::template::{self, Kind};
use nimo_domain::validate::ValidationErrors;
use nimo_domain::{Figure, ProgramMenu, Sheet, Source};
use std::collections::BTreeSet;
use std::collections::HashMap;

mod apply;

pub use apply::apply;

/// The sections that have an edit form, named in the edit URL by their lower-case name
/// (`/edit/history`); a path naming no section is the 404 page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Section {
    Header,
    Basic,
    Policy,
    History,
    Outcomes,
    Strengths,
    Schedule,
}

impl Section {
    /// Its name in the edit URL and in the audit detail (`section:history`).
    pub fn name(self) -> &'static str {
        match self {
            Section::Header => "header",
            Section::Basic => "basic",
            Section::Policy => "policy",
            Section::History => "history",
            Section::Outcomes => "outcomes",
            Section::Strengths => "strengths",
            Section::Schedule => "schedule",
        }
    }

    /// The heading of its form.
    pub fn title(self) -> &'static str {
        match self {
            Section::Header => "表題（自治体名・タイトル・スローガン・目指す姿）",
            Section::Basic => "１ 自治体の基礎情報",
            Section::Policy => "２ 取組概要（全体）",
            Section::History => "３ 取組の経緯",
            Section::Outcomes => "４ 取組の成果・効果",
            Section::Strengths => "５ 強みと課題",
            Section::Schedule => "６ 今年度の取組スケジュール",
        }
    }

    /// The anchor of the section on the sheet page.
    pub fn anchor(self) -> &'static str {
        match self {
            Section::Header => "",
            Section::Basic => "#s1",
            Section::Policy => "#s2",
            Section::History => "#s3",
            Section::Outcomes => "#s4",
            Section::Strengths => "#s5",
            Section::Schedule => "#s6",
        }
    }
}

/// How a field is shown.
pub enum FieldKind {
    Text,
    Textarea,
    Select(Vec<(String, String)>),
    ReadOnly,
}

/// One form field.
pub struct Field {
    pub name: String,
    pub label: String,
    pub value: String,
    pub error: Option<String>,
    pub kind: FieldKind,
    pub hint: String,
    /// A short field (numbers, dates) that shares a line with others.
    pub short: bool,
}

impl Field {
    /// Whether it is a text input.
    pub fn is_text(&self) -> bool {
        matches!(self.kind, FieldKind::Text)
    }
    /// Whether it is a textarea.
    pub fn is_textarea(&self) -> bool {
        matches!(self.kind, FieldKind::Textarea)
    }
    /// Whether it is read-only.
    pub fn is_readonly(&self) -> bool {
        matches!(self.kind, FieldKind::ReadOnly)
    }
    /// The options of a select, with whether each is chosen.
    pub fn options(&self) -> Vec<(String, String, bool)> {
        match &self.kind {
            FieldKind::Select(options) => {
                options.iter().map(|(v, l)| (v.clone(), l.clone(), *v == self.value)).collect()
            }
            _ => Vec::new(),
        }
    }
}

/// A group of fields shown together (a fieldset: one row of a list, or a block).
pub struct Group {
    pub title: String,
    pub fields: Vec<Field>,
    pub nested: bool,
}

/// Builds fields, taking values from a submission when there is one.
struct Builder<'a> {
    submitted: Option<&'a HashMap<String, String>>,
    errors: &'a ValidationErrors,
    groups: Vec<Group>,
}

impl Builder<'_> {
    fn group(&mut self, title: impl Into<String>, nested: bool) {
        self.groups.push(Group { title: title.into(), fields: Vec::new(), nested });
    }

    fn field(&mut self, name: String, label: &str, current: String, kind: FieldKind, hint: &str, short: bool) {
        let value = match (&kind, self.submitted) {
            (FieldKind::ReadOnly, _) | (_, None) => current,
            (_, Some(form)) => form.get(&name).cloned().unwrap_or(current),
        };
        let error = self.errors.get(&name).map(str::to_string);
        let field = Field { name, label: label.into(), value, error, kind, hint: hint.into(), short };
        match self.groups.last_mut() {
            Some(group) => group.fields.push(field),
            // A field before any heading gets an untitled group of its own.
            None => self.groups.push(Group { title: String::new(), fields: vec![field], nested: false }),
        }
    }

    fn text(&mut self, name: String, label: &str, current: impl Into<String>) {
        self.field(name, label, current.into(), FieldKind::Text, "", false);
    }

    fn short(&mut self, name: String, label: &str, current: impl Into<String>, hint: &str) {
        self.field(name, label, current.into(), FieldKind::Text, hint, true);
    }

    fn area(&mut self, name: String, label: &str, current: impl Into<String>, hint: &str) {
        self.field(name, label, current.into(), FieldKind::Textarea, hint, false);
    }

    /// How many rows a list shows: the stored ones plus some blanks to add to. A submission is
    /// only accepted with exactly the fields of this form (see [`check_submission`]), so a
    /// re-shown form has the same rows whatever was posted.
    fn rows(&self, stored: usize, blanks: usize) -> usize {
        stored + blanks
    }
}

const DATE_HINT: &str = "例: 令和4年7月、R4.7、2022-07";
const LINES_HINT: &str = "1行に1項目";

fn tag_options() -> Vec<(String, String)> {
    vec![("".into(), "なし".into()), ("new".into(), "（新規）".into()), ("expanded".into(), "（拡充）".into())]
}

fn tag_value(tag: Option<Tag>) -> String {
    match tag {
        Some(Tag::New) => "new".into(),
        Some(Tag::Expanded) => "expanded".into(),
        None => String::new(),
    }
}

fn measure_parts(measure: Option<&Measure>) -> (String, String, String) {
    measure.map(|m| (m.prefix.clone(), m.value.form_text(), m.unit.clone())).unwrap_or_default()
}

/// The form of a section: from the sheet, or re-filled from a refused submission with its errors.
pub fn groups(
    section: Section,
    sheet: &Sheet,
    menu: &ProgramMenu,
    submitted: Option<&HashMap<String, String>>,
    errors: &ValidationErrors,
) -> Vec<Group> {
    let mut b = Builder { submitted, errors, groups: Vec::new() };
    match section {
        Section::Header => {
            b.text("municipality.name".into(), "自治体名", &sheet.municipality.name);
            b.text("municipality.prefecture".into(), "都道府県", &sheet.municipality.prefecture);
            b.text("header.program_title".into(), "取組のタイトル", &sheet.header.program_title);
            b.text("header.slogan".into(), "スローガン", &sheet.header.slogan);
            b.area("header.vision".into(), "目指す姿", &sheet.header.vision, "");
        }
        Section::Basic => {
            b.short("basic.as_of".into(), "時点", sheet.basic.as_of.wareki(), DATE_HINT);
            b.area("basic.profile".into(), "自治体の紹介", &sheet.basic.profile, "");
            b.group("数値（「／」は該当なし、空欄は不明）", false);
            for def in template::FIGURES {
                let figure = sheet.basic.figures.get(def.key).copied().unwrap_or_else(Figure::unknown);
                let label =
                    if def.group.is_empty() { def.label.to_string() } else { format!("{} {}", def.group, def.label) };
                let label = format!("{label}（{}）", def.unit);
                let name = format!("basic.figures.{}", def.key);
                if figure.source == Source::Derived {
                    b.field(name, &label, figure.display(), FieldKind::ReadOnly, "自動計算", true);
                } else {
                    let hint = match def.kind {
                        Kind::Count => "整数",
                        Kind::Rate => "％（小数1桁）",
                        Kind::YesNo => "有・無",
                    };
                    b.field(name, &label, figure.form_text(), FieldKind::Text, hint, true);
                }
            }
        }
        Section::Policy => {
            let p = &sheet.policy;
            b.area("policy.plans".into(), "施策の位置づけ（計画名）", p.plans.join("\n"), LINES_HINT);
            b.short(
                "policy.plans_date".into(),
                "計画の策定時期",
                p.plans_date.map(|d| d.wareki()).unwrap_or_default(),
                DATE_HINT,
            );
            b.text("policy.goal".into(), "目標", &p.goal);
            b.area("policy.measures".into(), "施策", p.measures.join("\n"), LINES_HINT);
            b.text("policy.project_title".into(), "＜事業計画＞ 名称", &p.project_title);
            b.area("policy.project_text".into(), "＜事業計画＞ 内容", &p.project_text, "");
        }
        Section::History => {
            let rows = b.rows(sheet.history.len(), 3);
            for i in 0..rows {
                let event = sheet.history.get(i);
                b.group(format!("{}件目", i + 1), false);
                b.short(
                    format!("history[{i}].date"),
                    "時期",
                    event.map(|e| e.date.wareki()).unwrap_or_default(),
                    DATE_HINT,
                );
                b.text(format!("history[{i}].text"), "出来事", event.map(|e| e.text.clone()).unwrap_or_default());
            }
        }
        Section::Outcomes => {
            let o = &sheet.outcomes;
            b.text("outcomes.period_label".into(), "対象期間の見出し", &o.period_label);
            b.short("outcomes.target_basis".into(), "目標値の時点", &o.target_basis, "例: R3年度当初");
            b.short("outcomes.actual_basis".into(), "実績値の時点", &o.actual_basis, "例: R3年度末");
            let rows = b.rows(o.indicators.len(), 1);
            for i in 0..rows {
                let ind = o.indicators.get(i);
                let p = format!("outcomes.indicators[{i}]");
                b.group(format!("指標 {}", i + 1), false);
                b.short(format!("{p}.marker"), "番号", ind.map(|x| x.marker.clone()).unwrap_or_default(), "例: ①");
                b.text(format!("{p}.name"), "指標", ind.map(|x| x.name.clone()).unwrap_or_default());
                for (which, label, measure) in [
                    ("target", "目標値", ind.and_then(|x| x.target.as_ref())),
                    ("actual", "実績値", ind.and_then(|x| x.actual.as_ref())),
                ] {
                    let (prefix, value, unit) = measure_parts(measure);
                    b.short(format!("{p}.{which}.prefix"), &format!("{label} 前置き"), prefix, "例: 実施");
                    b.short(format!("{p}.{which}.value"), &format!("{label} 数"), value, "空欄は不明");
                    b.short(format!("{p}.{which}.unit"), &format!("{label} 単位"), unit, "例: 件");
                }
                b.area(
                    format!("{p}.effects"),
                    "具体的な成果・効果",
                    ind.map(|x| x.effects.join("\n")).unwrap_or_default(),
                    LINES_HINT,
                );
                let lines = ind.map(|x| x.breakdown.as_slice()).unwrap_or_default();
                let count = b.rows(lines.len(), 2);
                for j in 0..count {
                    let line = lines.get(j);
                    let q = format!("{p}.breakdown[{j}]");
                    b.group(format!("指標 {} の内訳 {}", i + 1, j + 1), true);
                    b.text(format!("{q}.label"), "内訳", line.map(|l| l.label.clone()).unwrap_or_default());
                    b.short(format!("{q}.value"), "数", line.map(|l| l.value.form_text()).unwrap_or_default(), "");
                    b.short(format!("{q}.unit"), "単位", line.map(|l| l.unit.clone()).unwrap_or_default(), "");
                    b.short(
                        format!("{q}.depth"),
                        "階層",
                        line.map(|l| l.depth.to_string()).unwrap_or_default(),
                        "0〜3",
                    );
                    b.short(
                        format!("{q}.note"),
                        "注記",
                        line.map(|l| l.note.clone()).unwrap_or_default(),
                        "例: （全件フォロー）",
                    );
                }
            }
        }
        Section::Strengths => {
            let s = &sheet.strengths;
            b.area("strengths.strengths".into(), "【特徴（強み）】", s.strengths.join("\n"), LINES_HINT);
            let menu_options: Vec<(String, String)> = std::iter::once((String::new(), "（選択）".to_string()))
                .chain(menu.items.iter().map(|m| (m.code.to_string(), format!("{} {}", m.code, m.label))))
                .collect();
            let rows = b.rows(s.items.len(), 1);
            for i in 0..rows {
                let item = s.items.get(i);
                let p = format!("strengths.items[{i}]");
                b.group(format!("課題 {}", i + 1), false);
                b.field(
                    format!("{p}.menu_code"),
                    "構築推進事業（14項目）",
                    item.map(|x| x.menu_code.to_string()).unwrap_or_default(),
                    FieldKind::Select(menu_options.clone()),
                    &format!("{}のメニュー", sheet.fiscal_year.wareki()),
                    false,
                );
                b.text(format!("{p}.challenge"), "課題", item.map(|x| x.challenge.clone()).unwrap_or_default());
                b.text(
                    format!("{p}.challenge_detail"),
                    "課題の内容",
                    item.map(|x| x.challenge_detail.clone()).unwrap_or_default(),
                );
                let actions = item.map(|x| x.actions.as_slice()).unwrap_or_default();
                let count = b.rows(actions.len(), 2);
                for j in 0..count {
                    let a = actions.get(j);
                    let q = format!("{p}.actions[{j}]");
                    b.group(format!("課題 {} の今後の取組 {}", i + 1, j + 1), true);
                    b.short(format!("{q}.marker"), "番号", a.map(|x| x.marker.clone()).unwrap_or_default(), "例: ①");
                    b.text(format!("{q}.text"), "今後の取組", a.map(|x| x.text.clone()).unwrap_or_default());
                    b.field(
                        format!("{q}.tag"),
                        "区分",
                        tag_value(a.and_then(|x| x.tag)),
                        FieldKind::Select(tag_options()),
                        "",
                        true,
                    );
                    b.text(format!("{q}.note"), "補足", a.map(|x| x.note.clone()).unwrap_or_default());
                }
            }
            b.area("strengths.closing".into(), "まとめ", &s.closing, "");
        }
        Section::Schedule => {
            let rows = b.rows(sheet.schedule.len(), 3);
            for i in 0..rows {
                let row = sheet.schedule.get(i);
                b.group(format!("{}行目", i + 1), false);
                b.short(
                    format!("schedule[{i}].month"),
                    "時期（月）",
                    row.map(|r| r.month.wareki()).unwrap_or_default(),
                    DATE_HINT,
                );
                b.text(format!("schedule[{i}].item"), "実施する項目", row.map(|r| r.item.clone()).unwrap_or_default());
                b.text(
                    format!("schedule[{i}].content"),
                    "実施する内容",
                    row.map(|r| r.content.clone()).unwrap_or_default(),
                );
            }
        }
    }
    b.groups
}

/// The names of the fields a section's form sends for this sheet.
pub fn field_names(section: Section, sheet: &Sheet, menu: &ProgramMenu) -> BTreeSet<String> {
    groups(section, sheet, menu, None, &ValidationErrors::default())
        .into_iter()
        .flat_map(|g| g.fields)
        .filter(|f| !f.is_readonly())
        .map(|f| f.name)
        .collect()
}

/// Why a submission cannot be read as this form.
#[derive(Debug, PartialEq, Eq)]
pub enum SubmissionError {
    /// A field was sent twice.
    Duplicate(String),
    /// The submission does not have exactly the fields of the form (it is partial, forged, or
    /// was made from another version of the sheet).
    Mismatch,
}

/// Checks that a submission has each field of the form exactly once and nothing else (besides
/// `revision`), so that a partial or forged post can never blank what it leaves out.
pub fn check_submission(
    pairs: Vec<(String, String)>,
    expected: &BTreeSet<String>,
) -> Result<HashMap<String, String>, SubmissionError> {
    let mut form = HashMap::new();
    for (name, value) in pairs {
        if name == "revision" || name == "csrf" {
            continue;
        }
        if form.contains_key(&name) {
            return Err(SubmissionError::Duplicate(name));
        }
        form.insert(name, value);
    }
    if form.len() != expected.len() || !expected.iter().all(|name| form.contains_key(name)) {
        return Err(SubmissionError::Mismatch);
    }
    Ok(form)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nimo_domain::{FiscalYear, demo};

    fn form_of(groups: &[Group]) -> HashMap<String, String> {
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
        assert!(check_submission(full.clone(), &expected).is_ok());
        let partial = full[1..].to_vec();
        assert_eq!(check_submission(partial, &expected), Err(SubmissionError::Mismatch));
        let mut extra = full.clone();
        extra.push(("history[0].text".into(), "x".into()));
        assert_eq!(check_submission(extra, &expected), Err(SubmissionError::Mismatch));
        let mut twice = full.clone();
        twice.push(full[0].clone());
        assert_eq!(check_submission(twice, &expected), Err(SubmissionError::Duplicate(full[0].0.clone())));
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
}
