//! 23条通報 cases: intake, the events that move them (checked by
//! `nimo_domain::cases::CaseStatus::apply` before anything is written), the worklist of open
//! cases, outreach visits, 退院後支援計画 records and a person's timeline. The section-4 counts
//! derived from these records are in [`figures`].
//!
//! Every write is one transaction with its audit row. A case carries a revision: an event form
//! made from an older revision is a [`StoreError::StaleRevision`], so two staff cannot both move the
//! same case from the same state.

mod activity;
pub mod figures;
mod identity;
pub mod protection;
mod search;

pub use activity::{NewPlan, NewVisit, PersonCase, TimelineEntry, add_plan, add_visit, cases_of_person, timeline};
pub use identity::{Identity, identify};
pub use search::{CasePlace, CaseQuery, Found, place_of, search};

use crate::audit::{AuditEvent, append_in, timestamp};
use crate::columns::{self, date_text};
use crate::people::{self, NewPerson};
use crate::sealed::{CASE_EVENT_NOTE, REPORT_CIRCUMSTANCES};
use crate::{Db, Record, StoreError};
use nimo_domain::FiscalYear;
use nimo_domain::MunicipalityCode;
use nimo_domain::calendar::local_minute_text;
use nimo_domain::cases::{
    CaseError, CaseEvent, CaseState, CaseStatus, Disposition, Finding, ReportArticle, ReviewFlag,
};
use sqlx::Row;
use time::{Date, OffsetDateTime, PrimitiveDateTime};

/// A 23条通報 to take in.
#[derive(Debug, Clone)]
pub struct NewCase {
    /// The municipality whose 保健所 received it.
    pub municipality: MunicipalityCode,
    /// The 地区 the case belongs to (the person's address, or where it happened).
    pub district: String,
    /// The known person, if chosen at intake.
    pub person_id: Option<i64>,
    /// When it was received (local time as staff typed it, stored `YYYY-MM-DDTHH:MM`).
    pub received_at: PrimitiveDateTime,
    /// The article the report was made under (23条 for a police report).
    pub article: ReportArticle,
    /// The reporting police station (for another article, who reported or applied).
    pub police_station: String,
    /// Whether the person lives in the municipality.
    pub resident: bool,
    /// What happened (sealed).
    pub circumstances: String,
    /// The staff member in charge.
    pub assigned_to: i64,
    /// The first due date (事前調査); `None` gives the default,
    /// [`nimo_domain::cases::first_due_on`] of the day received.
    pub next_due_on: Option<Date>,
    /// When the police 保護 (警職法3条) began, when it is known at intake.
    pub protection_started_at: Option<OffsetDateTime>,
}

/// A case as staff see it.
#[derive(Debug, Clone)]
pub struct Case {
    /// Id.
    pub id: i64,
    /// Municipality code.
    pub municipality: MunicipalityCode,
    /// District code.
    pub district: String,
    /// The person, or `None` while unknown.
    pub person_id: Option<i64>,
    /// When it was received (local time as staff typed it).
    pub received_at: PrimitiveDateTime,
    /// The fiscal year of the received date.
    pub fiscal_year: FiscalYear,
    /// The article the report was made under.
    pub article: ReportArticle,
    /// Why the case is flagged for review, if it is (shown as 要確認).
    pub review: Option<ReviewFlag>,
    /// Police station.
    pub police_station: String,
    /// 区民 or not.
    pub resident: bool,
    /// Where the state machine is.
    pub status: CaseStatus,
    /// Receiving hospital (after a disposition that admits).
    pub hospital: String,
    /// Staff in charge.
    pub assigned_to: Option<i64>,
    /// Next due date.
    pub next_due_on: Option<Date>,
    /// Circumstances (opened).
    pub circumstances: String,
    /// Closing date.
    pub closed_on: Option<Date>,
    /// When the police 保護 began (`None`: not recorded).
    pub protection_started_at: Option<OffsetDateTime>,
    /// When it ended, as the 保健所 learnt it (`None`: not recorded).
    pub protection_ended_at: Option<OffsetDateTime>,
    /// For optimistic concurrency.
    pub revision: i64,
}

