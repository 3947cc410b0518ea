//! Writing a sheet: the sheet row according to the [`SaveMode`], then its child rows replaced.

use super::{SHEET_COLUMNS, SaveMode, SheetColumns, figure_columns, json_list};
use crate::{Record, StoreError};
use nimo_domain::sheet::{Indicator, Measure, Tag};
use nimo_domain::{Figure, Sheet};
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, Transaction};
use std::sync::LazyLock;

impl SheetColumns {
    fn of(sheet: &Sheet) -> Self {
        let (h, b, p, o, s) = (&sheet.header, &sheet.basic, &sheet.policy, &sheet.outcomes, &sheet.strengths);
        Self {
            program_title: h.program_title.clone(),
            slogan: h.slogan.clone(),
            vision: h.vision.clone(),
            basic_as_of: b.as_of.iso(),
            profile: b.profile.clone(),
            policy_plans: json_list(&p.plans),
            policy_plans_date: p.plans_date.map(|d| d.iso()),
            policy_goal: p.goal.clone(),
            policy_measures: json_list(&p.measures),
            project_title: p.project_title.clone(),
            project_text: p.project_text.clone(),
            outcomes_period_label: o.period_label.clone(),
            outcomes_target_basis: o.target_basis.clone(),
            outcomes_actual_basis: o.actual_basis.clone(),
            strengths: json_list(&s.strengths),
            strengths_closing: s.closing.clone(),
            editorial_notes: json_list(&sheet.editorial_notes),
        }
    }

    /// Binds $1 code, $2 fiscal year, $3…$19 the columns (in the order of [`SHEET_COLUMNS`]) and
    /// $20 updated_at.
    fn bind<'q>(
        &'q self,
        sheet: &'q Sheet,
        query: Query<'q, Any, AnyArguments<'q>>,
    ) -> Query<'q, Any, AnyArguments<'q>> {
        query
            .bind(sheet.municipality.code.as_str())
            .bind(i64::from(sheet.fiscal_year.year()))
            .bind(&self.program_title)
            .bind(&self.slogan)
            .bind(&self.vision)
            .bind(&self.basic_as_of)
            .bind(&self.profile)
            .bind(&self.policy_plans)
            .bind(self.policy_plans_date.as_deref())
            .bind(&self.policy_goal)
            .bind(&self.policy_measures)
            .bind(&self.project_title)
            .bind(&self.project_text)
            .bind(&self.outcomes_period_label)
            .bind(&self.outcomes_target_basis)
            .bind(&self.outcomes_actual_basis)
            .bind(&self.strengths)
            .bind(&self.strengths_closing)
            .bind(&self.editorial_notes)
            .bind(now())
    }
}

