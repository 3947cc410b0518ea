//! Section 1's counts from the directory: 一般/特定相談支援事業所, 基幹相談支援センター, 保健所 and
//! 精神科病院 (those whose bed-finder hospital lies in the municipality). Records in operation
//! are counted; a count is made only when the municipality has records of its type (so one that
//! keeps no directory keeps its entered values). `as_of` is the JST date of the latest change
//! to the records counted: the directory has been as counted since that day.
//!
//! 精神科病床数 is not counted: the bed finder's wards keep only their free beds (`ward.free_beds`),
//! not the beds they have, so no honest total can be made from them; the figure stays entered.

use crate::{Db, StoreError};
use nimo_domain::directory::OrgType;
use sqlx::Row;

/// The section-1 keys the directory counts, with the type (and 相談支援 service) behind each.
pub const COUNTED_KEYS: [(&str, OrgType, &str); 5] = [
    ("hokenjo", OrgType::Hokenjo, ""),
    ("soudan_ippan", OrgType::SoudanShien, "ippan"),
    ("soudan_tokutei", OrgType::SoudanShien, "tokutei"),
    ("kikan_soudan_center", OrgType::KikanSoudan, ""),
    ("psych_hospitals", OrgType::PsychHospital, ""),
];

/// What the directory counts for section 1.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirectoryCounts {
    /// (key, count) for each key whose type has records.
    pub values: Vec<(&'static str, i64)>,
    /// The JST date of the latest change to the records counted.
    pub as_of: Option<time::Date>,
}

/// The condition a counted record of a key meets (on `o`, joined to its hospital `h`).
fn condition(key: &str) -> Option<&'static str> {
    Some(match key {
        "hokenjo" => "o.org_type = 'hokenjo'",
        "soudan_ippan" => "o.org_type = 'soudan_shien' AND o.soudan_ippan = 1",
        "soudan_tokutei" => "o.org_type = 'soudan_shien' AND o.soudan_tokutei = 1",
        "kikan_soudan_center" => "o.org_type = 'kikan_soudan'",
        "psych_hospitals" => "o.org_type = 'psych_hospital' AND h.municipality_code = o.municipality_code",
        _ => return None,
    })
}

/// Counts the directory's section-1 figures of a municipality.
pub async fn counts(db: &Db, municipality: &str) -> Result<DirectoryCounts, StoreError> {
    let types: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT org_type FROM directory_org WHERE municipality_code = $1")
            .bind(municipality)
            .fetch_all(&db.pool)
            .await?;
    let mut result = DirectoryCounts::default();
    let mut latest: Option<String> = None;
    for (key, kind, _) in COUNTED_KEYS {
        if !types.iter().any(|t| t == kind.code()) {
            continue;
        }
        let Some(condition) = condition(key) else { continue };
        let row = sqlx::query(&format!(
            "SELECT COUNT(*) AS n, MAX(o.updated_at) AS latest
             FROM directory_org o LEFT JOIN hospital h ON h.id = o.hospital_id
             WHERE o.municipality_code = $1 AND o.active = 1 AND {condition}"
        ))
        .bind(municipality)
        .fetch_one(&db.pool)
        .await?;
        result.values.push((key, row.try_get("n")?));
        let changed: Option<String> = row.try_get("latest")?;
        latest = latest.max(changed);
    }
    result.as_of = latest
        .map(|t| crate::columns::instant("directory_org.updated_at", &t))
        .transpose()?
        .map(|at| at.to_offset(nimo_domain::clocks::JST).date());
    Ok(result)
}

/// The records a count of `key` counts, by reading (an unknown key is `NotFound`).
pub async fn counted(db: &Db, municipality: &str, key: &str) -> Result<Vec<super::Record>, StoreError> {
    let condition = condition(key).ok_or_else(|| StoreError::NotFound(format!("figure {key}")))?;
    let rows: Vec<super::Row> = sqlx::query_as(&format!(
        "{} WHERE o.municipality_code = $1 AND o.active = 1 AND {condition} {}",
        super::SELECT,
        super::ORDER
    ))
    .bind(municipality)
    .fetch_all(&db.pool)
    .await?;
    rows.into_iter().map(super::Record::try_from).collect()
}

/// Whether `key` is a section-1 figure the directory counts.
pub fn is_counted(key: &str) -> bool {
    COUNTED_KEYS.iter().any(|(k, _, _)| *k == key)
}

/// What [`apply_counts`] put into a sheet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirectoryDerivation {
    /// The keys whose values now come from the directory.
    pub derived: Vec<&'static str>,
    /// The JST date of the latest change to the records counted.
    pub as_of: Option<time::Date>,
}

/// Puts the directory's counts into section 1 of a sheet, except for keys in `overridden`.
pub async fn apply_counts(
    db: &Db,
    sheet: &mut nimo_domain::Sheet,
    overridden: &[String],
) -> Result<DirectoryDerivation, StoreError> {
    let counts = counts(db, sheet.municipality.code.as_str()).await?;
    let mut derived = Vec::new();
    for (key, n) in counts.values {
        if overridden.iter().any(|k| k == key) {
            continue;
        }
        let figure = nimo_domain::Figure { value: nimo_domain::Value::Count(n), source: nimo_domain::Source::Derived };
        sheet.basic.figures.insert(key.to_string(), figure);
        derived.push(key);
    }
    Ok(DirectoryDerivation { as_of: counts.as_of.filter(|_| !derived.is_empty()), derived })
}

/// The status of each section-1 figure the directory counts (as the figure page shows it), for
/// a stored (not yet derived) sheet and its recorded overrides.
pub async fn statuses(
    db: &Db,
    sheet: &nimo_domain::Sheet,
    overrides: &[(String, String)],
) -> Result<Vec<crate::cases::figures::FigureStatus>, StoreError> {
    let counts = counts(db, sheet.municipality.code.as_str()).await?;
    Ok(COUNTED_KEYS
        .iter()
        .map(|(key, _, _)| {
            let label = nimo_domain::template::FIGURES.iter().find(|d| d.key == *key);
            crate::cases::figures::FigureStatus {
                key,
                label: label.map_or(key.to_string(), |d| format!("１ 自治体の基礎情報：{}", d.label)),
                counted: counts.values.iter().find(|(k, _)| k == key).map(|(_, n)| *n),
                entered: sheet.basic.figures.get(*key).map(|f| f.display()).unwrap_or_default(),
                reason: overrides.iter().find(|(k, _)| k == key).map(|(_, r)| r.clone()),
            }
        })
        .collect())
}
