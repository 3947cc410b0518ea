//! Reading a sheet back: every query in one read-only transaction, so that a concurrent save
//! is seen whole or not at all (REPEATABLE READ on PostgreSQL; SQLite's WAL snapshot).

use super::{SHEET_COLUMNS, SheetColumns, StoredSheet, date_from, figure_from, list_from, narrow};
use crate::{Backend, Db, StoreError, columns};
use nimo_domain::sheet::{
    Action, BasicData, BreakdownLine, ChallengeItem, Header, HistoryEvent, Indicator, Measure, Outcomes, Policy,
    RecordKind, RecordRef, ScheduleRow, Strengths, Tag,
};
use nimo_domain::{FiscalYear, MunicipalityCode, Sheet};
use std::collections::BTreeMap;

/// The `sheet` row: its id, the texts of every section, the revision and the last change.
#[derive(sqlx::FromRow)]
struct SheetRow {
    id: i64,
    #[sqlx(flatten)]
    texts: SheetColumns,
    revision: i64,
    updated_at: String,
}

#[derive(sqlx::FromRow)]
struct MunicipalityRow {
    code: String,
    name: String,
    prefecture: String,
}

#[derive(sqlx::FromRow)]
struct FigureRow {
    key: String,
    state: String,
    value: Option<f64>,
    source: String,
}

#[derive(sqlx::FromRow)]
struct HistoryRow {
    date: String,
    text: String,
    record_kind: Option<String>,
    record_id: Option<i64>,
}

/// The record a history line was made from: both columns or neither.
fn record_from(kind: Option<&str>, id: Option<i64>) -> Result<Option<RecordRef>, StoreError> {
    match (kind, id) {
        (None, None) => Ok(None),
        (Some(kind), Some(id)) => {
            let kind = RecordKind::parse(kind).ok_or_else(|| columns::corrupt("sheet_history.record_kind"))?;
            Ok(Some(RecordRef { kind, id }))
        }
        _ => Err(columns::corrupt("sheet_history.record_id")),
    }
}

/// A `sheet_indicator` row: its target and actual measures side by side.
#[derive(sqlx::FromRow)]
struct IndicatorRow {
    position: i64,
    marker: String,
    name: String,
    target_present: i64,
    target_key: Option<String>,
    target_prefix: String,
    target_state: String,
    target_value: Option<f64>,
    target_source: String,
    target_unit: String,
    actual_present: i64,
    actual_key: Option<String>,
    actual_prefix: String,
    actual_state: String,
    actual_value: Option<f64>,
    actual_source: String,
    actual_unit: String,
    effects: String,
}

/// A measure's stored columns: present, key, prefix, state, value, source, unit.
#[allow(clippy::too_many_arguments)]
fn measure_from(
    present: i64,
    key: Option<String>,
    prefix: String,
    state: &str,
    value: Option<f64>,
    source: &str,
    unit: String,
) -> Result<Option<Measure>, StoreError> {
    if present != 1 {
        return Ok(None);
    }
    Ok(Some(Measure { key, prefix, value: figure_from(state, value, source)?, unit }))
}

#[derive(sqlx::FromRow)]
struct BreakdownRow {
    indicator_position: i64,
    key: Option<String>,
    label: String,
    state: String,
    value: Option<f64>,
    source: String,
    unit: String,
    depth: i64,
    note: String,
}

#[derive(sqlx::FromRow)]
struct ChallengeRow {
    position: i64,
    menu_code: i64,
    challenge: String,
    challenge_detail: String,
}

#[derive(sqlx::FromRow)]
struct ActionRow {
    challenge_position: i64,
    marker: String,
    text: String,
    tag: Option<String>,
    note: String,
}

#[derive(sqlx::FromRow)]
struct ScheduleRowRead {
    month: String,
    item: String,
    content: String,
}

