//! The bed finder's storage: hospitals and wards, postings of free beds, the search, holds
//! (`beds/holds.rs`), placement statistics (`beds/stats.rs`).
//!
//! **The hold invariant.** For every ward, active holds plus admissions since the current posting
//! never exceed the posted free beds (`nimo_domain::beds::Availability`). Every statement that
//! could break it — placing a hold, accepting one, posting a new count — runs in one write
//! transaction that first takes the ward: on SQLite the transaction starts with
//! `BEGIN IMMEDIATE` (the database's write lock, taken before the first read, so two writers
//! never both read the old count and a read-then-write cannot fail with SQLITE_BUSY halfway); on
//! PostgreSQL it locks the ward row with `SELECT … FOR UPDATE`, and the counts read after the lock
//! (READ COMMITTED takes a new snapshot per statement) include every hold committed before it.
//! No in-process lock is involved, so several servers on one PostgreSQL database are safe too.
//!
//! **Time.** Every function that depends on the clock takes `now` (Unix seconds); expiry is
//! applied lazily inside every hold transaction and counted out of every search, so correctness
//! never depends on the background task that marks due holds expired ([`holds::expire_due_at`]).

mod hold_rows;
mod holds;
mod recent;
mod search;
mod snapshot;
mod stats;

pub use holds::{
    Hold, NewHold, accept_at, cancel_at, decline_at, expire_due_at, get_hold, holds_for_case, holds_of_hospital_at,
    holds_placed_by, place_hold_at,
};
pub use recent::holds_of_municipality_at;
pub use search::{Found, search_at, search_from_database_at};
pub(crate) use snapshot::announce_in;
pub use snapshot::{BedSnapshot, CHANNEL, follow_changes, reload_snapshot};
pub use stats::{HospitalMonth, hold_counts_at, placement_stats};

use crate::audit::{self, AuditEvent, Outcome};
use crate::{Backend, Db, PostingRefusal, StoreError, columns};
use nimo_domain::MunicipalityCode;
use nimo_domain::beds::{
    AdmissionType, Availability, Designations, MAX_SECLUSION_ROOMS, Sex, SochiDesignation, WardType, admission_codes,
    check_free_beds, parse_admission_codes,
};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

/// A psychiatric hospital.
#[derive(Debug, Clone, PartialEq)]
pub struct Hospital {
    /// Short text id (`h-meguro-1`).
    pub id: String,
    /// Its name.
    pub name: String,
    /// The phone number staff call.
    pub phone: String,
    /// The 地方公共団体コード of where it lies.
    pub municipality_code: MunicipalityCode,
    /// Its 圏域.
    pub area: String,
    /// Latitude in degrees.
    pub latitude: f64,
    /// Longitude in degrees.
    pub longitude: f64,
    /// 精神科救急 designation.
    pub emergency: bool,
    /// 応急入院指定.
    pub okyu_designated: bool,
    /// Treats physical comorbidity (身体合併症).
    pub physical_care: bool,
    /// 国等の設置 / 指定病院 / neither: whether 措置 and 緊急措置 may be placed here.
    pub sochi_designation: SochiDesignation,
    /// Takes admissions in the 夜間・休日 band.
    pub night_holiday: bool,
}

impl Hospital {
    /// The designations the admission rules read.
    pub fn designations(&self) -> Designations {
        Designations { sochi: self.sochi_designation, okyu: self.okyu_designated }
    }
}

/// A ward of a hospital, without its beds.
#[derive(Debug, Clone, PartialEq)]
pub struct Ward {
    /// Short text id (`h-meguro-1-a`).
    pub id: String,
    /// The hospital's id.
    pub hospital_id: String,
    /// Its name (`A病棟（精神科救急）`).
    pub name: String,
    /// The ward type.
    pub ward_type: WardType,
    /// Who it admits.
    pub sex: Sex,
    /// Youngest age admitted.
    pub min_age: i64,
    /// Oldest age admitted.
    pub max_age: i64,
    /// Admission types accepted.
    pub admissions: Vec<AdmissionType>,
    /// How many 保護室 (seclusion rooms) it has.
    pub seclusion_rooms: i64,
}