/// One recorded event of a case.
#[derive(Debug, Clone)]
pub struct EventRecord {
    /// Id.
    pub id: i64,
    /// The case.
    pub case_id: i64,
    /// The event code (`intake`, `examine`, …).
    pub kind: String,
    /// When it happened (the JST date).
    pub occurred_on: Date,
    /// The instant, when a time was entered; `None` for an event recorded with its date only
    /// (before migration 0020, or without a time): 時刻不明.
    pub occurred_at: Option<OffsetDateTime>,
    /// The disposition, for an examination.
    pub disposition: Option<Disposition>,
    /// The findings, for an examination.
    pub findings: (Option<Finding>, Option<Finding>),
    /// The hospital, for an examination.
    pub hospital: String,
    /// The number of staff, for a 事前調査.
    pub staff: Option<u8>,
    /// The review flag the event gave its case.
    pub review: Option<ReviewFlag>,
    /// The note (opened).
    pub note: String,
}

/// An ISO date given as an argument, or `InvalidDate` naming it.
pub(crate) fn check_date(field: &'static str, text: &str) -> Result<Date, StoreError> {
    nimo_domain::calendar::parse_iso_date(text).ok_or(StoreError::InvalidDate(field))
}

/// Takes in a report (creating the person first when `new_person` is given) and returns the case
/// id. One transaction with the intake event and the audit row (`create`, record `case:ID`).
pub async fn create(
    db: &Db,
    new: &NewCase,
    new_person: Option<&NewPerson>,
    audit: AuditEvent,
) -> Result<i64, StoreError> {
    let keyring = db.keyring()?;
    let date = new.received_at.date();
    let received_on = date.to_string();
    let fy = FiscalYear::of_date(date.year(), u8::from(date.month()));
    let now = timestamp(OffsetDateTime::now_utc());
    let mut tx = db.pool.begin().await?;
    let person_id = match new_person {
        Some(person) => Some(people::create_in(&mut tx, keyring, person).await?),
        None => new.person_id,
    };
    let row = sqlx::query(
        "INSERT INTO report23 (municipality_code, district, person_id, received_at, received_on, fiscal_year,
             police_station, resident, state, assigned_to, next_due_on, created_at, article, protection_started_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
    )
    .persistent(false)
    .bind(new.municipality.as_str())
    .bind(&new.district)
    .bind(person_id)
    .bind(local_minute_text(new.received_at))
    .bind(&received_on)
    .bind(i64::from(fy.year()))
    .bind(&new.police_station)
    .bind(i64::from(new.resident))
    .bind(CaseState::Received.code())
    .bind(new.assigned_to)
    .bind(date_text(Some(new.next_due_on.unwrap_or_else(|| nimo_domain::cases::first_due_on(date)))))
    .bind(&now)
    .bind(new.article.code())
    .bind(new.protection_started_at.map(timestamp))
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    sqlx::query("UPDATE report23 SET circumstances_sealed = $1 WHERE id = $2")
        .bind(REPORT_CIRCUMSTANCES.seal(keyring, id, &new.circumstances))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let received = new.received_at.assume_offset(nimo_domain::clocks::JST);
    let intake = Occurred { on: date, at: Some(received) };
    insert_event(&mut tx, keyring, id, "intake", intake, None, "", Some(new.assigned_to)).await?;
    append_in(&mut tx, &audit.with_record("case", id.to_string())).await?;
    tx.commit().await?;
    tracing::debug!(case_id = id, "23条通報 taken in");
    Ok(id)
}

/// When an event happened: its JST date, and its instant when a time was entered.
#[derive(Debug, Clone, Copy)]
struct Occurred {
    on: Date,
    at: Option<OffsetDateTime>,
}

