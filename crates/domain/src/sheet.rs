//! The 自治体情報シート as data: six sections for one municipality and fiscal year.
//!
//! This is also the canonical JSON exchange shape (see `docs/sheet-json.md`): every struct
//! refuses unknown fields, so that a typo in an imported file is an error rather than lost data.

use crate::calendar::{FiscalYear, PartialDate};
use crate::figure::Figure;
use crate::municipality::Municipality;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

mod fields;
pub use fields::TextField;

/// The sheet's fixed title.
pub const TITLE: &str = "精神障害にも対応した地域包括ケアシステム構築支援事業自治体情報シート";

/// The six section titles, numbered as printed.
pub const SECTION_TITLES: [&str; 6] = [
    "自治体の基礎情報",
    "精神障害にも対応した地域包括ケアシステムの構築に向けた取組概要（全体）",
    "精神障害にも対応した地域包括ケアシステムの構築に向けた取組の経緯",
    "精神障害にも対応した地域包括ケアシステム構築に資する取組の成果・効果",
    "精神障害にも対応した地域包括ケアシステムの構築に向けた現時点における強みと課題",
    "精神障害にも対応した地域包括ケアシステムの構築に向けた今年度の取組スケジュール",
];

/// One municipality's sheet for one fiscal year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Sheet {
    /// The municipality the sheet is about.
    pub municipality: Municipality,
    /// The fiscal year of the sheet (令和4年度 = 2022).
    pub fiscal_year: FiscalYear,
    /// Programme title, slogan and vision.
    pub header: Header,
    /// Section 1: basic figures.
    pub basic: BasicData,
    /// Section 2: where the work sits in the municipality's policy.
    pub policy: Policy,
    /// Section 3: dated events, oldest first.
    pub history: Vec<HistoryEvent>,
    /// Section 4: outcome indicators.
    pub outcomes: Outcomes,
    /// Section 5: strengths, challenges and next actions.
    pub strengths: Strengths,
    /// Section 6: this year's schedule, month by month.
    pub schedule: Vec<ScheduleRow>,
    /// Editors' remarks about the data itself (e.g. a field rebuilt from a damaged source). Shown
    /// on the web page, not printed.
    #[serde(default)]
    pub editorial_notes: Vec<String>,
}

/// The header: programme title, slogan and vision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// The programme title (目黒区における精神保健福祉包括ケアシステムの構築推進).
    pub program_title: String,
    /// The slogan, one line.
    pub slogan: String,
    /// The vision, which may run over several lines.
    pub vision: String,
}

/// Section 1: the banner and table of basic figures, as of a date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BasicData {
    /// The as-of date of the figures (令和4年7月時点).
    #[schema(value_type = String, pattern = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$", example = "2022-07")]
    pub as_of: PartialDate,
    /// Free-text profile of the municipality.
    pub profile: String,
    /// Figures by template key (see `template::FIGURES`).
    #[schema(value_type = BTreeMap<String, crate::figure::RawFigure>)]
    pub figures: BTreeMap<String, Figure>,
}

/// Section 2: where the work sits in the municipality's policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Plans that position the work (目黒区保健医療福祉計画, ...).
    pub plans: Vec<String>,
    /// When the plans were made (令和3年3月).
    #[schema(value_type = Option<String>, pattern = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$", example = "2021-03")]
    pub plans_date: Option<PartialDate>,
    /// The goal the plans set.
    pub goal: String,
    /// Measures under the goal (〇保健・医療・福祉サービスの連携).
    pub measures: Vec<String>,
    /// ＜事業計画＞ title.
    pub project_title: String,
    /// ＜事業計画＞ text.
    pub project_text: String,
}

/// Section 3: one dated event of the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HistoryEvent {
    /// When it happened, to the month or the year.
    #[schema(value_type = String, pattern = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$", example = "2022-07")]
    pub date: PartialDate,
    /// What happened, one line.
    pub text: String,
    /// The meeting or event of nimo's records the line was made from, if any (pages, prints and
    /// exports mark such a line 記録から); `None` for a line typed or imported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<RecordRef>,
}

