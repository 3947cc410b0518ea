//! Reads each section of a sheet from its worksheet, strictly: every item and column must be
//! there, every cell of the right type.

use super::grid::Grid;
use super::layout::*;
use crate::error::{FileFormat, ImportError};
use crate::{FORMAT, VERSION};
use calamine::Xlsx;
use nimo_domain::sheet::*;
use nimo_domain::{FiscalYear, Municipality, MunicipalityCode};
use std::collections::BTreeMap;
use std::io::{Read, Seek};

/// The whole sheet, worksheet by worksheet.
pub fn sheet<R: Read + Seek>(book: &mut Xlsx<R>) -> Result<Sheet, ImportError> {
    let (municipality, fiscal_year, header) = cover(&Grid::load(book, COVER)?)?;
    Ok(Sheet {
        municipality,
        fiscal_year,
        header,
        basic: basic(&Grid::load(book, BASIC)?)?,
        policy: policy(&Grid::load(book, POLICY)?)?,
        history: history(&Grid::load(book, HISTORY)?)?,
        outcomes: outcomes(&Grid::load(book, OUTCOMES)?)?,
        strengths: strengths(&Grid::load(book, STRENGTHS)?)?,
        schedule: schedule(&Grid::load(book, SCHEDULE)?)?,
        editorial_notes: notes(&Grid::load(book, NOTES)?)?,
    })
}

fn cover(g: &Grid) -> Result<(Municipality, FiscalYear, Header), ImportError> {
    g.expect_items(&COVER_ITEMS)?;
    let format = g.text(0, 1, COVER_ITEMS[0])?;
    if format != FORMAT {
        return Err(g.error(
            0,
            COVER_ITEMS[0],
            format!("形式「{format}」はnimoの自治体情報シート（{FORMAT}）ではありません"),
        ));
    }
    let version = g.integer(1, 1, COVER_ITEMS[1], 1..=i64::from(u32::MAX))?;
    if version > i64::from(VERSION) {
        return Err(ImportError::NewerVersion { format: FileFormat::Xlsx, found: version as u64, supported: VERSION });
    }
    // Excel turns a typed 011002 into the number 11002: give the leading zero back.
    let code = match g.number(2, 1, COVER_ITEMS[2]) {
        Ok(Some(n)) if n.fract() == 0.0 && (0.0..1e6).contains(&n) => format!("{n:06}"),
        _ => g.text(2, 1, COVER_ITEMS[2])?,
    };
    let code = MunicipalityCode::parse(&code).map_err(|e| g.error(2, COVER_ITEMS[2], e.to_string()))?;
    let year = g.integer(5, 1, COVER_ITEMS[5], i64::from(i32::MIN)..=i64::from(i32::MAX))?;
    Ok((
        Municipality { code, name: g.text(3, 1, COVER_ITEMS[3])?, prefecture: g.text(4, 1, COVER_ITEMS[4])? },
        FiscalYear(year as i32),
        Header {
            program_title: g.text(6, 1, COVER_ITEMS[6])?,
            slogan: g.text(7, 1, COVER_ITEMS[7])?,
            vision: g.text(8, 1, COVER_ITEMS[8])?,
        },
    ))
}

/// The data rows of a table: from under its header to the last non-empty row.
fn body(g: &Grid, header: u32) -> std::ops::Range<u32> {
    header + 1..g.rows.max(header + 1)
}