#[allow(clippy::too_many_arguments)]
async fn insert_event(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    keyring: &nimo_vault::Keyring,
    case_id: i64,
    kind: &str,
    occurred: Occurred,
    event: Option<&CaseEvent>,
    note: &str,
    actor: Option<i64>,
) -> Result<i64, StoreError> {
    let (disposition, first, second, hospital) = match event {
        Some(CaseEvent::Examine { first, second, disposition, hospital, .. }) => {
            (Some(disposition.code()), Some(first.code()), second.map(Finding::code), hospital.trim().to_string())
        }
        _ => (None, None, None, String::new()),
    };
    let staff = match event {
        Some(CaseEvent::StartInvestigation { staff }) => Some(i64::from(*staff)),
        _ => None,
    };
    let review = event.and_then(CaseEvent::review_flag).map(ReviewFlag::code);
    let row = sqlx::query(
        "INSERT INTO case_event (case_id, kind, occurred_on, disposition, first_finding, second_finding, hospital,
             actor, recorded_at, staff_count, review_flag, occurred_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .persistent(false)
    .bind(case_id)
    .bind(kind)
    .bind(occurred.on.to_string())
    .bind(disposition)
    .bind(first)
    .bind(second)
    .bind(&hospital)
    .bind(actor)
    .bind(timestamp(OffsetDateTime::now_utc()))
    .bind(staff)
    .bind(review)
    .bind(occurred.at.map(timestamp))
    .fetch_one(&mut **tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    sqlx::query("UPDATE case_event SET note_sealed = $1 WHERE id = $2")
        .bind(CASE_EVENT_NOTE.seal(keyring, id, note))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(id)
}

const CASE_COLUMNS: &str = "id, municipality_code, district, person_id, received_at, fiscal_year, police_station,
    resident, state, disposition, examinations, exam_not_needed, hospital, assigned_to, next_due_on,
    circumstances_sealed, closed_on, revision, article, review_flag, protection_started_at, protection_ended_at";

/// A `report23` row as stored (`CASE_COLUMNS`).
#[derive(sqlx::FromRow)]
struct CaseRow {
    id: i64,
    municipality_code: String,
    district: String,
    person_id: Option<i64>,
    received_at: String,
    fiscal_year: i64,
    police_station: String,
    resident: i64,
    state: String,
    disposition: Option<String>,
    examinations: i64,
    exam_not_needed: i64,
    hospital: String,
    assigned_to: Option<i64>,
    next_due_on: Option<String>,
    circumstances_sealed: Option<String>,
    closed_on: Option<String>,
    revision: i64,
    article: String,
    review_flag: Option<String>,
    protection_started_at: Option<String>,
    protection_ended_at: Option<String>,
}

impl CaseRow {
    fn status(&self) -> Result<CaseStatus, StoreError> {
        let corrupt = |what: &str| columns::corrupt(&format!("report23.{what}"));
        Ok(CaseStatus {
            state: CaseState::parse(&self.state).ok_or_else(|| corrupt("state"))?,
            disposition: match &self.disposition {
                Some(code) => Some(Disposition::from_code(code).ok_or_else(|| corrupt("disposition"))?),
                None => None,
            },
            exam_not_needed: self.exam_not_needed == 1,
            examinations: u8::try_from(self.examinations).map_err(|_| corrupt("examinations"))?,
        })
    }

    fn open(self, keyring: &nimo_vault::Keyring) -> Result<Case, StoreError> {
        let status = self.status()?;
        let id = self.id;
        Ok(Case {
            id,
            municipality: columns::municipality("report23.municipality_code", &self.municipality_code)?,
            district: self.district,
            person_id: self.person_id,
            received_at: columns::local_minute("report23.received_at", &self.received_at)?,
            fiscal_year: FiscalYear(
                i32::try_from(self.fiscal_year).map_err(|_| columns::corrupt("report23.fiscal_year"))?,
            ),
            article: ReportArticle::parse(&self.article).ok_or_else(|| columns::corrupt("report23.article"))?,
            review: match &self.review_flag {
                Some(code) => Some(ReviewFlag::parse(code).ok_or_else(|| columns::corrupt("report23.review_flag"))?),
                None => None,
            },
            police_station: self.police_station,
            resident: self.resident == 1,
            status,
            hospital: self.hospital,
            assigned_to: self.assigned_to,
            next_due_on: columns::optional_date("report23.next_due_on", self.next_due_on.as_deref())?,
            circumstances: self
                .circumstances_sealed
                .map_or(Ok(String::new()), |s| REPORT_CIRCUMSTANCES.open(keyring, id, &s))?,
            closed_on: columns::optional_date("report23.closed_on", self.closed_on.as_deref())?,
            protection_started_at: optional_instant("report23.protection_started_at", self.protection_started_at)?,
            protection_ended_at: optional_instant("report23.protection_ended_at", self.protection_ended_at)?,
            revision: self.revision,
        })
    }
}

/// An optional instant column.
fn optional_instant(column: &str, text: Option<String>) -> Result<Option<OffsetDateTime>, StoreError> {
    text.map(|t| columns::instant(column, &t)).transpose()
}

/// The case with this id, circumstances opened.
pub async fn get(db: &Db, id: i64) -> Result<Case, StoreError> {
    let keyring = db.keyring()?;
    let row: CaseRow = sqlx::query_as(&format!("SELECT {CASE_COLUMNS} FROM report23 WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("case {id}")))?;
    row.open(keyring)
}

/// A `case_event` row as stored.
#[derive(sqlx::FromRow)]
struct EventRow {
    id: i64,
    case_id: i64,
    kind: String,
    occurred_on: String,
    disposition: Option<String>,
    first_finding: Option<String>,
    second_finding: Option<String>,
    hospital: String,
    note_sealed: Option<String>,
    staff_count: Option<i64>,
    review_flag: Option<String>,
    occurred_at: Option<String>,
}

/// The events of a case, oldest first, notes opened.
pub async fn events(db: &Db, case_id: i64) -> Result<Vec<EventRecord>, StoreError> {
    let keyring = db.keyring()?;
    let rows: Vec<EventRow> = sqlx::query_as(
        "SELECT id, case_id, kind, occurred_on, disposition, first_finding, second_finding, hospital, note_sealed,
             staff_count, review_flag, occurred_at
         FROM case_event WHERE case_id = $1 ORDER BY occurred_on, id",
    )
    .bind(case_id)
    .fetch_all(&db.pool)
    .await?;
    rows.into_iter()
        .map(|row| {
            let finding = |code: &Option<String>| code.as_deref().and_then(Finding::parse);
            Ok(EventRecord {
                id: row.id,
                case_id: row.case_id,
                occurred_on: columns::date("case_event.occurred_on", &row.occurred_on)?,
                occurred_at: optional_instant("case_event.occurred_at", row.occurred_at)?,
                disposition: row.disposition.as_deref().and_then(Disposition::from_code),
                findings: (finding(&row.first_finding), finding(&row.second_finding)),
                staff: match row.staff_count {
                    Some(n) => Some(u8::try_from(n).map_err(|_| columns::corrupt("case_event.staff_count"))?),
                    None => None,
                },
                review: match row.review_flag.as_deref() {
                    Some(code) => {
                        Some(ReviewFlag::parse(code).ok_or_else(|| columns::corrupt("case_event.review_flag"))?)
                    }
                    None => None,
                },
                note: row.note_sealed.map_or(Ok(String::new()), |s| CASE_EVENT_NOTE.open(keyring, row.id, &s))?,
                kind: row.kind,
                hospital: row.hospital,
            })
        })
        .collect()
}

/// Why recording an event failed.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The domain refused the event (wrong state or a missing field).
    #[error(transparent)]
    Rule(#[from] CaseError),
    /// A field the store checks (a date).
    #[error("invalid {0}")]
    Field(&'static str),
    /// Storage failed, or the case changed since the form was made (`StaleRevision`).
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for RecordError {
    fn from(error: sqlx::Error) -> Self {
        RecordError::Store(StoreError::Database(error))
    }
}

/// An event to record on a case.
#[derive(Debug, Clone)]
pub struct EventInput {
    /// The event.
    pub event: CaseEvent,
    /// When it happened (the JST date).
    pub occurred_on: Date,
    /// The instant, when a time was entered (its JST date must be `occurred_on`); `None`: 時刻不明.
    pub occurred_at: Option<OffsetDateTime>,
    /// Free text (sealed).
    pub note: String,
    /// The next due date, if any (follow-up contacts).
    pub next_due_on: Option<Date>,
    /// Who recorded it.
    pub actor: i64,
}

/// Records an event on a case if its state allows it; the case must still be at `revision`.
pub async fn record_event(
    db: &Db,
    case_id: i64,
    revision: i64,
    input: &EventInput,
    audit: AuditEvent,
) -> Result<CaseStatus, RecordError> {
    let keyring = db.keyring()?;
    let case = get(db, case_id).await?;
    if case.revision != revision {
        return Err(StoreError::StaleRevision(Record::Case).into());
    }
    let next = case.status.apply(&input.event)?;
    let hospital = match &input.event {
        CaseEvent::Examine { hospital, .. } => hospital.trim().to_string(),
        _ => case.hospital.clone(),
    };
    // A flag stays on the case once given (a later examination does not clear the question).
    let review = input.event.review_flag().or(case.review);
    let closed_on = (next.state == CaseState::Closed).then_some(input.occurred_on);
    let next_due = if next.state == CaseState::Closed { None } else { input.next_due_on };
    let mut tx = db.pool.begin().await?;
    let done = sqlx::query(
        "UPDATE report23 SET state = $1, disposition = $2, examinations = $3, exam_not_needed = $4, hospital = $5,
             next_due_on = $6, closed_on = $7, review_flag = $10, revision = revision + 1
         WHERE id = $8 AND revision = $9",
    )
    .persistent(false)
    .bind(next.state.code())
    .bind(next.disposition.map(Disposition::code))
    .bind(i64::from(next.examinations))
    .bind(i64::from(next.exam_not_needed))
    .bind(&hospital)
    .bind(date_text(next_due))
    .bind(date_text(closed_on))
    .bind(case_id)
    .bind(revision)
    .bind(review.map(ReviewFlag::code))
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::StaleRevision(Record::Case).into());
    }
    let note = match &input.event {
        CaseEvent::NoExamNeeded { reason }
        | CaseEvent::Hold { reason }
        | CaseEvent::Close { reason }
        | CaseEvent::Examine { reason, .. }
            if !reason.trim().is_empty() =>
        {
            if input.note.trim().is_empty() {
                reason.clone()
            } else {
                format!("{reason}\n{}", input.note)
            }
        }
        _ => input.note.clone(),
    };
    let kind = input.event.code();
    if input.occurred_at.is_some_and(|at| at.to_offset(nimo_domain::clocks::JST).date() != input.occurred_on) {
        return Err(RecordError::Field("occurred_time"));
    }
    let occurred = Occurred { on: input.occurred_on, at: input.occurred_at };
    insert_event(&mut tx, keyring, case_id, kind, occurred, Some(&input.event), &note, Some(input.actor)).await?;
    append_in(&mut tx, &audit.with_record("case", case_id.to_string()).with_detail(kind)).await?;
    tx.commit().await?;
    tracing::debug!(case_id, event = kind, "case event recorded");
    Ok(next)
}

/// One line of the worklist.
#[derive(Debug, Clone)]
pub struct WorkItem {
    /// Case id.
    pub case_id: i64,
    /// Its 受付番号 (`R4-012`).
    pub reception: String,
    /// When it was received (local time).
    pub received_at: PrimitiveDateTime,
    /// District.
    pub district: String,
    /// State.
    pub state: CaseState,
    /// Next due date.
    pub next_due_on: Option<Date>,
    /// Whether the due date has passed.
    pub overdue: bool,
    /// Staff in charge (id and name).
    pub assigned: Option<(i64, String)>,
    /// The person's kana reading (opened), empty while unknown.
    pub person_kana: String,
    /// Whether the case is flagged for review (`Case::review`).
    pub review: bool,
}

/// A worklist row as read.
#[derive(sqlx::FromRow)]
struct WorkRow {
    id: i64,
    received_at: String,
    district: String,
    state: String,
    next_due_on: Option<String>,
    assigned_to: Option<i64>,
    display_name: Option<String>,
    person_id: Option<i64>,
    name_kana_sealed: Option<String>,
    fiscal_year: i64,
    review_flag: Option<String>,
}

impl WorkRow {
    /// The row as a worklist line, the kana reading opened.
    fn open(self, keyring: &nimo_vault::Keyring, today: Date) -> Result<WorkItem, StoreError> {
        let person_kana = match (self.person_id, self.name_kana_sealed) {
            (Some(pid), Some(s)) => crate::sealed::PERSON_KANA.open(keyring, pid, &s)?,
            _ => String::new(),
        };
        let next_due_on = columns::optional_date("report23.next_due_on", self.next_due_on.as_deref())?;
        let state = CaseState::parse(&self.state).ok_or_else(|| columns::corrupt("report23.state"))?;
        let fy = FiscalYear(i32::try_from(self.fiscal_year).map_err(|_| columns::corrupt("report23.fiscal_year"))?);
        Ok(WorkItem {
            case_id: self.id,
            reception: nimo_domain::cases::reception_number(fy, self.id),
            received_at: columns::local_minute("report23.received_at", &self.received_at)?,
            district: self.district,
            overdue: state != CaseState::Closed && next_due_on.is_some_and(|d| d < today),
            state,
            next_due_on,
            assigned: self.assigned_to.zip(self.display_name),
            person_kana,
            review: self.review_flag.is_some(),
        })
    }
}

/// The open cases of a municipality (of one 地区 when `district` is given), by staff in charge
/// and due date; `today` (ISO) decides what is overdue.
pub async fn worklist(
    db: &Db,
    municipality: &str,
    district: Option<&str>,
    today: &str,
) -> Result<Vec<WorkItem>, StoreError> {
    let keyring = db.keyring()?;
    let today = check_date("today", today)?;
    let rows: Vec<WorkRow> = sqlx::query_as(
        "SELECT r.id, r.received_at, r.district, r.state, r.next_due_on, r.assigned_to, u.display_name,
             r.person_id, p.name_kana_sealed, r.fiscal_year, r.review_flag
         FROM report23 r LEFT JOIN app_user u ON u.id = r.assigned_to LEFT JOIN person p ON p.id = r.person_id
         WHERE r.municipality_code = $1 AND r.state <> 'closed' AND ($2 = '' OR r.district = $2)
         ORDER BY COALESCE(u.display_name, ''), COALESCE(r.next_due_on, '9999-12-31'), r.id",
    )
    .bind(municipality)
    .bind(district.unwrap_or(""))
    .fetch_all(&db.pool)
    .await?;
    rows.into_iter().map(|row| row.open(keyring, today)).collect()
}