/// A ward with its beds at a moment.
#[derive(Debug, Clone, PartialEq)]
pub struct WardStatus {
    /// The ward.
    pub ward: Ward,
    /// Posted free beds, active holds and admissions since the posting.
    pub availability: Availability,
    /// When the count was last posted (Unix seconds).
    pub posted_at: i64,
    /// Free 保護室 as last posted (at most the ward's rooms).
    pub seclusion_free: i64,
}

/// One search result.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// The hospital.
    pub hospital: Hospital,
    /// The ward and its beds.
    pub status: WardStatus,
    /// Distance from the search's point, if it had one.
    pub distance_km: Option<f64>,
    /// Whether the posting is older than the stale limit.
    pub stale: bool,
    /// The posting's age in seconds.
    pub age_seconds: i64,
}

/// Whether a text is a usable id: 1–64 of lower-case ASCII letters, digits and hyphens (ids are
/// written to the audit log and appear in URLs).
pub fn is_id(text: &str) -> bool {
    (1..=64).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Starts a write transaction that may read before it writes: `BEGIN IMMEDIATE` on SQLite (the
/// write lock is taken at once, so the later write can never fail with SQLITE_BUSY), an ordinary
/// transaction on PostgreSQL (where the caller locks the rows it reads with `FOR UPDATE`).
pub(crate) async fn begin_write(db: &Db) -> Result<Transaction<'static, Any>, StoreError> {
    Ok(match db.backend {
        Backend::Sqlite => db.pool.begin_with("BEGIN IMMEDIATE").await?,
        Backend::Postgres => db.pool.begin().await?,
    })
}

/// Locks a ward for the rest of the transaction and reads its posted free beds and posting
/// sequence. On SQLite the transaction already holds the write lock (`BEGIN IMMEDIATE`).
pub(crate) async fn lock_ward(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    ward_id: &str,
) -> Result<(String, i64, i64), StoreError> {
    let sql = match backend {
        Backend::Sqlite => "SELECT hospital_id, free_beds, posting_seq FROM ward WHERE id = $1",
        Backend::Postgres => "SELECT hospital_id, free_beds, posting_seq FROM ward WHERE id = $1 FOR UPDATE",
    };
    let row = sqlx::query(sql)
        .bind(ward_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("ward {ward_id}")))?;
    Ok((row.try_get("hospital_id")?, row.try_get("free_beds")?, row.try_get("posting_seq")?))
}

/// Whether a ward takes an admission type, inside a transaction: the search's filter
/// (`nimo_domain::beds::admission_refusal`), checked again when a hold is placed so that a hold
/// placed without the search (through the API) obeys the same rule. `AdmissionNotAccepted` if not.
pub(crate) async fn check_admission_in(
    tx: &mut Transaction<'static, Any>,
    ward_id: &str,
    admission: AdmissionType,
) -> Result<(), StoreError> {
    let row = sqlx::query(
        "SELECT w.admissions, h.okyu_designated, h.sochi_designation FROM ward w JOIN hospital h ON h.id = w.hospital_id
         WHERE w.id = $1",
    )
    .bind(ward_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("ward {ward_id}")))?;
    let admissions = parse_admission_codes(&row.try_get::<String, _>("admissions")?).map_err(StoreError::Corrupt)?;
    let designations = Designations {
        sochi: sochi_designation(&row.try_get::<String, _>("sochi_designation")?)?,
        okyu: row.try_get::<i64, _>("okyu_designated")? == 1,
    };
    match nimo_domain::beds::admission_refusal(&admissions, designations, admission) {
        Some(refusal) => Err(StoreError::AdmissionNotAccepted { ward: ward_id.to_string(), admission, refusal }),
        None => Ok(()),
    }
}

