//! Reading a sheet back: every query in one read-only transaction, so that a concurrent save
//! is seen whole or not at all (REPEATABLE READ on PostgreSQL; SQLite's WAL snapshot).

use super::{StoredSheet, date_from, figure_from, list_from, narrow};
use crate::{Backend, Db, StoreError};
use nimo_domain::sheet::{
    Action, BasicData, BreakdownLine, ChallengeItem, Header, HistoryEvent, Indicator, Measure, Outcomes, Policy,
    ScheduleRow, Strengths, Tag,
};
use nimo_domain::{FiscalYear, MunicipalityCode, Sheet};
use sqlx::Row;
use std::collections::BTreeMap;

type SheetRow =
    (i64, String, String, String, String, String, String, String, Option<String>, String, String, String, String);
type SheetRow2 = (String, String, String, String, String, i64, String);
type BreakdownRow = (i64, Option<String>, String, String, Option<f64>, String, String, i64, String);

/// Loads one sheet, or `NotFound`.
pub async fn load(db: &Db, code: &MunicipalityCode, fiscal_year: FiscalYear) -> Result<StoredSheet, StoreError> {
    let mut conn = db.pool.begin().await?; // a transaction: one snapshot
    if db.backend == Backend::Postgres {
        // One snapshot for all the statements below; SQLite gives that by itself in WAL mode.
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *conn).await?;
    }
    let fy = i64::from(fiscal_year.year());
    let row: Option<SheetRow> = sqlx::query_as(
        "SELECT id, program_title, slogan, vision, basic_as_of, profile, policy_plans, policy_goal, policy_plans_date,
                policy_measures, project_title, project_text, outcomes_period_label
         FROM sheet WHERE municipality_code = $1 AND fiscal_year = $2",
    )
    .bind(code.as_str())
    .bind(fy)
    .fetch_optional(&mut *conn)
    .await?;
    let (
        id,
        program_title,
        slogan,
        vision,
        as_of,
        profile,
        plans,
        goal,
        plans_date,
        measures,
        project_title,
        project_text,
        period_label,
    ) = row.ok_or_else(|| StoreError::NotFound(format!("sheet {code} {}", fiscal_year.year())))?;
    let (target_basis, actual_basis, strengths, closing, notes, revision, updated_at): SheetRow2 = sqlx::query_as(
        "SELECT outcomes_target_basis, outcomes_actual_basis, strengths, strengths_closing, editorial_notes,
                revision, updated_at FROM sheet WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    let (mcode, name, prefecture): (String, String, String) =
        sqlx::query_as("SELECT code, name, prefecture FROM municipality WHERE code = $1")
            .bind(code.as_str())
            .fetch_one(&mut *conn)
            .await?;

    let mut figures = BTreeMap::new();
    let rows: Vec<(String, String, Option<f64>, String)> =
        sqlx::query_as("SELECT key, state, value, source FROM sheet_figure WHERE sheet_id = $1 ORDER BY key")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    for (key, state, value, source) in rows {
        figures.insert(key, figure_from(&state, value, &source)?);
    }

    let history = sqlx::query_as::<_, (String, String)>(
        "SELECT date, text FROM sheet_history WHERE sheet_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|(date, text)| Ok(HistoryEvent { date: date_from(&date)?, text }))
    .collect::<Result<Vec<_>, StoreError>>()?;

    let indicator_rows = sqlx::query(
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
        let position: i64 = row.try_get(0)?;
        // A measure's seven columns start at `first`: present, key, prefix, state, value, source, unit.
        let measure = |first: usize| -> Result<Option<Measure>, StoreError> {
            if row.try_get::<i64, _>(first)? != 1 {
                return Ok(None);
            }
            let state: String = row.try_get(first + 3)?;
            let source: String = row.try_get(first + 5)?;
            Ok(Some(Measure {
                key: row.try_get(first + 1)?,
                prefix: row.try_get(first + 2)?,
                value: figure_from(&state, row.try_get(first + 4)?, &source)?,
                unit: row.try_get(first + 6)?,
            }))
        };
        let target = measure(3)?;
        let actual = measure(10)?;
        let effects: String = row.try_get(17)?;
        let (marker, name): (String, String) = (row.try_get(1)?, row.try_get(2)?);
        let breakdown = breakdowns
            .iter()
            .filter(|row| row.0 == position)
            .map(|(_, key, label, state, value, source, unit, depth, note)| {
                Ok(BreakdownLine {
                    key: key.clone(),
                    label: label.clone(),
                    value: figure_from(state, *value, source)?,
                    unit: unit.clone(),
                    depth: narrow(*depth, "breakdown depth")?,
                    note: note.clone(),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        indicators.push(Indicator { marker, name, target, actual, breakdown, effects: list_from(&effects)? });
    }

    let challenges: Vec<(i64, i64, String, String)> = sqlx::query_as(
        "SELECT position, menu_code, challenge, challenge_detail FROM sheet_challenge WHERE sheet_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let actions: Vec<(i64, String, String, Option<String>, String)> = sqlx::query_as(
        "SELECT challenge_position, marker, text, tag, note FROM sheet_action WHERE sheet_id = $1 ORDER BY challenge_position, position",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let mut items = Vec::new();
    for (position, menu_code, challenge, challenge_detail) in challenges {
        let actions = actions
            .iter()
            .filter(|a| a.0 == position)
            .map(|(_, marker, text, tag, note)| {
                let tag = match tag.as_deref() {
                    None => None,
                    Some(t) => Some(Tag::parse(t).ok_or_else(|| StoreError::Corrupt(format!("action tag {t}")))?),
                };
                Ok(Action { marker: marker.clone(), text: text.clone(), tag, note: note.clone() })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        items.push(ChallengeItem { menu_code: narrow(menu_code, "menu code")?, challenge, challenge_detail, actions });
    }

    let schedule = sqlx::query_as::<_, (String, String, String)>(
        "SELECT month, item, content FROM sheet_schedule WHERE sheet_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|(month, item, content)| Ok(ScheduleRow { month: date_from(&month)?, item, content }))
    .collect::<Result<Vec<_>, StoreError>>()?;

    let municipality = nimo_domain::Municipality {
        code: MunicipalityCode::parse(&mcode).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        name,
        prefecture,
    };
    let sheet = Sheet {
        municipality,
        fiscal_year,
        header: Header { program_title, slogan, vision },
        basic: BasicData { as_of: date_from(&as_of)?, profile, figures },
        policy: Policy {
            plans: list_from(&plans)?,
            plans_date: plans_date.as_deref().map(date_from).transpose()?,
            goal,
            measures: list_from(&measures)?,
            project_title,
            project_text,
        },
        history,
        outcomes: Outcomes { period_label, target_basis, actual_basis, indicators },
        strengths: Strengths { strengths: list_from(&strengths)?, items, closing },
        schedule,
        editorial_notes: list_from(&notes)?,
    };
    conn.commit().await?;
    Ok(StoredSheet { sheet, revision, updated_at })
}
