//! Saving and loading whole sheets. A save replaces the sheet's rows in one transaction and
//! bumps its revision; a save that names an older revision is refused as a conflict.
//!
//! Statements that may bind a NULL are not cached (`persistent(false)`): through the `Any`
//! driver PostgreSQL types a NULL parameter as int4 and a cached statement then refuses a
//! later float8 or text value in the same place ("incorrect binary data format").

use crate::{Db, StoreError};
use nimo_domain::sheet::{
    Action, BasicData, BreakdownLine, ChallengeItem, Header, HistoryEvent, Indicator, Measure, Outcomes, Policy,
    ScheduleRow, Strengths, Tag,
};
use nimo_domain::{Figure, FiscalYear, MunicipalityCode, PartialDate, Sheet, Source, Value};
use sqlx::{Any, Transaction};
use std::collections::BTreeMap;

/// A sheet as stored, with its revision (for optimistic concurrency) and last change time.
#[derive(Debug, Clone)]
pub struct StoredSheet {
    pub sheet: Sheet,
    pub revision: i64,
    pub updated_at: String,
}

fn figure_columns(figure: &Figure) -> (&'static str, Option<f64>, &'static str) {
    let value = match figure.value {
        Value::YesNo(b) => Some(if b { 1.0 } else { 0.0 }),
        _ => figure.number(),
    };
    let source = match figure.source {
        Source::Entered => "entered",
        Source::Derived => "derived",
    };
    (figure.state_name(), value, source)
}

fn figure_from(state: &str, value: Option<f64>, source: &str) -> Result<Figure, StoreError> {
    let source = match source {
        "entered" => Source::Entered,
        "derived" => Source::Derived,
        other => return Err(StoreError::Corrupt(format!("figure source {other}"))),
    };
    Figure::from_parts(state, value, source).map_err(StoreError::Corrupt)
}

fn date_from(text: &str) -> Result<PartialDate, StoreError> {
    PartialDate::parse(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn json_list(list: &[String]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".into())
}

fn list_from(text: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("text list: {e}")))
}