/// Active holds and admissions since the current posting of a ward, inside a transaction.
pub(crate) async fn taken_in(
    tx: &mut Transaction<'static, Any>,
    ward_id: &str,
    posting_seq: i64,
    now: i64,
) -> Result<(i64, i64), StoreError> {
    let row = sqlx::query(
        "SELECT
           (SELECT COUNT(*) FROM bed_hold WHERE ward_id = $1 AND state = 'held' AND expires_at > $2) AS active,
           (SELECT COUNT(*) FROM bed_hold WHERE ward_id = $1 AND state = 'accepted' AND posting_seq = $3) AS admitted",
    )
    .bind(ward_id)
    .bind(now)
    .bind(posting_seq)
    .fetch_one(&mut **tx)
    .await?;
    Ok((row.try_get("active")?, row.try_get("admitted")?))
}

/// Adds or replaces a hospital, with its audit row (`audit` with the record `hospital`/ID) in the
/// same transaction.
pub async fn upsert_hospital(db: &Db, hospital: &Hospital, audit: AuditEvent) -> Result<(), StoreError> {
    if !is_id(&hospital.id) {
        return Err(StoreError::InvalidId { kind: "hospital" });
    }
    let mut tx = db.pool.begin().await?;
    sqlx::query(
        "INSERT INTO hospital (id, name, phone, municipality_code, area, latitude, longitude, emergency,
                               okyu_designated, physical_care, sochi_designation, night_holiday)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (id) DO UPDATE SET name = $2, phone = $3, municipality_code = $4, area = $5,
           latitude = $6, longitude = $7, emergency = $8, okyu_designated = $9, physical_care = $10,
           sochi_designation = $11, night_holiday = $12",
    )
    .bind(&hospital.id)
    .bind(&hospital.name)
    .bind(&hospital.phone)
    .bind(hospital.municipality_code.as_str())
    .bind(&hospital.area)
    .bind(hospital.latitude)
    .bind(hospital.longitude)
    .bind(i64::from(hospital.emergency))
    .bind(i64::from(hospital.okyu_designated))
    .bind(i64::from(hospital.physical_care))
    .bind(hospital.sochi_designation.code())
    .bind(i64::from(hospital.night_holiday))
    .execute(&mut *tx)
    .await?;
    audit::append_in(&mut tx, &audit.with_record("hospital", hospital.id.as_str())).await?;
    announce_in(&mut tx, db, "hospital", &hospital.id).await?;
    tx.commit().await?;
    db.bed_snapshot.refresh(db, &[], &[&hospital.id]).await;
    Ok(())
}

/// Adds or replaces a ward's description (its beds are left as they are, its free 保護室 at
/// most its rooms; a new ward starts with no free beds, posted at `now`), with its audit row
/// (`audit` with the record `ward`/ID) in the same transaction.
pub async fn upsert_ward(db: &Db, ward: &Ward, now: i64, audit: AuditEvent) -> Result<(), StoreError> {
    if !is_id(&ward.id) {
        return Err(StoreError::InvalidId { kind: "ward" });
    }
    if !(0..=MAX_SECLUSION_ROOMS).contains(&ward.seclusion_rooms) {
        return Err(StoreError::Posting {
            row: 1,
            refusal: PostingRefusal::SeclusionRooms { ward: ward.id.clone(), rooms: ward.seclusion_rooms },
        });
    }
    let mut tx = db.pool.begin().await?;
    sqlx::query(
        "INSERT INTO ward (id, hospital_id, name, ward_type, sex, min_age, max_age, admissions, free_beds, posted_at,
                           posting_seq, seclusion_rooms, seclusion_free)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, 0, $10, 0)
         ON CONFLICT (id) DO UPDATE SET hospital_id = $2, name = $3, ward_type = $4, sex = $5, min_age = $6,
           max_age = $7, admissions = $8, seclusion_rooms = $10,
           seclusion_free = CASE WHEN ward.seclusion_free > $10 THEN $10 ELSE ward.seclusion_free END",
    )
    .bind(&ward.id)
    .bind(&ward.hospital_id)
    .bind(&ward.name)
    .bind(ward.ward_type.code())
    .bind(ward.sex.code())
    .bind(ward.min_age)
    .bind(ward.max_age)
    .bind(admission_codes(&ward.admissions))
    .bind(now)
    .bind(ward.seclusion_rooms)
    .execute(&mut *tx)
    .await?;
    audit::append_in(&mut tx, &audit.with_record("ward", ward.id.as_str())).await?;
    announce_in(&mut tx, db, "ward", &ward.id).await?;
    tx.commit().await?;
    snapshot::committed(db, &[&ward.id]).await;
    Ok(())
}

