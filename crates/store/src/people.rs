//! People that case work is about. Names, birth date, address and contacts are sealed
//! ([`crate::sealed`]); the municipality, 地区 and sex stay plain for counting and scoping. Search
//! by name goes through blind indexes (HMAC of the normalised kana reading, alone and with the
//! birth date), so that a new 23条通報 can be matched to a known person without decrypting every
//! row. Merging two records of one person moves every case, visit and plan to the one kept.

use crate::audit::{AuditEvent, append_in, timestamp};
use crate::columns;
use crate::sealed::{PERSON_ADDRESS, PERSON_BIRTH_DATE, PERSON_CONTACT, PERSON_KANA, PERSON_KANJI};
use crate::{Db, Record, StoreError};
use nimo_domain::MunicipalityCode;
use nimo_vault::{Keyring, normalize_kana_name};
use sqlx::{Any, Row, Transaction};
use time::{Date, OffsetDateTime};

/// A person to create.
#[derive(Debug, Clone)]
pub struct NewPerson {
    /// The municipality whose staff hold the record.
    pub municipality: MunicipalityCode,
    /// The 地区 (district code) of the address.
    pub district: String,
    /// `f`, `m` or `x`.
    pub sex: String,
    /// Reading in kana.
    pub name_kana: String,
    /// Name in kanji (may be empty).
    pub name_kanji: String,
    /// Birth date, `None` when unknown.
    pub birth_date: Option<Date>,
    /// Address details.
    pub address: String,
    /// Contacts (phone, family).
    pub contact: String,
}

/// A person as staff see them (opened).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Id.
    pub id: i64,
    /// Municipality code.
    pub municipality: MunicipalityCode,
    /// District code.
    pub district: String,
    /// `f`, `m` or `x`.
    pub sex: String,
    /// Kana reading.
    pub name_kana: String,
    /// Kanji name.
    pub name_kanji: String,
    /// Birth date, `None` when unknown.
    pub birth_date: Option<Date>,
    /// Address.
    pub address: String,
    /// Contacts.
    pub contact: String,
    /// The record this one was merged into.
    pub merged_into: Option<i64>,
}

/// The blind index of a kana reading with a birth date.
pub fn kana_birth_index(keyring: &Keyring, kana: &str, birth_date: &str) -> String {
    keyring.blind_index("person.kana_birth", &format!("{}|{}", normalize_kana_name(kana), birth_date.trim()))
}

/// The blind index of a kana reading alone.
pub fn kana_index(keyring: &Keyring, kana: &str) -> String {
    keyring.blind_index("person.kana", &normalize_kana_name(kana))
}