/// Loads one sheet, or `NotFound`.
pub async fn load(db: &Db, code: &MunicipalityCode, fiscal_year: FiscalYear) -> Result<StoredSheet, StoreError> {
    let mut conn = db.pool.begin().await?; // a transaction: one snapshot
    if db.backend == Backend::Postgres {
        // One snapshot for all the statements below; SQLite gives that by itself in WAL mode.
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *conn).await?;
    }
    let fy = i64::from(fiscal_year.year());
    let select = format!(
        "SELECT id, {}, revision, updated_at FROM sheet WHERE municipality_code = $1 AND fiscal_year = $2",
        SHEET_COLUMNS.join(", ")
    );
    let row: Option<SheetRow> = sqlx::query_as(&select).bind(code.as_str()).bind(fy).fetch_optional(&mut *conn).await?;
    let head = row.ok_or_else(|| StoreError::NotFound(format!("sheet {code} {}", fiscal_year.year())))?;
    let id = head.id;
    let place: MunicipalityRow = sqlx::query_as("SELECT code, name, prefecture FROM municipality WHERE code = $1")
        .bind(code.as_str())
        .fetch_one(&mut *conn)
        .await?;

    let mut figures = BTreeMap::new();
    let rows: Vec<FigureRow> =
        sqlx::query_as("SELECT key, state, value, source FROM sheet_figure WHERE sheet_id = $1 ORDER BY key")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    for row in rows {
        figures.insert(row.key, figure_from(&row.state, row.value, &row.source)?);
    }

    let history = sqlx::query_as::<_, HistoryRow>(
        "SELECT date, text, record_kind, record_id FROM sheet_history WHERE sheet_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|row| {
        let record = record_from(row.record_kind.as_deref(), row.record_id)?;
        Ok(HistoryEvent { date: date_from(&row.date)?, text: row.text, record })
    })
    .collect::<Result<Vec<_>, StoreError>>()?;

    let indicator_rows: Vec<IndicatorRow> = sqlx::query_as(
        "SELECT position, marker, name,
                target_present, target_key, target_prefix, target_state, target_value, target_source, target_unit,
                actual_present, actual_key, actual_prefix, actual_state, actual_value, actual_source, actual_unit,
                effects
         FROM sheet_indicator WHERE sheet_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let breakdowns: Vec<BreakdownRow> = sqlx::query_as(
        "SELECT indicator_position, key, label, state, value, source, unit, depth, note
         FROM sheet_breakdown WHERE sheet_id = $1 ORDER BY indicator_position, position",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let mut indicators = Vec::new();
    for row in indicator_rows {
        let position = row.position;
        let target = measure_from(
            row.target_present,
            row.target_key,
            row.target_prefix,
            &row.target_state,
            row.target_value,
            &row.target_source,
            row.target_unit,
        )?;
        let actual = measure_from(
            row.actual_present,
            row.actual_key,
            row.actual_prefix,
            &row.actual_state,
            row.actual_value,
            &row.actual_source,
            row.actual_unit,
        )?;
        let (marker, name, effects) = (row.marker, row.name, row.effects);
        let breakdown = breakdowns
            .iter()
            .filter(|row| row.indicator_position == position)
            .map(|row| {
                Ok(BreakdownLine {
                    key: row.key.clone(),
                    label: row.label.clone(),
                    value: figure_from(&row.state, row.value, &row.source)?,
                    unit: row.unit.clone(),
                    depth: narrow(row.depth, "breakdown depth")?,
                    note: row.note.clone(),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        indicators.push(Indicator { marker, name, target, actual, breakdown, effects: list_from(&effects)? });
    }

    let challenges: Vec<ChallengeRow> = sqlx::query_as(
        "SELECT position, menu_code, challenge, challenge_detail FROM sheet_challenge WHERE sheet_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let actions: Vec<ActionRow> = sqlx::query_as(
        "SELECT challenge_position, marker, text, tag, note FROM sheet_action WHERE sheet_id = $1 ORDER BY challenge_position, position",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let mut items = Vec::new();
    for row in challenges {
        let actions = actions
            .iter()
            .filter(|a| a.challenge_position == row.position)
            .map(|a| {
                let tag = match a.tag.as_deref() {
                    None => None,
                    Some(t) => Some(Tag::parse(t).ok_or_else(|| StoreError::Corrupt(format!("action tag {t}")))?),
                };
                Ok(Action { marker: a.marker.clone(), text: a.text.clone(), tag, note: a.note.clone() })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        items.push(ChallengeItem {
            menu_code: narrow(row.menu_code, "menu code")?,
            challenge: row.challenge,
            challenge_detail: row.challenge_detail,
            actions,
        });
    }

    let schedule = sqlx::query_as::<_, ScheduleRowRead>(
        "SELECT month, item, content FROM sheet_schedule WHERE sheet_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|row| {
        Ok(ScheduleRow { month: date_from(&row.month)?, item: row.item, content: row.content, done: Vec::new() })
    })
    .collect::<Result<Vec<_>, StoreError>>()?;

    let municipality = nimo_domain::Municipality {
        code: columns::municipality("municipality.code", &place.code)?,
        name: place.name,
        prefecture: place.prefecture,
    };
    let sheet = Sheet {
        municipality,
        fiscal_year,
        header: Header {
            program_title: head.texts.program_title,
            slogan: head.texts.slogan,
            vision: head.texts.vision,
        },
        basic: BasicData { as_of: date_from(&head.texts.basic_as_of)?, profile: head.texts.profile, figures },
        policy: Policy {
            plans: list_from(&head.texts.policy_plans)?,
            plans_date: head.texts.policy_plans_date.as_deref().map(date_from).transpose()?,
            goal: head.texts.policy_goal,
            measures: list_from(&head.texts.policy_measures)?,
            project_title: head.texts.project_title,
            project_text: head.texts.project_text,
        },
        history,
        outcomes: Outcomes {
            period_label: head.texts.outcomes_period_label,
            target_basis: head.texts.outcomes_target_basis,
            actual_basis: head.texts.outcomes_actual_basis,
            indicators,
        },
        strengths: Strengths {
            strengths: list_from(&head.texts.strengths)?,
            items,
            closing: head.texts.strengths_closing,
        },
        schedule,
        editorial_notes: list_from(&head.texts.editorial_notes)?,
    };
    conn.commit().await?;
    Ok(StoredSheet {
        sheet,
        revision: head.revision,
        updated_at: columns::instant("sheet.updated_at", &head.updated_at)?,
    })
}