const HOSPITAL_COLUMNS: &str = "h.id, h.name, h.phone, h.municipality_code, h.area, h.latitude, h.longitude, \
     h.emergency, h.okyu_designated, h.physical_care, h.sochi_designation, h.night_holiday";
/// A ward's columns, its id and name aliased so that they never meet the hospital's.
const WARD_COLUMNS: &str = "w.id AS ward_id, w.hospital_id, w.name AS ward_name, w.ward_type, w.sex, w.min_age, \
     w.max_age, w.admissions, w.free_beds, w.posted_at, w.seclusion_rooms, w.seclusion_free";

fn hospital_from(row: &AnyRow) -> Result<Hospital, StoreError> {
    Ok(Hospital {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        phone: row.try_get("phone")?,
        municipality_code: columns::municipality(
            "hospital.municipality_code",
            &row.try_get::<String, _>("municipality_code")?,
        )?,
        area: row.try_get("area")?,
        latitude: row.try_get("latitude")?,
        longitude: row.try_get("longitude")?,
        emergency: row.try_get::<i64, _>("emergency")? != 0,
        okyu_designated: row.try_get::<i64, _>("okyu_designated")? != 0,
        physical_care: row.try_get::<i64, _>("physical_care")? != 0,
        sochi_designation: sochi_designation(&row.try_get::<String, _>("sochi_designation")?)?,
        night_holiday: row.try_get::<i64, _>("night_holiday")? != 0,
    })
}

fn sochi_designation(code: &str) -> Result<SochiDesignation, StoreError> {
    SochiDesignation::parse(code).ok_or_else(|| StoreError::Corrupt(format!("hospital sochi designation {code}")))
}

/// A ward and its status from a row of [`WARD_COLUMNS`] plus the `active` and `admitted` counts
/// of [`TAKEN_COLUMNS`].
fn status_from(row: &AnyRow) -> Result<WardStatus, StoreError> {
    let ward_type: String = row.try_get("ward_type")?;
    let sex: String = row.try_get("sex")?;
    let admissions: String = row.try_get("admissions")?;
    let ward = Ward {
        id: row.try_get("ward_id")?,
        hospital_id: row.try_get("hospital_id")?,
        name: row.try_get("ward_name")?,
        ward_type: WardType::parse(&ward_type).ok_or_else(|| StoreError::Corrupt(format!("ward type {ward_type}")))?,
        sex: Sex::parse(&sex).ok_or_else(|| StoreError::Corrupt(format!("ward sex {sex}")))?,
        min_age: row.try_get("min_age")?,
        max_age: row.try_get("max_age")?,
        admissions: parse_admission_codes(&admissions).map_err(StoreError::Corrupt)?,
        seclusion_rooms: row.try_get("seclusion_rooms")?,
    };
    Ok(WardStatus {
        ward,
        availability: Availability {
            posted: row.try_get("free_beds")?,
            active_holds: row.try_get("active")?,
            admissions: row.try_get("admitted")?,
        },
        posted_at: row.try_get("posted_at")?,
        seclusion_free: row.try_get("seclusion_free")?,
    })
}

