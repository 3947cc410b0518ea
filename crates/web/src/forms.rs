//! The edit form of each sheet section: the fields it shows (filled from the sheet, or from what
//! the user typed when a save was refused) and how a submission becomes a new sheet. Field names
//! are the validation paths of `nimo_domain::validate` (e.g. `history[2].date`), so that every
//! error lands next to its field.

use nimo_domain::sheet::{Action, BreakdownLine, ChallengeItem, HistoryEvent, Indicator, Measure, ScheduleRow, Tag};
use nimo_domain::template::{self, Kind};
use nimo_domain::validate::{self, ValidationErrors};
use nimo_domain::{Figure, PartialDate, ProgramMenu, Sheet, Source};
use std::collections::HashMap;

/// The sections that have an edit form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// The section named in a URL.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "header" => Section::Header,
            "basic" => Section::Basic,
            "policy" => Section::Policy,
            "history" => Section::History,
            "outcomes" => Section::Outcomes,
            "strengths" => Section::Strengths,
            "schedule" => Section::Schedule,
            _ => return None,
        })
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
            (_, Some(form)) => form.get(&name).cloned().unwrap_or_default(),
        };
        let error = self.errors.get(&name).map(str::to_string);
        let field = Field { name, label: label.into(), value, error, kind, hint: hint.into(), short };
        if self.groups.is_empty() {
            self.group("", false);
        }
        self.groups.last_mut().expect("a group exists").fields.push(field);
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

    /// How many rows a list shows: those submitted, or the stored ones plus some blanks.
    fn rows(&self, prefix: &str, stored: usize, blanks: usize) -> usize {
        match self.submitted {
            Some(form) => submitted_rows(form, prefix),
            None => stored + blanks,
        }
    }
}

/// The most rows any list of a form may have. A sheet has tens; the cap keeps a forged index
/// such as `history[999999999]` from making the server loop.
pub const MAX_ROWS: usize = 200;

/// The number of rows submitted under a list prefix such as `history[` (at most [`MAX_ROWS`]).
fn submitted_rows(form: &HashMap<String, String>, prefix: &str) -> usize {
    form.keys()
        .filter_map(|k| k.strip_prefix(prefix))
        .filter_map(|rest| rest.split(']').next()?.parse::<usize>().ok())
        .map(|i| i + 1)
        .max()
        .unwrap_or(0)
        .min(MAX_ROWS)
}

/// The first field whose row index is beyond [`MAX_ROWS`], if any.
fn field_beyond_max_rows(form: &HashMap<String, String>) -> Option<&str> {
    form.keys().map(String::as_str).find(|key| {
        key.split('[').skip(1).filter_map(|part| part.split(']').next()?.parse::<usize>().ok()).any(|i| i >= MAX_ROWS)
    })
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
            let rows = b.rows("history[", sheet.history.len(), 3);
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
            let rows = b.rows("outcomes.indicators[", o.indicators.len(), 1);
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
                let count = b.rows(&format!("{p}.breakdown["), lines.len(), 2);
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
            let rows = b.rows("strengths.items[", s.items.len(), 1);
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
                let count = b.rows(&format!("{p}.actions["), actions.len(), 2);
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
            let rows = b.rows("schedule[", sheet.schedule.len(), 3);
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

/// Reads a submission: what it says, with parse errors recorded against their field.
struct Reader<'a> {
    form: &'a HashMap<String, String>,
    errors: ValidationErrors,
}

impl Reader<'_> {
    fn text(&self, name: &str) -> String {
        self.form.get(name).map(|v| v.trim().replace("\r\n", "\n")).unwrap_or_default()
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

    fn figure(&mut self, name: &str, kind: Kind) -> Figure {
        match Figure::parse_input(&self.text(name), kind) {
            Ok(f) => f,
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
    form: &HashMap<String, String>,
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
                let figure = r.figure(&name, def.kind);
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
                    next.history.push(HistoryEvent { date, text });
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
                        value: r.figure(&names[1], Kind::Count),
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
                    breakdown.push(BreakdownLine {
                        key: old.and_then(|x| x.breakdown.get(j)).and_then(|l| l.key.clone()),
                        label: r.required(&names[0]),
                        value: r.figure(&names[1], Kind::Count),
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
                    next.schedule.push(ScheduleRow { month, item, content });
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
        for section in ["header", "basic", "policy", "history", "outcomes", "strengths", "schedule"] {
            let section = Section::parse(section).unwrap();
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
        assert_eq!(shown.len(), MAX_ROWS);
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
