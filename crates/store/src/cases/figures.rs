//! The section-4 counts derived from case records, and the recorded reasons for entered values
//! that override them.
//!
//! Definitions (for the records' fiscal year, 1 April – 31 March):
//! - `report23.in_area`: 23条通報 received by the municipality (by received date): reports under
//!   法23条 only, not 22条 applications or the other articles' reports;
//! - `report23.residents`: of those, reports about 区民 (the resident flag at intake);
//! - `.sochi`, `.iryo_hogo`, `.no_admission`: of the residents, those whose current
//!   disposition is 措置入院 (a 緊急措置 followed by 措置 counts, a 緊急措置 alone does not),
//!   医療保護入院, or examined with 入院なし (a decision that no exam is needed is not counted);
//! - `discharge_support.plans`: plans of 措置入院者 (② 措置入院者退院後支援) whose support
//!   period started in the year: plans that follow a case whose disposition is 措置入院 (a
//!   緊急措置 followed by 措置 counts; a plan for another admission does not);
//! - `outreach.visits.doctor` / `.psw`: the seed's ③ 「医師等による訪問」 and 「精神保健福祉士による
//!   訪問」: visits (訪問; a 電話 is counted apart, `Section4Counts::calls`) in the year in which a
//!   医師 / 精神保健福祉士 took part; a team visit is one visit, counted once in each line of a
//!   profession it had. Whether 「医師等」 covers more than 医師 is not known (要確認): 医師 only.
//!
//! - `kyogi_no_ba.meetings` (① 協議の場 開催回数): meetings held in the year (by held date's
//!   fiscal year; status 開催済み, 書面開催 included, 中止 and 予定 not) of the municipality's
//!   bodies of kind 協議の場 (its 部会 and 連絡会 are not counted);
//!
//! Each group is derived only when records of its kind exist for the year (`None` otherwise),
//! so a municipality that does not keep its cases in nimo keeps its entered values.

use crate::columns;
use crate::{Db, StoreError};
use nimo_domain::FiscalYear;
use nimo_domain::cases::{Report23Counts, Section4Counts};
use sqlx::Row;

mod overrides;
pub use overrides::{clear_override, override_figure, overrides, set_override};

/// Counts the section-4 figures of one municipality's records of one fiscal year.
pub async fn section4_counts(db: &Db, municipality: &str, fy: FiscalYear) -> Result<Section4Counts, StoreError> {
    let year = i64::from(fy.year());
    let row = sqlx::query(
        "SELECT COUNT(*) AS in_area,
             COUNT(CASE WHEN resident = 1 THEN 1 END) AS residents,
             COUNT(CASE WHEN resident = 1 AND disposition = 'sochi' THEN 1 END) AS sochi,
             COUNT(CASE WHEN resident = 1 AND disposition = 'iryo_hogo' THEN 1 END) AS iryo_hogo,
             COUNT(CASE WHEN resident = 1 AND disposition = 'no_admission' THEN 1 END) AS no_admission
         FROM report23 WHERE municipality_code = $1 AND fiscal_year = $2 AND article = '23'",
    )
    .bind(municipality)
    .bind(year)
    .fetch_one(&db.pool)
    .await?;
    let in_area: i64 = row.try_get("in_area")?;
    let report23 = (in_area > 0)
        .then(|| -> Result<Report23Counts, StoreError> {
            Ok(Report23Counts {
                in_area,
                residents: row.try_get("residents")?,
                sochi: row.try_get("sochi")?,
                iryo_hogo: row.try_get("iryo_hogo")?,
                no_admission: row.try_get("no_admission")?,
            })
        })
        .transpose()?;
    let plans: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM discharge_plan p WHERE p.municipality_code = $1 AND p.fiscal_year = $2 AND {SOCHI_PLAN}"
    ))
    .bind(municipality)
    .bind(year)
    .fetch_one(&db.pool)
    .await?;
    let calls: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM outreach_visit WHERE municipality_code = $1 AND fiscal_year = $2 AND method = 'phone'",
    )
    .bind(municipality)
    .bind(year)
    .fetch_one(&db.pool)
    .await?;
    let rows = sqlx::query(
        "SELECT t.profession, COUNT(DISTINCT v.id) AS n
         FROM outreach_visit v JOIN outreach_visit_profession t ON t.visit_id = v.id
         WHERE v.municipality_code = $1 AND v.fiscal_year = $2 AND v.method <> 'phone'
         GROUP BY t.profession ORDER BY t.profession",
    )
    .bind(municipality)
    .bind(year)
    .fetch_all(&db.pool)
    .await?;
    let visits = rows
        .iter()
        .map(|r| Ok((r.try_get::<String, _>("profession")?, r.try_get::<i64, _>("n")?)))
        .collect::<Result<Vec<_>, StoreError>>()?;
    let council = sqlx::query(
        "SELECT COUNT(*) AS recorded, COUNT(CASE WHEN m.status = 'held' THEN 1 END) AS held
         FROM council_meeting m JOIN council_body b ON b.id = m.body_id
         WHERE m.municipality_code = $1 AND m.fiscal_year = $2 AND b.kind = 'kyogi_no_ba'",
    )
    .bind(municipality)
    .bind(year)
    .fetch_one(&db.pool)
    .await?;
    let recorded: i64 = council.try_get("recorded")?;
    Ok(Section4Counts {
        council_meetings: if recorded > 0 { Some(council.try_get("held")?) } else { None },
        records_fy: Some(fy),
        report23,
        plans_started: (plans > 0).then_some(plans),
        visits: (!visits.is_empty()).then_some(visits),
        calls,
    })
}