/// The counts every status query adds after [`WARD_COLUMNS`] (`$1` is now).
const TAKEN_COLUMNS: &str = "(SELECT COUNT(*) FROM bed_hold b WHERE b.ward_id = w.id AND b.state = 'held' \
       AND b.expires_at > $1) AS active, \
     (SELECT COUNT(*) FROM bed_hold b WHERE b.ward_id = w.id AND b.state = 'accepted' \
       AND b.posting_seq = w.posting_seq) AS admitted";

/// A hospital by id.
pub async fn hospital(db: &Db, id: &str) -> Result<Hospital, StoreError> {
    let row = sqlx::query(&format!("SELECT {HOSPITAL_COLUMNS} FROM hospital h WHERE h.id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("hospital {id}")))?;
    hospital_from(&row)
}

/// The hospital a ward belongs to.
pub async fn hospital_of_ward(db: &Db, ward_id: &str) -> Result<String, StoreError> {
    sqlx::query_scalar("SELECT hospital_id FROM ward WHERE id = $1")
        .bind(ward_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("ward {ward_id}")))
}

/// The hospital whose ward a hold is on.
pub async fn hospital_of_hold(db: &Db, hold_id: i64) -> Result<String, StoreError> {
    sqlx::query_scalar("SELECT w.hospital_id FROM bed_hold b JOIN ward w ON w.id = b.ward_id WHERE b.id = $1")
        .bind(hold_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("hold {hold_id}")))
}

/// A hospital's wards with their beds, by name.
pub async fn wards_of_hospital_at(db: &Db, hospital_id: &str, now: i64) -> Result<Vec<WardStatus>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {WARD_COLUMNS}, {TAKEN_COLUMNS} FROM ward w WHERE w.hospital_id = $2 ORDER BY w.name, w.id"
    ))
    .bind(now)
    .bind(hospital_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(status_from).collect()
}

/// A ward's posting: its free beds and, when given, its free 保護室.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posting {
    /// The ward's id.
    pub ward_id: String,
    /// Its free beds now.
    pub free_beds: i64,
    /// Its free 保護室 now (0 to its rooms); `None` leaves them as they were.
    pub seclusion_free: Option<i64>,
}

/// Posts a ward's free beds (one click on the hospital page, or the API), audited in the same
/// transaction. A count below the ward's active holds is refused: the hospital first declines the
/// holds it cannot honour, so that the hold invariant holds at every moment.
pub async fn post_availability_at(
    db: &Db,
    ward_id: &str,
    free_beds: i64,
    actor: &str,
    origin: &str,
    now: i64,
) -> Result<(), StoreError> {
    post_ward_at(db, ward_id, free_beds, None, actor, origin, now).await
}

/// Posts a ward's free beds and, when given, its free 保護室 (at most its rooms), in one
/// transaction with its audit row.
pub async fn post_ward_at(
    db: &Db,
    ward_id: &str,
    free_beds: i64,
    seclusion_free: Option<i64>,
    actor: &str,
    origin: &str,
    now: i64,
) -> Result<(), StoreError> {
    let posting = Posting { ward_id: ward_id.to_string(), free_beds, seclusion_free };
    post_postings_at(db, None, &[posting], actor, origin, now).await
}

/// Posts several wards' free beds in one transaction: all of them or none. With `hospital`, every
/// ward must belong to it (an import by hospital staff). Errors name the row (from 1).
pub async fn post_many_at(
    db: &Db,
    hospital: Option<&str>,
    postings: &[(String, i64)],
    actor: &str,
    origin: &str,
    now: i64,
) -> Result<(), StoreError> {
    let postings: Vec<Posting> = postings
        .iter()
        .map(|(ward_id, free_beds)| Posting { ward_id: ward_id.clone(), free_beds: *free_beds, seclusion_free: None })
        .collect();
    post_postings_at(db, hospital, &postings, actor, origin, now).await
}