fn now() -> String {
    time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// `$3`…`$19`, the placeholders of [`SHEET_COLUMNS`] in [`SheetColumns::bind`]'s order.
fn placeholder(index: usize) -> String {
    format!("${}", index + 3)
}

/// A new sheet row: $1 code, $2 fiscal year, the columns, $20 updated_at, revision 1.
static INSERT_NEW: LazyLock<String> = LazyLock::new(|| {
    let values: Vec<String> = (0..SHEET_COLUMNS.len()).map(placeholder).collect();
    format!(
        "INSERT INTO sheet (municipality_code, fiscal_year, {}, updated_at, revision)
         VALUES ($1, $2, {}, $20, 1)",
        SHEET_COLUMNS.join(", "),
        values.join(", ")
    )
});

const CREATE: &str = "ON CONFLICT (municipality_code, fiscal_year) DO NOTHING RETURNING id, revision";

/// An import with replace: every column overwritten, the revision one up.
static REPLACE: LazyLock<String> = LazyLock::new(|| {
    let set: Vec<String> = SHEET_COLUMNS.iter().map(|c| format!("{c} = excluded.{c}")).collect();
    format!(
        "ON CONFLICT (municipality_code, fiscal_year) DO UPDATE SET {}, updated_at = excluded.updated_at,
           revision = sheet.revision + 1
         RETURNING id, revision",
        set.join(", ")
    )
});

/// An edit: the same columns, only at the revision the form was made from ($21).
static UPDATE_AT_REVISION: LazyLock<String> = LazyLock::new(|| {
    let set: Vec<String> = SHEET_COLUMNS.iter().enumerate().map(|(i, c)| format!("{c} = {}", placeholder(i))).collect();
    format!(
        "UPDATE sheet SET {}, updated_at = $20, revision = revision + 1
         WHERE municipality_code = $1 AND fiscal_year = $2 AND revision = $21
         RETURNING id, revision",
        set.join(", ")
    )
});

/// Writes the sheet row as the mode says, then replaces every child row. Returns the revision.
pub(crate) async fn save_in(
    tx: &mut Transaction<'static, Any>,
    sheet: &Sheet,
    mode: SaveMode,
) -> Result<i64, StoreError> {
    crate::municipalities::upsert(&mut **tx, &sheet.municipality).await?;
    let columns = SheetColumns::of(sheet);
    let what = || format!("sheet {} {}", sheet.municipality.code, sheet.fiscal_year.year());
    let (id, revision): (i64, i64) = match mode {
        SaveMode::Create => {
            let sql = format!("{} {CREATE}", *INSERT_NEW);
            let row = columns.bind(sheet, sqlx::query(&sql).persistent(false)).fetch_optional(&mut **tx).await?;
            let row = row.ok_or_else(|| StoreError::SheetExists {
                municipality: sheet.municipality.code.to_string(),
                fiscal_year: sheet.fiscal_year,
            })?;
            id_and_revision(&row)?
        }
        SaveMode::Replace => {
            let sql = format!("{} {}", *INSERT_NEW, *REPLACE);
            let row = columns.bind(sheet, sqlx::query(&sql).persistent(false)).fetch_one(&mut **tx).await?;
            id_and_revision(&row)?
        }
        SaveMode::Update { revision } => {
            let query = columns.bind(sheet, sqlx::query(&UPDATE_AT_REVISION).persistent(false)).bind(revision);
            match query.fetch_optional(&mut **tx).await? {
                Some(row) => id_and_revision(&row)?,
                None => {
                    let exists = super::exists_in(tx, sheet).await?;
                    return Err(if exists {
                        StoreError::StaleRevision(Record::Sheet)
                    } else {
                        StoreError::NotFound(what())
                    });
                }
            }
        }
    };
    replace_children(tx, id, sheet).await?;
    Ok(revision)
}

fn id_and_revision(row: &sqlx::any::AnyRow) -> Result<(i64, i64), StoreError> {
    use sqlx::Row;
    Ok((row.try_get("id")?, row.try_get("revision")?))
}

async fn replace_children(tx: &mut Transaction<'static, Any>, id: i64, sheet: &Sheet) -> Result<(), StoreError> {
    for delete in [
        "DELETE FROM sheet_figure WHERE sheet_id = $1",
        "DELETE FROM sheet_history WHERE sheet_id = $1",
        "DELETE FROM sheet_indicator WHERE sheet_id = $1",
        "DELETE FROM sheet_breakdown WHERE sheet_id = $1",
        "DELETE FROM sheet_challenge WHERE sheet_id = $1",
        "DELETE FROM sheet_action WHERE sheet_id = $1",
        "DELETE FROM sheet_schedule WHERE sheet_id = $1",
    ] {
        sqlx::query(delete).bind(id).execute(&mut **tx).await?;
    }
    let (b, o, s) = (&sheet.basic, &sheet.outcomes, &sheet.strengths);
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
        sqlx::query(
            "INSERT INTO sheet_history (sheet_id, position, date, text, record_kind, record_id)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(i as i64)
        .bind(event.date.iso())
        .bind(&event.text)
        .bind(event.record.map(|r| r.kind.code()))
        .bind(event.record.map(|r| r.id))
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
    Ok(())
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