/// The condition on a plan `p` that it is a 措置入院者's: it follows a case whose disposition is
/// 措置入院.
const SOCHI_PLAN: &str = "EXISTS (SELECT 1 FROM report23 r WHERE r.id = p.case_id AND r.disposition = 'sochi')";

/// One record a derived figure counts, for the list behind the figure's link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    /// `case`, `plan`, `visit` or `meeting`.
    pub kind: &'static str,
    /// The record's id.
    pub id: i64,
    /// The person it concerns (none for a report whose person is unknown).
    pub person_id: Option<i64>,
    /// The date it is counted by (received, support start, visit).
    pub on: time::Date,
    /// Its 地区.
    pub district: String,
    /// A code that says more: the disposition, or the profession; empty otherwise.
    pub code: String,
}

/// The records a derived figure counts, oldest first, and how many there are in all. With a
/// 地区, only that 地区's records are listed (the total still counts every 地区, so that the page
/// can say how many it does not show). An unknown key is `NotFound`.
pub async fn counted_records(
    db: &Db,
    municipality: &str,
    fy: FiscalYear,
    key: &str,
    district: Option<&str>,
) -> Result<(Vec<Counted>, i64), StoreError> {
    let (kind, select) = match key {
        "report23.in_area"
        | "report23.residents"
        | "report23.residents.sochi"
        | "report23.residents.iryo_hogo"
        | "report23.residents.no_admission" => {
            let condition = match key {
                "report23.residents" => " AND resident = 1",
                "report23.residents.sochi" => " AND resident = 1 AND disposition = 'sochi'",
                "report23.residents.iryo_hogo" => " AND resident = 1 AND disposition = 'iryo_hogo'",
                "report23.residents.no_admission" => " AND resident = 1 AND disposition = 'no_admission'",
                _ => "",
            };
            (
                "case",
                format!(
                    "SELECT id, person_id, received_on AS counted_on, district, COALESCE(disposition, '') AS code
                     FROM report23 WHERE municipality_code = $1 AND fiscal_year = $2 AND article = '23'{condition}"
                ),
            )
        }
        "discharge_support.plans" => (
            "plan",
            format!(
                "SELECT p.id, p.person_id, p.started_on AS counted_on, p.district, '' AS code
                 FROM discharge_plan p WHERE p.municipality_code = $1 AND p.fiscal_year = $2 AND {SOCHI_PLAN}"
            ),
        ),
        "outreach.visits.doctor" | "outreach.visits.psw" => {
            let profession = if key.ends_with("doctor") { "doctor" } else { "psw" };
            (
                "visit",
                format!(
                    "SELECT v.id, v.person_id, v.visited_on AS counted_on, v.district, t.profession AS code
                     FROM outreach_visit v JOIN outreach_visit_profession t ON t.visit_id = v.id
                     WHERE v.municipality_code = $1 AND v.fiscal_year = $2 AND v.method <> 'phone'
                       AND t.profession = '{profession}'"
                ),
            )
        }
        "kyogi_no_ba.meetings" => (
            "meeting",
            "SELECT m.id, CAST(NULL AS BIGINT) AS person_id, m.held_on AS counted_on, '' AS district, m.format AS code
             FROM council_meeting m JOIN council_body b ON b.id = m.body_id
             WHERE m.municipality_code = $1 AND m.fiscal_year = $2 AND b.kind = 'kyogi_no_ba' AND m.status = 'held'"
                .to_string(),
        ),
        _ => return Err(StoreError::NotFound(format!("figure {key}"))),
    };
    #[derive(sqlx::FromRow)]
    struct CountedRow {
        id: i64,
        person_id: Option<i64>,
        counted_on: String,
        district: String,
        code: String,
    }
    let rows: Vec<CountedRow> = sqlx::query_as(&format!("{select} ORDER BY counted_on, id"))
        .bind(municipality)
        .bind(i64::from(fy.year()))
        .fetch_all(&db.pool)
        .await?;
    let total = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    let date_column = match kind {
        "case" => "report23.received_on",
        "plan" => "discharge_plan.started_on",
        "meeting" => "council_meeting.held_on",
        _ => "outreach_visit.visited_on",
    };
    let mut listed = Vec::new();
    for row in rows {
        if district.is_some_and(|own| own != row.district) {
            continue;
        }
        listed.push(Counted {
            kind,
            id: row.id,
            person_id: row.person_id,
            on: columns::date(date_column, &row.counted_on)?,
            district: row.district,
            code: row.code,
        });
    }
    Ok((listed, total))
}

