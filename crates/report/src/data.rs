//! The view model handed to the typst template: every text already formatted as printed.
//!
//! All wording, number formatting and 和暦 conversion happens here in Rust, so that the template
//! only lays out strings. The result travels to typst as JSON (a virtual file), never as markup,
//! which is why no user text needs escaping.

use nimo_domain::figure::{Figure, Source, Value};
use nimo_domain::menu::full_width_number;
use nimo_domain::sheet::{SECTION_TITLES, TITLE};
use nimo_domain::template::{Basis, FIGURES, FigureDef, Place, Rule};
use nimo_domain::{PartialDate, ProgramMenu, Sheet};
use serde_json::{Value as Json, json};

/// The marker printed after a figure nimo computed from others; explained in a footnote.
pub const DERIVED_MARKER: &str = "※";

/// The marker printed after a value nimo counted from its own records (cases, plans, visits and
/// meetings in section 4; the resource directory in section 1: the sheet page's 「…から集計」
/// badges), explained under its table.
pub const COUNTED_MARK: &str = "◆";

/// Builds the JSON document the template reads as `/sheet.json`.
pub fn sheet_json(sheet: &Sheet, menu: &ProgramMenu) -> Json {
    let municipality = &sheet.municipality;
    json!({
        "title": TITLE,
        "document_title": format!("{} {} {}", municipality.name, sheet.fiscal_year.wareki(), TITLE),
        "municipality": municipality.name,
        "prefecture": municipality.prefecture,
        "fiscal_year": format!("{}（{}）", sheet.fiscal_year.wareki(), sheet.fiscal_year.seireki()),
        "sections": SECTION_TITLES,
        "header": {
            "program_title": sheet.header.program_title,
            "slogan": sheet.header.slogan,
            "vision": sheet.header.vision,
        },
        "basic": basic(sheet),
        "policy": policy(sheet),
        "history": sheet.history.iter().map(|event| json!({
            "date": event.date.wareki(),
            "text": event.text,
            "mark": event.record.map(|r| format!("{}の記録から", r.kind.label())).unwrap_or_default(),
        })).collect::<Vec<_>>(),
        "outcomes": outcomes(sheet),
        "strengths": strengths(sheet, menu),
        "schedule": schedule(sheet),
        "schedule_done": sheet.schedule.iter().any(|row| !row.done.is_empty()),
    })
}

/// 区, 市, 町 or 村 as the municipality calls itself in 【区の施策の位置づけ】.
fn place_word(name: &str) -> &'static str {
    match name.chars().last() {
        Some('区') => "区",
        Some('市') => "市",
        Some('町') => "町",
        Some('村') => "村",
        _ => "自治体",
    }
}

/// The short 和暦 of a date as the table labels write it: R4年7月.
fn short_wareki(date: &PartialDate) -> String {
    date.wareki().replacen("令和", "R", 1).replacen("平成", "H", 1).replacen("昭和", "S", 1)
}

fn figure_text(figure: Option<&Figure>) -> (String, bool) {
    match figure {
        Some(figure) => (figure.display(), figure.source == Source::Derived),
        None => (String::new(), false),
    }
}