/// A record of nimo's that a line of the sheet stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordRef {
    /// What kind of record it is.
    pub kind: RecordKind,
    /// The record's id in this deployment.
    pub id: i64,
}

/// The kinds of record a sheet line can stand for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// A meeting of the 協議の場 or another body (書面開催 included).
    Meeting,
    /// A 普及啓発 event.
    Event,
}

impl RecordKind {
    /// The kind's code in the database and the exchange formats.
    pub fn code(self) -> &'static str {
        match self {
            RecordKind::Meeting => "meeting",
            RecordKind::Event => "event",
        }
    }

    /// The kind named by its code.
    pub fn parse(code: &str) -> Option<Self> {
        [RecordKind::Meeting, RecordKind::Event].into_iter().find(|k| k.code() == code)
    }

    /// As staff read it.
    pub fn label(self) -> &'static str {
        match self {
            RecordKind::Meeting => "会議",
            RecordKind::Event => "普及啓発",
        }
    }
}

/// A meeting or event that happened and fulfils a row of the schedule (section 6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Happened {
    /// The record.
    pub record: RecordRef,
    /// The day it was held.
    #[schema(value_type = String, example = "2022-07-12")]
    pub on: PartialDate,
    /// Its title as recorded (令和4年度第1回目黒区精神保健医療福祉推進協議会).
    pub title: String,
}

/// Section 4: outcome indicators with target and actual values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Outcomes {
    /// The period heading (＜令和３年までの取り組み状況＞).
    pub period_label: String,
    /// When targets were set (R3年度当初).
    pub target_basis: String,
    /// When actuals were measured (R3年度末).
    pub actual_basis: String,
    /// The indicator rows (①, ②, ③).
    pub indicators: Vec<Indicator>,
}

/// One indicator row of section 4.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    /// ①, ②, ③ as printed.
    pub marker: String,
    /// The indicator (協議の場の設置).
    pub name: String,
    /// The target set at the start of the year, if any.
    pub target: Option<Measure>,
    /// The value reached at the end of the year, if any.
    pub actual: Option<Measure>,
    /// Supporting figures (the 23条通報 breakdown, visits by profession). They need not sum.
    pub breakdown: Vec<BreakdownLine>,
    /// 具体的な成果・効果, one entry per line or bullet.
    pub effects: Vec<String>,
}

/// A measured value such as 開催1回 or 実施2件.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Measure {
    /// Stable metric key, when nimo can derive this value from its own records.
    pub key: Option<String>,
    /// The word before the number (開催, 実施).
    pub prefix: String,
    /// The number (a count, or ／ or unknown).
    #[schema(value_type = crate::figure::RawFigure)]
    pub value: Figure,
    /// The unit after the number (回, 件).
    pub unit: String,
}

impl Measure {
    /// As printed: 開催1回; empty when unknown.
    pub fn display(&self) -> String {
        let value = self.value.display();
        if value.is_empty() { String::new() } else { format!("{}{}{}", self.prefix, value, self.unit) }
    }
}

/// One line of an indicator's breakdown, e.g. そのうち措置入院 6件（全件フォロー）.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BreakdownLine {
    /// Stable metric key, when nimo can derive this value from its own records.
    pub key: Option<String>,
    /// The label (区内 23条通報, そのうち措置入院).
    pub label: String,
    /// The number (a count, or ／ or unknown).
    #[schema(value_type = crate::figure::RawFigure)]
    pub value: Figure,
    /// The unit after the number (件).
    pub unit: String,
    /// Nesting depth: 0 for the total, 1 for そのうち, 2 for そのうち of that.
    pub depth: u8,
    /// A note printed after the value, e.g. （全件フォロー）.
    pub note: String,
}

/// Section 5: strengths, challenges and next actions by 構築推進事業 item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Strengths {
    /// 【特徴（強み）】 bullets.
    pub strengths: Vec<String>,
    /// The 課題 / 今後の取組 rows.
    pub items: Vec<ChallengeItem>,
    /// The closing text under the table.
    pub closing: String,
}