/// What [`apply`] did to a sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Derivation {
    /// The fiscal year of the records counted (the year before the sheet's).
    pub records_fy: FiscalYear,
    /// The keys whose values were derived.
    pub derived: Vec<&'static str>,
    /// Entered values kept over derived ones: (key, reason).
    pub overrides: Vec<(String, String)>,
    /// Section 1's counts from the resource directory (`crate::directory::apply_counts`).
    pub directory: crate::directory::DirectoryDerivation,
}

/// Puts the section-4 counts derived from the records, and section 1's counts from the resource
/// directory, into a sheet (as shown, exported or printed: every way out of nimo goes through
/// here), except for figures with a recorded override.
pub async fn apply(db: &Db, sheet: &mut nimo_domain::Sheet) -> Result<Derivation, StoreError> {
    let code = sheet.municipality.code.as_str().to_string();
    let records_fy = nimo_domain::cases::outcomes_fiscal_year(sheet.fiscal_year);
    let counts = section4_counts(db, &code, records_fy).await?;
    let overrides = overrides(db, &code, sheet.fiscal_year).await?;
    let keys: Vec<String> = overrides.iter().map(|(k, _)| k.clone()).collect();
    let derived = nimo_domain::cases::apply_derived(sheet, &counts, &keys);
    let directory = crate::directory::apply_counts(db, sheet, &keys).await?;
    Ok(Derivation { records_fy, derived, overrides, directory })
}

/// One derivable figure of a sheet as it stands: what the sheet calls it, the value counted from
/// the records (`None` when the records' year has none of that kind), the value entered on the
/// sheet (as printed, empty when unknown), and the reason when the entered one is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FigureStatus {
    /// The metric key.
    pub key: &'static str,
    /// The sheet's label for it (`nimo_domain::cases::figure_label`).
    pub label: String,
    /// Counted from the records of `outcomes_fiscal_year(sheet year)`.
    pub counted: Option<i64>,
    /// Entered on the sheet.
    pub entered: String,
    /// Why the entered value is kept over the counted one, if it is.
    pub reason: Option<String>,
}

/// The status of every derivable figure the stored (not yet derived) sheet has, in form order:
/// what the figure page and `nimo sheet figures` show.
pub async fn statuses(db: &Db, sheet: &nimo_domain::Sheet) -> Result<Vec<FigureStatus>, StoreError> {
    let code = sheet.municipality.code.as_str();
    let counts = section4_counts(db, code, nimo_domain::cases::outcomes_fiscal_year(sheet.fiscal_year)).await?;
    let counted = nimo_domain::cases::derived_values(&counts);
    let overrides = overrides(db, code, sheet.fiscal_year).await?;
    let directory = crate::directory::statuses(db, sheet, &overrides).await?;
    Ok(nimo_domain::cases::DERIVED_KEYS
        .iter()
        .filter_map(|key| {
            Some(FigureStatus {
                key,
                label: nimo_domain::cases::figure_label(sheet, key)?,
                counted: counted.iter().find(|(k, _)| k == key).map(|(_, n)| *n),
                entered: nimo_domain::cases::figure_of(sheet, key).map(|f| f.display()).unwrap_or_default(),
                reason: overrides.iter().find(|(k, _)| k == key).map(|(_, r)| r.clone()),
            })
        })
        .chain(directory)
        .collect())
}