fn basic(sheet: &Sheet) -> Json {
    let figures = &sheet.basic.figures;
    let as_of_short = short_wareki(&sheet.basic.as_of);
    let basis_label = |def: &FigureDef| match def.basis {
        Basis::AsOf => format!("（{as_of_short}時点）"),
        Basis::FiscalYear => format!("（{}）", sheet.fiscal_year.wareki_short()),
    };
    let banner: Vec<Json> = FIGURES
        .iter()
        .filter(|def| def.place == Place::Banner)
        .map(|def| {
            let (value, derived) = figure_text(figures.get(def.key));
            json!({"label": def.label, "value": value, "unit": def.unit, "derived": derived})
        })
        .collect();

    // Shares are printed beside the count they are a share of, not on rows of their own.
    let share_of = |key: &str| {
        FIGURES
            .iter()
            .find(|def| matches!(def.rule, Some(Rule::Share { part, .. }) if part == key) && def.place == Place::Table)
    };
    let table: Vec<&FigureDef> = FIGURES
        .iter()
        .filter(|def| def.place == Place::Table)
        .filter(|def| !matches!(def.rule, Some(Rule::Share { .. })))
        .collect();
    let mut any_derived = false;
    let mut any_counted = false;
    let mut rows = Vec::new();
    for (index, def) in table.iter().enumerate() {
        let (value, from_nimo) = figure_text(figures.get(def.key));
        // Computed from other figures by a template rule, or counted from nimo's records (the
        // resource directory's counts have no rule).
        let (derived, counted) = (from_nimo && def.rule.is_some(), from_nimo && def.rule.is_none());
        any_derived |= derived;
        any_counted |= counted && !value.is_empty();
        let share = share_of(def.key).map(|share_def| {
            let (value, derived) = figure_text(figures.get(share_def.key));
            any_derived |= derived;
            json!({"value": value, "unit": share_def.unit, "derived": derived})
        });
        let first_of_group = !def.group.is_empty() && (index == 0 || table[index - 1].group != def.group);
        let group_span =
            if first_of_group { table[index..].iter().take_while(|other| other.group == def.group).count() } else { 0 };
        let yes_no = match figures.get(def.key).map(|f| f.value) {
            Some(Value::YesNo(true)) => Some("yes"),
            Some(Value::YesNo(false)) => Some("no"),
            _ => None,
        };
        rows.push(json!({
            "group": def.group,
            "group_span": group_span,
            "label": def.label,
            "basis": basis_label(def),
            "value": value,
            "unit": def.unit,
            "derived": derived,
            "counted": counted,
            "share": share,
            "is_yes_no": def.kind == nimo_domain::template::Kind::YesNo,
            "yes_no": yes_no,
        }));
    }
    json!({
        "as_of": format!("{}時点", sheet.basic.as_of.wareki()),
        "profile": sheet.basic.profile,
        "banner": banner,
        "rows": rows,
        "any_derived": any_derived,
        "counted_marker": COUNTED_MARK,
        "counted_note": if any_counted {
            format!("{COUNTED_MARK} 印は、nimo の社会資源名簿から集計した値です。")
        } else {
            String::new()
        },
        "derived_marker": DERIVED_MARKER,
        "derived_note": format!(
            "{DERIVED_MARKER} 印は、入力された内訳などから自動計算した値です。"
        ),
    })
}

fn policy(sheet: &Sheet) -> Json {
    let policy = &sheet.policy;
    json!({
        "heading": format!("【{}の施策の位置づけ】", place_word(&sheet.municipality.name)),
        "plans": policy.plans,
        "plans_date": policy.plans_date.map(|date| date.wareki()).unwrap_or_default(),
        "goal": policy.goal,
        "measures": policy.measures,
        "project_title": policy.project_title,
        "project_text": policy.project_text,
    })
}

fn outcomes(sheet: &Sheet) -> Json {
    let outcomes = &sheet.outcomes;
    let counted = |m: Option<&nimo_domain::sheet::Measure>| m.is_some_and(|m| m.value.source == Source::Derived);
    let mut any_counted = false;
    let indicators: Vec<Json> = outcomes
        .indicators
        .iter()
        .map(|indicator| {
            let (target_counted, actual_counted) =
                (counted(indicator.target.as_ref()), counted(indicator.actual.as_ref()));
            any_counted |= target_counted || actual_counted;
            any_counted |= indicator.breakdown.iter().any(|l| l.value.source == Source::Derived);
            json!({
                "name": format!("{}{}", indicator.marker, indicator.name),
                "target_counted": target_counted,
                "actual_counted": actual_counted,
                "target": indicator.target.as_ref().map(|m| m.display()).unwrap_or_default(),
                "actual": indicator.actual.as_ref().map(|m| m.display()).unwrap_or_default(),
                "breakdown": indicator.breakdown.iter().map(|line| {
                    let value = line.value.display();
                    let amount = if value.is_empty() { String::new() } else { format!("{value}{}", line.unit) };
                    json!({
                        "label": line.label,
                        "amount": amount,
                        "depth": line.depth,
                        "note": line.note,
                        "counted": line.value.source == Source::Derived && !value.is_empty(),
                    })
                }).collect::<Vec<_>>(),
                "effects": indicator.effects,
            })
        })
        .collect();
    json!({
        "period_label": outcomes.period_label,
        "columns": [
            "課題解決の達成度を測る指標",
            format!("目標値（{}）", outcomes.target_basis),
            format!("実績値（{}）", outcomes.actual_basis),
            "具体的な成果・効果",
        ],
        "indicators": indicators,
        "counted_mark": COUNTED_MARK,
        "counted_note": if any_counted {
            format!("{COUNTED_MARK} 印は、nimo に記録された事例・計画・訪問・会議の記録から集計した値です（{}）。", outcomes.actual_basis)
        } else {
            String::new()
        },
    })
}