/// Creates a person inside the caller's transaction and returns the id.
pub async fn create_in(
    tx: &mut Transaction<'static, Any>,
    keyring: &Keyring,
    new: &NewPerson,
) -> Result<i64, StoreError> {
    if !matches!(new.sex.as_str(), "f" | "m" | "x") {
        return Err(StoreError::UnknownCode("sex"));
    }
    let row = sqlx::query(
        "INSERT INTO person (municipality_code, district, sex, kana_birth_index, kana_index, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .persistent(false)
    .bind(new.municipality.as_str())
    .bind(&new.district)
    .bind(&new.sex)
    .bind(kana_birth_index(keyring, &new.name_kana, &birth_text(new.birth_date)))
    .bind(kana_index(keyring, &new.name_kana))
    .bind(timestamp(OffsetDateTime::now_utc()))
    .fetch_one(&mut **tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    sqlx::query(
        "UPDATE person SET name_kana_sealed = $1, name_kanji_sealed = $2, birth_date_sealed = $3,
             address_sealed = $4, contact_sealed = $5 WHERE id = $6",
    )
    .bind(PERSON_KANA.seal(keyring, id, &new.name_kana))
    .bind(PERSON_KANJI.seal(keyring, id, &new.name_kanji))
    .bind(PERSON_BIRTH_DATE.seal(keyring, id, &birth_text(new.birth_date)))
    .bind(PERSON_ADDRESS.seal(keyring, id, &new.address))
    .bind(PERSON_CONTACT.seal(keyring, id, &new.contact))
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

/// A birth date as sealed and indexed: ISO, or empty when unknown.
fn birth_text(birth_date: Option<Date>) -> String {
    birth_date.map(|d| d.to_string()).unwrap_or_default()
}

const COLUMNS: &str = "id, municipality_code, district, sex, name_kana_sealed, name_kanji_sealed, birth_date_sealed,
    address_sealed, contact_sealed, merged_into";

fn open_opt(
    keyring: &Keyring,
    column: crate::sealed::EncryptedColumn,
    id: i64,
    sealed: Option<String>,
) -> Result<String, StoreError> {
    sealed.map_or(Ok(String::new()), |s| column.open(keyring, id, &s))
}

/// A `person` row as stored (`COLUMNS`).
#[derive(sqlx::FromRow)]
struct PersonRow {
    id: i64,
    municipality_code: String,
    district: String,
    sex: String,
    name_kana_sealed: Option<String>,
    name_kanji_sealed: Option<String>,
    birth_date_sealed: Option<String>,
    address_sealed: Option<String>,
    contact_sealed: Option<String>,
    merged_into: Option<i64>,
}

impl PersonRow {
    fn open(self, keyring: &Keyring) -> Result<Person, StoreError> {
        let id = self.id;
        let birth_date = open_opt(keyring, PERSON_BIRTH_DATE, id, self.birth_date_sealed)?;
        Ok(Person {
            id,
            municipality: columns::municipality("person.municipality_code", &self.municipality_code)?,
            district: self.district,
            sex: self.sex,
            name_kana: open_opt(keyring, PERSON_KANA, id, self.name_kana_sealed)?,
            name_kanji: open_opt(keyring, PERSON_KANJI, id, self.name_kanji_sealed)?,
            birth_date: match birth_date.as_str() {
                "" => None,
                text => Some(columns::date("person.birth_date_sealed", text)?),
            },
            address: open_opt(keyring, PERSON_ADDRESS, id, self.address_sealed)?,
            contact: open_opt(keyring, PERSON_CONTACT, id, self.contact_sealed)?,
            merged_into: self.merged_into,
        })
    }
}

/// The person with this id, opened.
pub async fn get(db: &Db, id: i64) -> Result<Person, StoreError> {
    let keyring = db.keyring()?;
    let row: PersonRow = sqlx::query_as(&format!("SELECT {COLUMNS} FROM person WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("person {id}")))?;
    row.open(keyring)
}

/// Whether a candidate matched on kana and birth date, or on kana alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// Same normalised kana and birth date.
    KanaAndBirth,
    /// Same normalised kana only.
    Kana,
}

/// The known people a new report may concern, as far as the viewer may see them.
#[derive(Debug, Clone, Default)]
pub struct Candidates {
    /// Matches within the viewer's scope, opened: same kana and birth date first, then same kana.
    pub visible: Vec<(Person, Match)>,
    /// The ids of the matches outside it, for the audit row (never opened: the viewer learns only
    /// that such records exist).
    pub elsewhere: Vec<i64>,
}

/// Known people of a municipality who may be the person a new report concerns: same kana and
/// birth date first, then same kana only. Merged records are left out. Only the matches whose
/// 地区 `visible` accepts (the viewer's scope) are opened; the others are only counted.
pub async fn candidates(
    db: &Db,
    municipality: &MunicipalityCode,
    kana: &str,
    birth_date: &str,
    visible: impl Fn(&str) -> bool,
) -> Result<Candidates, StoreError> {
    let keyring = db.keyring()?;
    if normalize_kana_name(kana).is_empty() {
        return Ok(Candidates::default());
    }
    #[derive(sqlx::FromRow)]
    struct CandidateRow {
        #[sqlx(flatten)]
        person: PersonRow,
        kana_birth_index: Option<String>,
    }
    let rows: Vec<CandidateRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS}, kana_birth_index FROM person
         WHERE municipality_code = $1 AND merged_into IS NULL AND (kana_birth_index = $2 OR kana_index = $3)
         ORDER BY id LIMIT 20"
    ))
    .bind(municipality.as_str())
    .bind(kana_birth_index(keyring, kana, birth_date))
    .bind(kana_index(keyring, kana))
    .fetch_all(&db.pool)
    .await?;
    let full = kana_birth_index(keyring, kana, birth_date);
    let mut found = Candidates::default();
    for row in rows {
        if !visible(&row.person.district) {
            found.elsewhere.push(row.person.id);
            continue;
        }
        let kind =
            if row.kana_birth_index.as_deref() == Some(full.as_str()) { Match::KanaAndBirth } else { Match::Kana };
        found.visible.push((row.person.open(keyring)?, kind));
    }
    found.visible.sort_by_key(|(p, kind)| (*kind != Match::KanaAndBirth, p.id));
    Ok(found)
}

/// Merges `gone` into `keep` (both of one municipality): every case, visit and plan of `gone`
/// moves to `keep`, and `gone` is marked merged. One transaction with its audit row.
pub async fn merge(db: &Db, keep: i64, gone: i64, audit: AuditEvent) -> Result<(), StoreError> {
    if keep == gone {
        return Err(StoreError::NotMergeable { keep, gone });
    }
    let (a, b) = (get(db, keep).await?, get(db, gone).await?);
    if a.municipality != b.municipality || a.merged_into.is_some() || b.merged_into.is_some() {
        return Err(StoreError::NotMergeable { keep, gone });
    }
    let mut tx = db.pool.begin().await?;
    let done = sqlx::query("UPDATE person SET merged_into = $1 WHERE id = $2 AND merged_into IS NULL")
        .bind(keep)
        .bind(gone)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::StaleRevision(Record::Person));
    }
    for table in ["report23", "outreach_visit", "discharge_plan"] {
        sqlx::query(&format!("UPDATE {table} SET person_id = $1 WHERE person_id = $2"))
            .bind(keep)
            .bind(gone)
            .execute(&mut *tx)
            .await?;
    }
    append_in(&mut tx, &audit.with_record("person", keep.to_string()).with_detail(format!("merged:{gone}"))).await?;
    tx.commit().await?;
    Ok(())
}