/// One row of the 課題 / 今後の取組 table, tied to a 構築推進事業 menu code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChallengeItem {
    /// The 構築推進事業 menu code of the sheet's fiscal year (14項目).
    pub menu_code: u32,
    /// The challenge heading (普及啓発).
    pub challenge: String,
    /// The challenge in detail (正しい知識の普及、…).
    pub challenge_detail: String,
    /// The planned actions (今後の取組).
    pub actions: Vec<Action>,
}

/// One planned action (今後の取組).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Action {
    /// ①, ②, ③ or empty.
    pub marker: String,
    /// What will be done.
    pub text: String,
    /// （新規） or （拡充）, if printed.
    pub tag: Option<Tag>,
    /// A note on its own line under the action, e.g. （医師会、歯科医師会、薬剤師会との連携強化）.
    pub note: String,
}

impl Action {
    /// As printed: ①地域関係機関に向けた普及啓発（新規）.
    pub fn display(&self) -> String {
        format!("{}{}{}", self.marker, self.text, self.tag.map(Tag::label).unwrap_or(""))
    }
}

/// （新規） or （拡充）.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Tag {
    /// （新規）: a new action.
    New,
    /// （拡充）: an existing action made larger.
    Expanded,
}

impl Tag {
    /// As printed, with full-width parentheses.
    pub fn label(self) -> &'static str {
        match self {
            Tag::New => "（新規）",
            Tag::Expanded => "（拡充）",
        }
    }

    /// Parses 新規 / 拡充 (with or without parentheses) or the exchange names.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().trim_matches(['（', '）', '(', ')']) {
            "新規" | "new" => Some(Tag::New),
            "拡充" | "expanded" => Some(Tag::Expanded),
            _ => None,
        }
    }
}

/// Section 6: one row of the month-by-month schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleRow {
    /// The month (month precision, within the fiscal year).
    #[schema(value_type = String, pattern = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$", example = "2022-07")]
    pub month: PartialDate,
    /// 実施する項目.
    pub item: String,
    /// 実施する内容.
    pub content: String,
    /// The meetings and events of nimo's records that fulfil the row, filled in when the sheet
    /// is shown or exported (never stored with the sheet); empty when none has happened or the
    /// municipality does not keep them in nimo.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub done: Vec<Happened>,
}

impl Sheet {
    /// An empty sheet for a municipality and year, with every figure unknown.
    pub fn empty(municipality: Municipality, fiscal_year: FiscalYear) -> Self {
        Self {
            municipality,
            fiscal_year,
            header: Header::default(),
            basic: BasicData {
                as_of: PartialDate::month(fiscal_year.year(), 7),
                profile: String::new(),
                figures: crate::template::empty_figures(),
            },
            policy: Policy::default(),
            history: Vec::new(),
            outcomes: Outcomes::default(),
            strengths: Strengths::default(),
            schedule: Vec::new(),
            editorial_notes: Vec::new(),
        }
    }

    /// Recomputes every derived figure.
    pub fn derive(&mut self) {
        crate::template::derive(&mut self.basic.figures);
    }

    /// A starting point for the next fiscal year: text, plans, history and strengths carry over;
    /// the as-of date and schedule months move one year on; figures keep entered values (to be
    /// updated) and outcomes become next year's targets with unknown actuals.
    pub fn copy_to_next_year(&self) -> Self {
        let mut next = self.clone();
        next.fiscal_year = self.fiscal_year.next();
        next.basic.as_of.year += 1;
        for row in &mut next.schedule {
            row.month.year += 1;
            // What fulfilled this year's row is this year's; next year's starts undone.
            row.done.clear();
        }
        for indicator in &mut next.outcomes.indicators {
            if let Some(actual) = &mut indicator.actual {
                actual.value = Figure::unknown();
            }
        }
        next.editorial_notes =
            vec![format!("{}のシートから複製しました。数値と日付を確認してください。", self.fiscal_year.wareki())];
        next.derive();
        next
    }
}