fn strengths(sheet: &Sheet, menu: &ProgramMenu) -> Json {
    let strengths = &sheet.strengths;
    let items: Vec<Json> = strengths
        .items
        .iter()
        .map(|item| {
            json!({
                "number": full_width_number(item.menu_code),
                "menu_label": menu.label(item.menu_code).unwrap_or_default(),
                "challenge": item.challenge,
                "challenge_detail": item.challenge_detail,
                "actions": item.actions.iter().map(|action| json!({
                    "text": action.display(),
                    "note": action.note,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "strengths": strengths.strengths,
        "items": items,
        "closing": strengths.closing,
    })
}

/// Schedule rows; consecutive rows of the same month share one month cell (`month_span`).
fn schedule(sheet: &Sheet) -> Json {
    let rows = &sheet.schedule;
    let out: Vec<Json> = rows
        .iter()
        .enumerate()
        .map(|(index, row)| {
            let first = index == 0 || rows[index - 1].month != row.month;
            let span =
                if first { rows[index..].iter().take_while(|other| other.month == row.month).count() } else { 0 };
            json!({
                "month": row.month.wareki(),
                "month_span": span,
                "item": row.item,
                "content": row.content,
                "done": row.done.iter().map(|d| format!("{} {}", d.on.wareki(), d.title)).collect::<Vec<_>>(),
            })
        })
        .collect();
    Json::Array(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nimo_domain::demo::meguro_r4;

    fn demo_json() -> Json {
        let sheet = meguro_r4();
        sheet_json(&sheet, &ProgramMenu::builtin(sheet.fiscal_year))
    }

    #[test]
    fn shares_sit_beside_their_counts() {
        let data = demo_json();
        let rows = data["basic"]["rows"].as_array().unwrap();
        let under_3m = rows.iter().find(|r| r["label"] == "３か月未満").unwrap();
        assert_eq!(under_3m["value"], "51");
        assert_eq!(under_3m["share"]["value"], "23.4");
        assert_eq!(under_3m["share"]["unit"], "％");
        assert!(rows.iter().all(|r| !r["label"].as_str().unwrap().contains("構成割合")));
    }

    #[test]
    fn groups_span_their_rows_once() {
        let data = demo_json();
        let rows = data["basic"]["rows"].as_array().unwrap();
        let inpatients: Vec<_> = rows.iter().filter(|r| r["group"] == "入院精神障害者数").collect();
        assert_eq!(inpatients[0]["group_span"], inpatients.len());
        assert!(inpatients[1..].iter().all(|r| r["group_span"] == 0));
    }

    #[test]
    fn labels_carry_their_time_basis() {
        let data = demo_json();
        let rows = data["basic"]["rows"].as_array().unwrap();
        assert_eq!(rows[0]["basis"], "（R4年7月時点）");
        let frequency = rows.iter().find(|r| r["label"] == "（自立支援）協議会の開催頻度").unwrap();
        assert_eq!(frequency["basis"], "（R4年度）");
        assert_eq!(data["basic"]["as_of"], "令和4年7月時点");
    }

    #[test]
    fn not_applicable_and_unknown_differ() {
        let data = demo_json();
        let rows = data["basic"]["rows"].as_array().unwrap();
        let value = |label: &str| rows.iter().find(|r| r["label"] == label).unwrap()["value"].clone();
        assert_eq!(value("障害保健福祉圏域数"), "／");
        assert_eq!(value("入院後３か月時点"), "");
    }

    #[test]
    fn schedule_months_in_wareki_share_a_cell() {
        let data = demo_json();
        let rows = data["schedule"].as_array().unwrap();
        assert_eq!(rows[0]["month"], "令和4年4月");
        assert_eq!(rows[8]["month"], "令和5年3月");
        assert_eq!(rows[8]["month_span"], 2);
        assert_eq!(rows[9]["month_span"], 0);
    }

    #[test]
    fn menu_numbers_are_full_width_with_tags() {
        let data = demo_json();
        let item = &data["strengths"]["items"][1];
        assert_eq!(item["number"], "６");
        assert_eq!(item["menu_label"], "アウトリーチ支援");
        assert_eq!(item["actions"][1]["text"], "②病状悪化時の緊急入院先がスムーズに探せる仕組みづくり（新規）");
    }

    #[test]
    fn editorial_notes_are_not_in_the_data() {
        let text = demo_json().to_string();
        assert!(!text.contains("出典"));
        assert!(!text.contains("推定"));
    }

    #[test]
    fn place_word_follows_the_name() {
        assert_eq!(place_word("目黒区"), "区");
        assert_eq!(place_word("札幌市"), "市");
        assert_eq!(place_word("東京都"), "自治体");
    }
}