fn now() -> String {
    time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// Saves a whole sheet (creating its municipality if new). With `expected_revision`, the save
/// only goes through if the stored sheet still has that revision. Returns the new revision.
pub async fn save(db: &Db, sheet: &Sheet, expected_revision: Option<i64>) -> Result<i64, StoreError> {
    let mut tx = db.pool.begin().await?;
    let revision = save_in(&mut tx, sheet, expected_revision).await?;
    tx.commit().await?;
    Ok(revision)
}

/// Saves several sheets in one transaction: all of them or none.
pub async fn save_all(db: &Db, sheets: &[Sheet]) -> Result<(), StoreError> {
    let mut tx = db.pool.begin().await?;
    for sheet in sheets {
        save_in(&mut tx, sheet, None).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn save_in(
    tx: &mut Transaction<'static, Any>,
    sheet: &Sheet,
    expected_revision: Option<i64>,
) -> Result<i64, StoreError> {
    crate::municipalities::upsert(&mut **tx, &sheet.municipality).await?;
    let code = sheet.municipality.code.as_str();
    let fy = i64::from(sheet.fiscal_year.year());
    let current: Option<(i64, i64)> =
        sqlx::query_as("SELECT id, revision FROM sheet WHERE municipality_code = $1 AND fiscal_year = $2")
            .bind(code)
            .bind(fy)
            .fetch_optional(&mut **tx)
            .await?;
    if let (Some(expected), Some((_, stored))) = (expected_revision, current)
        && expected != stored
    {
        return Err(StoreError::Conflict(format!("sheet {code} {fy} is at revision {stored}, not {expected}")));
    }
    let revision = current.map_or(1, |(_, r)| r + 1);
    let (h, b, p, o, s) = (&sheet.header, &sheet.basic, &sheet.policy, &sheet.outcomes, &sheet.strengths);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO sheet (municipality_code, fiscal_year, program_title, slogan, vision, basic_as_of, profile,
            policy_plans, policy_plans_date, policy_goal, policy_measures, project_title, project_text,
            outcomes_period_label, outcomes_target_basis, outcomes_actual_basis, strengths, strengths_closing,
            editorial_notes, revision, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
         ON CONFLICT (municipality_code, fiscal_year) DO UPDATE SET
            program_title = excluded.program_title, slogan = excluded.slogan, vision = excluded.vision,
            basic_as_of = excluded.basic_as_of, profile = excluded.profile, policy_plans = excluded.policy_plans,
            policy_plans_date = excluded.policy_plans_date, policy_goal = excluded.policy_goal,
            policy_measures = excluded.policy_measures, project_title = excluded.project_title,
            project_text = excluded.project_text, outcomes_period_label = excluded.outcomes_period_label,
            outcomes_target_basis = excluded.outcomes_target_basis,
            outcomes_actual_basis = excluded.outcomes_actual_basis, strengths = excluded.strengths,
            strengths_closing = excluded.strengths_closing, editorial_notes = excluded.editorial_notes,
            revision = excluded.revision, updated_at = excluded.updated_at
         RETURNING id",
    )
    .persistent(false)
    .bind(code)
    .bind(fy)
    .bind(&h.program_title)
    .bind(&h.slogan)
    .bind(&h.vision)
    .bind(b.as_of.iso())
    .bind(&b.profile)
    .bind(json_list(&p.plans))
    .bind(p.plans_date.map(|d| d.iso()))
    .bind(&p.goal)
    .bind(json_list(&p.measures))
    .bind(&p.project_title)
    .bind(&p.project_text)
    .bind(&o.period_label)
    .bind(&o.target_basis)
    .bind(&o.actual_basis)
    .bind(json_list(&s.strengths))
    .bind(&s.closing)
    .bind(json_list(&sheet.editorial_notes))
    .bind(revision)
    .bind(now())
    .fetch_one(&mut **tx)
    .await?;

    for table in [
        "sheet_figure",
        "sheet_history",
        "sheet_indicator",
        "sheet_breakdown",
        "sheet_challenge",
        "sheet_action",
        "sheet_schedule",
    ] {
        // The table names come from the fixed list above, never from input.
        sqlx::query(&format!("DELETE FROM {table} WHERE sheet_id = $1")).bind(id).execute(&mut **tx).await?;
    }
    for (key, figure) in &b.figures {
        let (state, value, source) = figure_columns(figure);
        sqlx::query("INSERT INTO sheet_figure (sheet_id, key, state, value, source) VALUES ($1, $2, $3, $4, $5)")
            .persistent(false)
            .bind(id)
            .bind(key)
            .bind(state)
            .bind(value)
            .bind(source)
            .execute(&mut **tx)
            .await?;
    }
    for (i, event) in sheet.history.iter().enumerate() {
        sqlx::query("INSERT INTO sheet_history (sheet_id, position, date, text) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(i as i64)
            .bind(event.date.iso())
            .bind(&event.text)
            .execute(&mut **tx)
            .await?;
    }
    for (i, indicator) in o.indicators.iter().enumerate() {
        save_indicator(tx, id, i as i64, indicator).await?;
    }
    for (i, item) in s.items.iter().enumerate() {
        sqlx::query(
            "INSERT INTO sheet_challenge (sheet_id, position, menu_code, challenge, challenge_detail) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(i as i64)
        .bind(i64::from(item.menu_code))
        .bind(&item.challenge)
        .bind(&item.challenge_detail)
        .execute(&mut **tx)
        .await?;
        for (j, action) in item.actions.iter().enumerate() {
            let tag = action.tag.map(|t| match t {
                Tag::New => "new",
                Tag::Expanded => "expanded",
            });
            sqlx::query(
                "INSERT INTO sheet_action (sheet_id, challenge_position, position, marker, text, tag, note)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .persistent(false)
            .bind(id)
            .bind(i as i64)
            .bind(j as i64)
            .bind(&action.marker)
            .bind(&action.text)
            .bind(tag)
            .bind(&action.note)
            .execute(&mut **tx)
            .await?;
        }
    }
    for (i, row) in sheet.schedule.iter().enumerate() {
        sqlx::query(
            "INSERT INTO sheet_schedule (sheet_id, position, month, item, content) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(i as i64)
        .bind(row.month.iso())
        .bind(&row.item)
        .bind(&row.content)
        .execute(&mut **tx)
        .await?;
    }
    Ok(revision)
}

async fn save_indicator(
    tx: &mut Transaction<'static, Any>,
    id: i64,
    position: i64,
    indicator: &Indicator,
) -> Result<(), StoreError> {
    let absent = Measure { key: None, prefix: String::new(), value: Figure::unknown(), unit: String::new() };
    let target = indicator.target.as_ref().unwrap_or(&absent);
    let actual = indicator.actual.as_ref().unwrap_or(&absent);
    let (ts, tv, tsrc) = figure_columns(&target.value);
    let (as_, av, asrc) = figure_columns(&actual.value);
    sqlx::query(
        "INSERT INTO sheet_indicator (sheet_id, position, marker, name,
            target_present, target_key, target_prefix, target_state, target_value, target_source, target_unit,
            actual_present, actual_key, actual_prefix, actual_state, actual_value, actual_source, actual_unit, effects)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
    )
    .persistent(false)
    .bind(id)
    .bind(position)
    .bind(&indicator.marker)
    .bind(&indicator.name)
    .bind(i64::from(indicator.target.is_some()))
    .bind(target.key.as_deref())
    .bind(&target.prefix)
    .bind(ts)
    .bind(tv)
    .bind(tsrc)
    .bind(&target.unit)
    .bind(i64::from(indicator.actual.is_some()))
    .bind(actual.key.as_deref())
    .bind(&actual.prefix)
    .bind(as_)
    .bind(av)
    .bind(asrc)
    .bind(&actual.unit)
    .bind(json_list(&indicator.effects))
    .execute(&mut **tx)
    .await?;
    for (j, line) in indicator.breakdown.iter().enumerate() {
        let (state, value, source) = figure_columns(&line.value);
        sqlx::query(
            "INSERT INTO sheet_breakdown (sheet_id, indicator_position, position, key, label, state, value, source, unit, depth, note)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
    .persistent(false)
        .bind(id)
        .bind(position)
        .bind(j as i64)
        .bind(line.key.as_deref())
        .bind(&line.label)
        .bind(state)
        .bind(value)
        .bind(source)
        .bind(&line.unit)
        .bind(i64::from(line.depth))
        .bind(&line.note)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

type SheetRow =
    (i64, String, String, String, String, String, String, String, Option<String>, String, String, String, String);
type SheetRow2 = (String, String, String, String, String, i64, String);
type IndicatorRow = (i64, String, String, i64, Option<String>, String, String, Option<f64>, String, String);
type ActualRow = (i64, Option<String>, String, String, Option<f64>, String, String, String);
type BreakdownRow = (i64, Option<String>, String, String, Option<f64>, String, String, i64, String);

/// Loads one sheet, or `NotFound`.
pub async fn load(db: &Db, code: &MunicipalityCode, fiscal_year: FiscalYear) -> Result<StoredSheet, StoreError> {
    let mut conn = db.pool.acquire().await?;
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

    let targets: Vec<IndicatorRow> = sqlx::query_as(
        "SELECT position, marker, name, target_present, target_key, target_prefix, target_state, target_value, target_source, target_unit
         FROM sheet_indicator WHERE sheet_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let actuals: Vec<ActualRow> = sqlx::query_as(
        "SELECT actual_present, actual_key, actual_prefix, actual_state, actual_value, actual_source, actual_unit, effects
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
    for (t, a) in targets.into_iter().zip(actuals) {
        let (position, marker, name, t_present, t_key, t_prefix, t_state, t_value, t_source, t_unit) = t;
        let (a_present, a_key, a_prefix, a_state, a_value, a_source, a_unit, effects) = a;
        let target = (t_present == 1)
            .then(|| {
                Ok::<_, StoreError>(Measure {
                    key: t_key,
                    prefix: t_prefix,
                    value: figure_from(&t_state, t_value, &t_source)?,
                    unit: t_unit,
                })
            })
            .transpose()?;
        let actual = (a_present == 1)
            .then(|| {
                Ok::<_, StoreError>(Measure {
                    key: a_key,
                    prefix: a_prefix,
                    value: figure_from(&a_state, a_value, &a_source)?,
                    unit: a_unit,
                })
            })
            .transpose()?;
        let breakdown = breakdowns
            .iter()
            .filter(|row| row.0 == position)
            .map(|(_, key, label, state, value, source, unit, depth, note)| {
                Ok(BreakdownLine {
                    key: key.clone(),
                    label: label.clone(),
                    value: figure_from(state, *value, source)?,
                    unit: unit.clone(),
                    depth: u8::try_from(*depth).unwrap_or(0),
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
        items.push(ChallengeItem {
            menu_code: u32::try_from(menu_code).unwrap_or(0),
            challenge,
            challenge_detail,
            actions,
        });
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
    Ok(StoredSheet { sheet, revision, updated_at })
}

/// Whether a sheet exists.
pub async fn exists(db: &Db, code: &MunicipalityCode, fiscal_year: FiscalYear) -> Result<bool, StoreError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sheet WHERE municipality_code = $1 AND fiscal_year = $2")
        .bind(code.as_str())
        .bind(i64::from(fiscal_year.year()))
        .fetch_one(&db.pool)
        .await?;
    Ok(n > 0)
}
