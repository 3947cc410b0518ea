//! Writes to the directory: one record (new or edited) or a whole import, each in one
//! transaction with its audit row. An import is all-or-nothing: every record is checked (its
//! fields, ids and names repeated in the batch or already in the municipality, the bed finder's
//! hospital) before anything is written, and one refusal refuses the batch.

use crate::audit::{AuditEvent, append_in, timestamp};
use crate::{Db, StoreError};
use nimo_domain::directory::{Organisation, search_key};
use sqlx::{Any, Row, Transaction};
use std::collections::{HashMap, HashSet};
use time::OffsetDateTime;

/// Why a record of a write is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    /// A field's value (the domain's reason, in Japanese).
    Invalid(String),
    /// The same id or name (of the same type), or the same hospital, as an earlier record of
    /// the batch (its position, from 0).
    RepeatedInBatch {
        /// The earlier record.
        first: usize,
    },
    /// The id, the name of this type or the hospital is already in the municipality's directory.
    TakenInDirectory,
    /// The hospital is not in the bed finder.
    UnknownHospital,
}

/// A refused record: its position in the batch (from 0; a single write is 0), the field, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The record's position in the batch.
    pub position: usize,
    /// The field (`id`, `name`, `hospital_id` or a domain field code).
    pub field: &'static str,
    /// Why.
    pub conflict: Conflict,
}

/// Adds one organisation; its id.
pub async fn create(db: &Db, municipality: &str, org: &Organisation, audit: AuditEvent) -> Result<i64, StoreError> {
    let mut tx = db.pool.begin().await?;
    let ids = insert_all_in(&mut tx, municipality, std::slice::from_ref(org)).await?;
    let id = ids.first().copied().ok_or_else(|| StoreError::NotFound("directory_org".into()))?;
    append_in(&mut tx, &audit.with_record("directory_org", id.to_string()).with_detail("create")).await?;
    tx.commit().await?;
    Ok(id)
}

/// Adds every organisation of an import, or none; how many were added.
pub async fn import(
    db: &Db,
    municipality: &str,
    orgs: &[Organisation],
    audit: AuditEvent,
) -> Result<usize, StoreError> {
    let mut tx = db.pool.begin().await?;
    let ids = insert_all_in(&mut tx, municipality, orgs).await?;
    let detail = format!("import:{}", ids.len());
    append_in(&mut tx, &audit.with_record("directory", municipality.to_string()).with_detail(detail)).await?;
    tx.commit().await?;
    Ok(ids.len())
}

/// Replaces a record whose revision is still `revision`; the next revision. A stale revision
/// is `StaleRevision` and changes nothing.
pub async fn update(
    db: &Db,
    municipality: &str,
    id: i64,
    revision: i64,
    org: &Organisation,
    audit: AuditEvent,
) -> Result<i64, StoreError> {
    let mut tx = db.pool.begin().await?;
    let refusals = check_in(&mut tx, municipality, std::slice::from_ref(org), Some(id)).await?;
    if !refusals.is_empty() {
        return Err(StoreError::Directory(refusals));
    }
    let search_name = search_name_in(&mut tx, org).await?;
    let now = timestamp(OffsetDateTime::now_utc());
    let sql = format!(
        "UPDATE directory_org SET {}, search_name = $25, search_kana = $26, revision = revision + 1,
             updated_at = $27
         WHERE municipality_code = $1 AND id = $28 AND revision = $29",
        COLUMNS.iter().enumerate().skip(1).map(|(i, c)| format!("{c} = ${}", i + 1)).collect::<Vec<_>>().join(", ")
    );
    let done = bind(sqlx::query(&sql).persistent(false), municipality, org)
        .bind(search_name)
        .bind(search_key(&org.name_kana))
        .bind(&now)
        .bind(id)
        .bind(revision)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(match super::get(db, municipality, id).await {
            Ok(_) => StoreError::StaleRevision(crate::error::Record::Directory),
            Err(e) => e,
        });
    }
    append_in(&mut tx, &audit.with_record("directory_org", id.to_string()).with_detail("update")).await?;
    tx.commit().await?;
    Ok(revision + 1)
}

/// The columns written, in bind order ($1 … $24); search_name and search_kana follow.
const COLUMNS: [&str; 24] = [
    "municipality_code",
    "ref",
    "org_type",
    "name",
    "name_kana",
    "hospital_id",
    "ishikai",
    "shikaishikai",
    "yakuzaishikai",
    "soudan_ippan",
    "soudan_tokutei",
    "specialties",
    "description",
    "address",
    "phone",
    "fax",
    "email",
    "url",
    "area",
    "capacity",
    "hours",
    "latitude",
    "longitude",
    "active",
];

type Query<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>;

