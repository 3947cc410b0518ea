//! The fields of each section's edit form, in the order the page shows them: filled from the
//! sheet, or from what the user typed when a save was refused, with each error beside its field.

use super::{Field, FieldKind, Group, Section, SectionFields};
use nimo_domain::sheet::{Measure, Tag};
use nimo_domain::template::{self, Kind};
use nimo_domain::validate::ValidationErrors;
use nimo_domain::{Figure, ProgramMenu, Sheet, Source};
use std::collections::BTreeSet;

/// Builds fields, taking values from a submission when there is one.
struct Builder<'a> {
    submitted: Option<&'a SectionFields>,
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
    /// only accepted with exactly the fields of this form (see [`SectionPost::check`](super::SectionPost::check)), so a
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
    submitted: Option<&SectionFields>,
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