fn optional(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

fn basic(g: &Grid) -> Result<BasicData, ImportError> {
    g.expect_items(&BASIC_ITEMS)?;
    let as_of = g.date(0, 1, BASIC_ITEMS[0])?.ok_or_else(|| g.error(0, BASIC_ITEMS[0], "入力してください"))?;
    let header = header_row(BASIC_ITEMS.len());
    let [key, _, _, state, value, source] = g.columns(header, &BASIC_COLUMNS)?;
    let names = [BASIC_COLUMNS[3], BASIC_COLUMNS[4], BASIC_COLUMNS[5]];
    let mut figures = BTreeMap::new();
    for row in body(g, header) {
        let name = g.required_text(row, key, BASIC_COLUMNS[0])?;
        let figure = g.figure(row, [state, value, source], names)?;
        if figures.insert(name.clone(), figure).is_some() {
            return Err(g.error(row, BASIC_COLUMNS[0], format!("キー「{name}」が2回あります")));
        }
    }
    Ok(BasicData { as_of, profile: g.text(1, 1, BASIC_ITEMS[1])?, figures })
}

fn policy(g: &Grid) -> Result<Policy, ImportError> {
    g.expect_items(&POLICY_ITEMS)?;
    let header = header_row(POLICY_ITEMS.len());
    let [kind, content] = g.columns(header, &POLICY_COLUMNS)?;
    let (mut plans, mut measures) = (Vec::new(), Vec::new());
    for row in body(g, header) {
        let text = g.text(row, content, POLICY_COLUMNS[1])?;
        match g.text(row, kind, POLICY_COLUMNS[0])?.trim() {
            PLAN => plans.push(text),
            MEASURE => measures.push(text),
            other => {
                return Err(g.error(row, POLICY_COLUMNS[0], format!("「{PLAN}」か「{MEASURE}」です（「{other}」）")));
            }
        }
    }
    Ok(Policy {
        plans,
        plans_date: g.date(0, 1, POLICY_ITEMS[0])?,
        goal: g.text(1, 1, POLICY_ITEMS[1])?,
        measures,
        project_title: g.text(2, 1, POLICY_ITEMS[2])?,
        project_text: g.text(3, 1, POLICY_ITEMS[3])?,
    })
}

fn history(g: &Grid) -> Result<Vec<HistoryEvent>, ImportError> {
    let [date, text] = g.columns(0, &HISTORY_COLUMNS)?;
    body(g, 0)
        .map(|row| {
            Ok(HistoryEvent {
                date: g
                    .date(row, date, HISTORY_COLUMNS[0])?
                    .ok_or_else(|| g.error(row, HISTORY_COLUMNS[0], "入力してください"))?,
                text: g.text(row, text, HISTORY_COLUMNS[1])?,
                record: None,
            })
        })
        .collect()
}

fn outcomes(g: &Grid) -> Result<Outcomes, ImportError> {
    g.expect_items(&OUTCOMES_ITEMS)?;
    let header = header_row(OUTCOMES_ITEMS.len());
    let c = g.columns(header, &OUTCOMES_COLUMNS)?;
    let n = OUTCOMES_COLUMNS;
    let mut indicators: Vec<Indicator> = Vec::new();
    for row in body(g, header) {
        let kind = g.text(row, c[0], n[0])?;
        if kind.trim() == INDICATOR {
            indicators.push(Indicator {
                marker: g.text(row, c[1], n[1])?,
                name: g.text(row, c[2], n[2])?,
                target: None,
                actual: None,
                breakdown: Vec::new(),
                effects: Vec::new(),
            });
            continue;
        }
        let Some(indicator) = indicators.last_mut() else {
            return Err(g.error(row, n[0], format!("最初の行は「{INDICATOR}」です（「{kind}」）")));
        };
        let figure = || g.figure(row, [c[5], c[6], c[8]], [n[5], n[6], n[8]]);
        let measure = || -> Result<Measure, ImportError> {
            Ok(Measure {
                key: optional(g.text(row, c[3], n[3])?),
                prefix: g.text(row, c[4], n[4])?,
                value: figure()?,
                unit: g.text(row, c[7], n[7])?,
            })
        };
        match kind.trim() {
            TARGET | ACTUAL => {
                let slot = if kind.trim() == TARGET { &mut indicator.target } else { &mut indicator.actual };
                if slot.is_some() {
                    return Err(g.error(row, n[0], format!("この指標の「{}」が2行あります", kind.trim())));
                }
                *slot = Some(measure()?);
            }
            BREAKDOWN => indicator.breakdown.push(BreakdownLine {
                key: optional(g.text(row, c[3], n[3])?),
                label: g.text(row, c[2], n[2])?,
                value: figure()?,
                unit: g.text(row, c[7], n[7])?,
                depth: g.integer(row, c[9], n[9], 0..=255)? as u8,
                note: g.text(row, c[10], n[10])?,
            }),
            EFFECT => indicator.effects.push(g.text(row, c[2], n[2])?),
            other => {
                return Err(g.error(row, n[0], format!(
                    "「{INDICATOR}」「{TARGET}」「{ACTUAL}」「{BREAKDOWN}」「{EFFECT}」のいずれかです（「{other}」）"
                )));
            }
        }
    }
    Ok(Outcomes {
        period_label: g.text(0, 1, OUTCOMES_ITEMS[0])?,
        target_basis: g.text(1, 1, OUTCOMES_ITEMS[1])?,
        actual_basis: g.text(2, 1, OUTCOMES_ITEMS[2])?,
        indicators,
    })
}

fn strengths(g: &Grid) -> Result<Strengths, ImportError> {
    g.expect_items(&STRENGTHS_ITEMS)?;
    let header = header_row(STRENGTHS_ITEMS.len());
    let c = g.columns(header, &STRENGTHS_COLUMNS)?;
    let n = STRENGTHS_COLUMNS;
    let (mut strengths, mut items) = (Vec::new(), Vec::<ChallengeItem>::new());
    for row in body(g, header) {
        let kind = g.text(row, c[0], n[0])?;
        match kind.trim() {
            STRENGTH => strengths.push(g.text(row, c[4], n[4])?),
            CHALLENGE => items.push(ChallengeItem {
                menu_code: g.integer(row, c[1], n[1], 0..=i64::from(u32::MAX))? as u32,
                challenge: g.text(row, c[2], n[2])?,
                challenge_detail: g.text(row, c[4], n[4])?,
                actions: Vec::new(),
            }),
            ACTION => {
                let tag_text = g.text(row, c[5], n[5])?;
                let tag = match tag_text.trim() {
                    "" => None,
                    text => Some(
                        Tag::parse(text)
                            .ok_or_else(|| g.error(row, n[5], format!("「新規」「拡充」か空欄です（「{text}」）")))?,
                    ),
                };
                let action = Action {
                    marker: g.text(row, c[3], n[3])?,
                    text: g.text(row, c[4], n[4])?,
                    tag,
                    note: g.text(row, c[6], n[6])?,
                };
                items
                    .last_mut()
                    .ok_or_else(|| g.error(row, n[0], format!("「{ACTION}」の前に「{CHALLENGE}」の行が必要です")))?
                    .actions
                    .push(action);
            }
            other => {
                return Err(g.error(
                    row,
                    n[0],
                    format!("「{STRENGTH}」「{CHALLENGE}」「{ACTION}」のいずれかです（「{other}」）"),
                ));
            }
        }
    }
    Ok(Strengths { strengths, items, closing: g.text(0, 1, STRENGTHS_ITEMS[0])? })
}

fn schedule(g: &Grid) -> Result<Vec<ScheduleRow>, ImportError> {
    let [month, item, content] = g.columns(0, &SCHEDULE_COLUMNS)?;
    body(g, 0)
        .map(|row| {
            Ok(ScheduleRow {
                month: g
                    .date(row, month, SCHEDULE_COLUMNS[0])?
                    .ok_or_else(|| g.error(row, SCHEDULE_COLUMNS[0], "入力してください"))?,
                item: g.text(row, item, SCHEDULE_COLUMNS[1])?,
                content: g.text(row, content, SCHEDULE_COLUMNS[2])?,
                done: Vec::new(),
            })
        })
        .collect()
}

fn notes(g: &Grid) -> Result<Vec<String>, ImportError> {
    let [_, note] = g.columns(0, &NOTES_COLUMNS)?;
    body(g, 0).map(|row| g.text(row, note, NOTES_COLUMNS[1])).collect()
}