async fn post_postings_at(
    db: &Db,
    hospital: Option<&str>,
    postings: &[Posting],
    actor: &str,
    origin: &str,
    now: i64,
) -> Result<(), StoreError> {
    for (index, posting) in postings.iter().enumerate() {
        check_free_beds(posting.free_beds)
            .map_err(|error| StoreError::Posting { row: index + 1, refusal: PostingRefusal::FreeBeds(error) })?;
    }
    let mut tx = begin_write(db).await?;
    for (index, Posting { ward_id, free_beds: free, seclusion_free }) in postings.iter().enumerate() {
        let row = index + 1;
        let refused = |refusal| StoreError::Posting { row, refusal };
        let (owner, _, seq) = match lock_ward(&mut tx, db.backend, ward_id).await {
            Ok(found) => found,
            Err(StoreError::NotFound(_)) => return Err(refused(PostingRefusal::UnknownWard(ward_id.clone()))),
            Err(other) => return Err(other),
        };
        if hospital.is_some_and(|h| h != owner) {
            return Err(refused(PostingRefusal::NotOwnWard(ward_id.clone())));
        }
        holds::expire_in(&mut tx, Some(ward_id), now).await?;
        let (active, _) = taken_in(&mut tx, ward_id, seq, now).await?;
        if *free < active {
            return Err(refused(PostingRefusal::BelowActiveHolds { ward: ward_id.clone(), free: *free, active }));
        }
        sqlx::query("UPDATE ward SET free_beds = $1, posted_at = $2, posting_seq = posting_seq + 1 WHERE id = $3")
            .bind(free)
            .bind(now)
            .bind(ward_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO ward_posting (ward_id, seq, free_beds, posted_at, actor) VALUES ($1, $2, $3, $4, $5)")
            .bind(ward_id)
            .bind(seq + 1)
            .bind(free)
            .bind(now)
            .bind(actor)
            .execute(&mut *tx)
            .await?;
        if let Some(seclusion) = seclusion_free {
            let rooms: i64 = sqlx::query_scalar("SELECT seclusion_rooms FROM ward WHERE id = $1")
                .bind(ward_id)
                .fetch_one(&mut *tx)
                .await?;
            if !(0..=rooms).contains(seclusion) {
                return Err(refused(PostingRefusal::SeclusionFree { ward: ward_id.clone(), free: *seclusion, rooms }));
            }
            sqlx::query("UPDATE ward SET seclusion_free = $1 WHERE id = $2")
                .bind(seclusion)
                .bind(ward_id)
                .execute(&mut *tx)
                .await?;
        }
    }
    for Posting { ward_id, free_beds, seclusion_free } in postings {
        let detail = match seclusion_free {
            Some(seclusion) => format!("free:{free_beds}/seclusion:{seclusion}"),
            None => format!("free:{free_beds}"),
        };
        let event = AuditEvent::new(actor, origin, "ward_availability", Outcome::Ok)
            .with_record("ward", ward_id)
            .with_detail(detail);
        audit::append_in(&mut tx, &event).await?;
        announce_in(&mut tx, db, "ward", ward_id).await?;
    }
    tx.commit().await?;
    let wards: Vec<&str> = postings.iter().map(|posting| posting.ward_id.as_str()).collect();
    snapshot::committed(db, &wards).await;
    Ok(())
}

/// How many postings a ward has had (its history), newest first, at most `limit`.
pub async fn postings(db: &Db, ward_id: &str, limit: i64) -> Result<Vec<(i64, i64, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT free_beds, posted_at, actor FROM ward_posting WHERE ward_id = $1 ORDER BY seq DESC LIMIT $2",
    )
    .bind(ward_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(|r| Ok((r.try_get("free_beds")?, r.try_get("posted_at")?, r.try_get("actor")?))).collect()
}

/// How many hospitals and wards there are (for the demo and benches).
pub async fn counts(db: &Db) -> Result<(i64, i64), StoreError> {
    let hospitals: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM hospital").fetch_one(&db.pool).await?;
    let wards: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ward").fetch_one(&db.pool).await?;
    Ok((hospitals, wards))
}