fn bind<'q>(query: Query<'q>, municipality: &str, org: &Organisation) -> Query<'q> {
    let flag = |on: bool| i64::from(on);
    let specialties: Vec<&str> = org.specialties.iter().map(|s| s.code()).collect();
    query
        .bind(municipality.to_string())
        .bind(org.reference.clone())
        .bind(org.org_type.code())
        .bind(org.hospital_id.is_none().then(|| org.name.trim().to_string()))
        .bind(org.name_kana.trim().to_string())
        .bind(org.hospital_id.clone())
        .bind(flag(org.memberships.ishikai))
        .bind(flag(org.memberships.shikaishikai))
        .bind(flag(org.memberships.yakuzaishikai))
        .bind(flag(org.soudan_ippan))
        .bind(flag(org.soudan_tokutei))
        .bind(specialties.join(","))
        .bind(org.description.clone())
        .bind(org.address.clone())
        .bind(org.phone.clone())
        .bind(org.fax.clone())
        .bind(org.email.clone())
        .bind(org.url.clone())
        .bind(org.area.trim().to_string())
        .bind(org.capacity)
        .bind(org.hours.clone())
        .bind(org.coordinates.map(|c| c.0))
        .bind(org.coordinates.map(|c| c.1))
        .bind(flag(org.active))
}

async fn insert_all_in(
    tx: &mut Transaction<'static, Any>,
    municipality: &str,
    orgs: &[Organisation],
) -> Result<Vec<i64>, StoreError> {
    let refusals = check_in(tx, municipality, orgs, None).await?;
    if !refusals.is_empty() {
        return Err(StoreError::Directory(refusals));
    }
    let now = timestamp(OffsetDateTime::now_utc());
    let sql = format!(
        "INSERT INTO directory_org ({}, search_name, search_kana, created_at, updated_at)
         VALUES ({}, $25, $26, $27, $27) RETURNING id",
        COLUMNS.join(", "),
        (1..=24).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
    );
    let mut ids = Vec::with_capacity(orgs.len());
    for org in orgs {
        let search_name = search_name_in(tx, org).await?;
        let query = bind(sqlx::query(&sql).persistent(false), municipality, org)
            .bind(search_name)
            .bind(search_key(&org.name_kana))
            .bind(&now);
        ids.push(query.fetch_one(&mut **tx).await?.try_get("id")?);
    }
    Ok(ids)
}

/// The name's search key: the hospital's name for a 精神科病院, its own otherwise.
async fn search_name_in(tx: &mut Transaction<'static, Any>, org: &Organisation) -> Result<String, StoreError> {
    let Some(hospital) = &org.hospital_id else { return Ok(search_key(&org.name)) };
    let name: Option<String> =
        sqlx::query_scalar("SELECT name FROM hospital WHERE id = $1").bind(hospital).fetch_optional(&mut **tx).await?;
    Ok(search_key(&name.unwrap_or_default()))
}

/// Every refusal of a batch (empty when it may be written); `except` is the record being edited.
async fn check_in(
    tx: &mut Transaction<'static, Any>,
    municipality: &str,
    orgs: &[Organisation],
    except: Option<i64>,
) -> Result<Vec<Refusal>, StoreError> {
    let mut refusals = Vec::new();
    let existing: Vec<(i64, String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT id, ref, org_type, search_name, hospital_id FROM directory_org WHERE municipality_code = $1",
    )
    .bind(municipality)
    .fetch_all(&mut **tx)
    .await?;
    let existing: Vec<_> = existing.into_iter().filter(|e| Some(e.0) != except).collect();
    let taken_refs: HashSet<&str> = existing.iter().map(|e| e.1.as_str()).collect();
    let taken_names: HashSet<(&str, &str)> =
        existing.iter().filter(|e| e.4.is_none()).map(|e| (e.2.as_str(), e.3.as_str())).collect();
    let taken_hospitals: HashSet<&str> = existing.iter().filter_map(|e| e.4.as_deref()).collect();
    let known_hospitals: Vec<String> = sqlx::query_scalar("SELECT id FROM hospital").fetch_all(&mut **tx).await?;
    // The first record of the batch with each id, type and name, and hospital.
    let (mut first_ref, mut first_name, mut first_hospital) = (HashMap::new(), HashMap::new(), HashMap::new());
    for (position, org) in orgs.iter().enumerate() {
        let mut refuse = |field: &'static str, conflict: Conflict| refusals.push(Refusal { position, field, conflict });
        for problem in org.problems() {
            refuse(problem.field, Conflict::Invalid(problem.reason));
        }
        if let Some(first) = first_ref.get(org.reference.as_str()) {
            refuse("id", Conflict::RepeatedInBatch { first: *first });
        } else if taken_refs.contains(org.reference.as_str()) {
            refuse("id", Conflict::TakenInDirectory);
        }
        first_ref.entry(org.reference.as_str()).or_insert(position);
        match &org.hospital_id {
            None => {
                let key = (org.org_type.code(), search_key(&org.name));
                if let Some(first) = first_name.get(&key) {
                    refuse("name", Conflict::RepeatedInBatch { first: *first });
                } else if taken_names.contains(&(key.0, key.1.as_str())) {
                    refuse("name", Conflict::TakenInDirectory);
                }
                first_name.entry(key).or_insert(position);
            }
            Some(hospital) => {
                if !known_hospitals.contains(hospital) {
                    refuse("hospital_id", Conflict::UnknownHospital);
                } else if let Some(first) = first_hospital.get(hospital.as_str()) {
                    refuse("hospital_id", Conflict::RepeatedInBatch { first: *first });
                } else if taken_hospitals.contains(hospital.as_str()) {
                    refuse("hospital_id", Conflict::TakenInDirectory);
                }
                first_hospital.entry(hospital.as_str()).or_insert(position);
            }
        }
    }
    Ok(refusals)
}
