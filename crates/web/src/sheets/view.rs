//! View models: the sheet turned into the strings and rows the templates print.

use nimo_domain::template::{self, Basis, Place};
use nimo_domain::{ProgramMenu, Sheet, Source};

/// One figure row of section 1.
pub struct FigureRow {
    pub key: &'static str,
    pub group: String,
    pub label: String,
    pub unit: String,
    pub value: String,
    pub derived: bool,
    pub basis: String,
}

/// One 課題 row of section 5.
pub struct ItemView {
    pub number: String,
    pub menu_label: String,
    pub challenge: String,
    pub detail: String,
    pub actions: Vec<(String, String)>,
}

/// One breakdown line of section 4.
pub struct LineView {
    /// The metric key, empty when nimo cannot derive the line.
    pub key: String,
    pub indent: u8,
    pub text: String,
    pub derived: bool,
}

/// One line of section 3.
pub struct HistoryView {
    pub date: String,
    pub text: String,
    /// The meeting the line was made from, if any (the page links it, 「会議の記録から」).
    pub meeting: Option<i64>,
}

/// The badge of a derived figure: what it was counted from.
pub fn derived_badge(key: &str) -> &'static str {
    if key == nimo_domain::cases::COUNCIL_MEETINGS { "会議の記録から集計" } else { "事例記録から集計" }
}

/// One indicator of section 4.
pub struct IndicatorView {
    pub label: String,
    pub target: String,
    pub actual: String,
    pub actual_derived: bool,
    /// The actual value's metric key, empty when nimo cannot derive it.
    pub actual_key: String,
    pub lines: Vec<LineView>,
    pub effects: Vec<String>,
}

/// The whole sheet page.
pub struct SheetView {
    pub sheet: Sheet,
    pub code: String,
    pub fy: i32,
    pub fy_wareki: String,
    pub fy_seireki: String,
    pub as_of: String,
    pub banner: Vec<FigureRow>,
    pub table: Vec<FigureRow>,
    pub plans_date: String,
    pub history: Vec<HistoryView>,
    pub indicators: Vec<IndicatorView>,
    pub items: Vec<ItemView>,
    pub schedule: Vec<ScheduleLine>,
    pub closing: Vec<String>,
}

/// A row of section 6 as the page shows it: what fulfilled it (day, title, the record's page if
/// it has one here) and its state on the day shown (実施済, 未実施 for a month over, nothing
/// for a month to come).
pub struct ScheduleLine {
    pub month: String,
    pub item: String,
    pub content: String,
    pub state: &'static str,
    /// `done`, `slipped` or `upcoming`, for the style of the state.
    pub state_class: &'static str,
    pub done: Vec<(String, String, Option<String>)>,
}

impl SheetView {
    /// Marks each schedule row done, slipped or still to come on `today` (JST).
    pub fn with_today(mut self, today: time::Date) -> Self {
        for (line, row) in self.schedule.iter_mut().zip(&self.sheet.schedule) {
            let state = nimo_domain::pdca::schedule_state(row, today);
            line.state = state.label();
            line.state_class = match state {
                nimo_domain::pdca::RowState::Done => "done",
                nimo_domain::pdca::RowState::Slipped => "slipped",
                nimo_domain::pdca::RowState::Upcoming => "upcoming",
            };
        }
        self
    }

    /// Builds the page model of a sheet, with menu labels of its fiscal year.
    pub fn new(sheet: Sheet, menu: &ProgramMenu) -> Self {
        let as_of = format!("{}時点", sheet.basic.as_of.wareki());
        let rows = |place: Place| {
            template::FIGURES
                .iter()
                .filter(|d| d.place == place)
                .map(|d| {
                    let figure = sheet.basic.figures.get(d.key).copied().unwrap_or_else(nimo_domain::Figure::unknown);
                    FigureRow {
                        key: d.key,
                        group: d.group.to_string(),
                        label: d.label.to_string(),
                        unit: d.unit.to_string(),
                        value: figure.display(),
                        derived: figure.source == Source::Derived,
                        basis: match d.basis {
                            Basis::AsOf => String::new(),
                            Basis::FiscalYear => sheet.fiscal_year.wareki(),
                        },
                    }
                })
                .collect::<Vec<_>>()
        };
        let indicators = sheet
            .outcomes
            .indicators
            .iter()
            .map(|i| IndicatorView {
                label: format!("{}{}", i.marker, i.name),
                target: i.target.as_ref().map(|m| m.display()).unwrap_or_default(),
                actual: i.actual.as_ref().map(|m| m.display()).unwrap_or_default(),
                actual_derived: i.actual.as_ref().is_some_and(|m| m.value.source == Source::Derived),
                actual_key: i.actual.as_ref().and_then(|m| m.key.clone()).unwrap_or_default(),
                lines: i
                    .breakdown
                    .iter()
                    .map(|l| LineView {
                        key: l.key.clone().unwrap_or_default(),
                        indent: l.depth,
                        text: format!("{} {}{}{}", l.label, l.value.display(), l.unit, l.note),
                        derived: l.value.source == Source::Derived,
                    })
                    .collect(),
                effects: i.effects.clone(),
            })
            .collect();
        let items = sheet
            .strengths
            .items
            .iter()
            .map(|item| ItemView {
                number: nimo_domain::menu::full_width_number(item.menu_code),
                menu_label: menu.label(item.menu_code).unwrap_or("（メニューにないコード）").to_string(),
                challenge: item.challenge.clone(),
                detail: item.challenge_detail.clone(),
                actions: item.actions.iter().map(|a| (a.display(), a.note.clone())).collect(),
            })
            .collect();
        Self {
            code: sheet.municipality.code.to_string(),
            fy: sheet.fiscal_year.year(),
            fy_wareki: sheet.fiscal_year.wareki(),
            fy_seireki: sheet.fiscal_year.seireki(),
            as_of,
            banner: rows(Place::Banner),
            table: rows(Place::Table),
            plans_date: sheet.policy.plans_date.map(|d| d.wareki()).unwrap_or_default(),
            history: sheet
                .history
                .iter()
                .map(|e| HistoryView {
                    date: e.date.wareki(),
                    text: e.text.clone(),
                    meeting: e.record.filter(|r| r.kind == nimo_domain::sheet::RecordKind::Meeting).map(|r| r.id),
                })
                .collect(),
            indicators,
            items,
            schedule: sheet
                .schedule
                .iter()
                .map(|r| ScheduleLine {
                    month: r.month.wareki(),
                    item: r.item.clone(),
                    content: r.content.clone(),
                    state: "",
                    state_class: "upcoming",
                    done: r
                        .done
                        .iter()
                        .map(|h| {
                            let code = &sheet.municipality.code;
                            let href = Some(match h.record.kind {
                                nimo_domain::sheet::RecordKind::Event => {
                                    format!("/municipalities/{code}/events/{}", h.record.id)
                                }
                                nimo_domain::sheet::RecordKind::Meeting => {
                                    format!("/municipalities/{code}/meetings/{}", h.record.id)
                                }
                            });
                            (h.on.wareki(), h.title.clone(), href)
                        })
                        .collect(),
                })
                .collect(),
            closing: sheet.strengths.closing.lines().map(str::to_string).collect(),
            sheet,
        }
    }
}
