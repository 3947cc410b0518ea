//! What happens around a case besides its own steps: outreach visits, 退院後支援計画 records,
//! and a person's timeline that puts reports, examinations, visits and plans in one order.

use crate::audit::{AuditEvent, append_in, timestamp};
use crate::columns::{self, date_text};
use crate::sealed::{PLAN_CONTENTS, VISIT_NOTE};
use crate::{Db, StoreError};
use nimo_domain::cases::{CaseEvent, Disposition};
use nimo_domain::{FiscalYear, MunicipalityCode};
use sqlx::Row;
use time::{Date, OffsetDateTime, PrimitiveDateTime};

/// An outreach visit to record.
#[derive(Debug, Clone)]
pub struct NewVisit {
    /// Municipality.
    pub municipality: MunicipalityCode,
    /// District.
    pub district: String,
    /// The person visited.
    pub person_id: i64,
    /// The case it belongs to, if any.
    pub case_id: Option<i64>,
    /// The day of the visit.
    pub visited_on: Date,
    /// Profession code (`nimo_domain::cases::PROFESSIONS`): who recorded or led it.
    pub profession: String,
    /// The other professions of a team visit (one visit, several professions).
    pub team: Vec<String>,
    /// Method code (`nimo_domain::cases::VISIT_METHODS`).
    pub method: String,
    /// Outcome (short code or text; not personal).
    pub outcome: String,
    /// Note (sealed).
    pub note: String,
    /// Who recorded it.
    pub actor: Option<i64>,
}

/// Records an outreach visit with its audit row; returns its id.
pub async fn add_visit(db: &Db, visit: &NewVisit, audit: AuditEvent) -> Result<i64, StoreError> {
    let keyring = db.keyring()?;
    let date = visit.visited_on;
    let known = |code: &String| nimo_domain::cases::PROFESSIONS.iter().any(|p| p.code == code);
    if !known(&visit.profession) || !visit.team.iter().all(known) {
        return Err(StoreError::UnknownCode("profession"));
    }
    let fy = FiscalYear::of_date(date.year(), u8::from(date.month()));
    let mut tx = db.pool.begin().await?;
    let row = sqlx::query(
        "INSERT INTO outreach_visit (municipality_code, district, person_id, case_id, visited_on, fiscal_year,
             profession, method, outcome, actor, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .persistent(false)
    .bind(visit.municipality.as_str())
    .bind(&visit.district)
    .bind(visit.person_id)
    .bind(visit.case_id)
    .bind(visit.visited_on.to_string())
    .bind(i64::from(fy.year()))
    .bind(&visit.profession)
    .bind(&visit.method)
    .bind(&visit.outcome)
    .bind(visit.actor)
    .bind(timestamp(OffsetDateTime::now_utc()))
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    sqlx::query("UPDATE outreach_visit SET note_sealed = $1 WHERE id = $2")
        .bind(VISIT_NOTE.seal(keyring, id, &visit.note))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let mut professions = vec![visit.profession.as_str()];
    for code in &visit.team {
        if !professions.contains(&code.as_str()) {
            professions.push(code);
        }
    }
    for code in professions {
        sqlx::query("INSERT INTO outreach_visit_profession (visit_id, profession) VALUES ($1, $2)")
            .bind(id)
            .bind(code)
            .execute(&mut *tx)
            .await?;
    }
    append_in(&mut tx, &audit.with_record("visit", id.to_string())).await?;
    tx.commit().await?;
    Ok(id)
}

/// A 退院後支援計画 recorded in one go (consent and start; the life-cycle is in `crate::plans`).
#[derive(Debug, Clone)]
pub struct NewPlan {
    /// Municipality (the author: the 帰住先's).
    pub municipality: MunicipalityCode,
    /// District.
    pub district: String,
    /// The person.
    pub person_id: i64,
    /// The 23条 case it follows.
    pub case_id: Option<i64>,
    /// `given` or `refused`.
    pub consent: String,
    /// Consent date.
    pub consent_on: Date,
    /// The start of the support period (discharge); `None` when no plan was made.
    pub started_on: Option<Date>,
    /// Plan contents (sealed).
    pub contents: String,
}

/// Records a plan with its audit row; returns its id.
pub async fn add_plan(db: &Db, plan: &NewPlan, audit: AuditEvent) -> Result<i64, StoreError> {
    let keyring = db.keyring()?;
    let (fy, period_end) = match plan.started_on {
        Some(date) => {
            let end = nimo_domain::plans::add_months(date, u32::from(nimo_domain::plans::PERIOD_MONTHS));
            (Some(i64::from(FiscalYear::of_date(date.year(), u8::from(date.month())).year())), Some(end.to_string()))
        }
        None => (None, None),
    };
    let state = match (plan.consent.as_str(), &plan.started_on) {
        ("given", Some(_)) => "active",
        ("given", None) => "drafting",
        ("refused", _) => "declined",
        _ => return Err(StoreError::UnknownCode("consent")),
    };
    let mut tx = db.pool.begin().await?;
    let row = sqlx::query(
        "INSERT INTO discharge_plan (municipality_code, district, person_id, case_id, state, consent, consent_on,
             started_on, fiscal_year, created_at, period_end_on, drafted, last_event_on)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .persistent(false)
    .bind(plan.municipality.as_str())
    .bind(&plan.district)
    .bind(plan.person_id)
    .bind(plan.case_id)
    .bind(state)
    .bind(&plan.consent)
    .bind(plan.consent_on.to_string())
    .bind(date_text(plan.started_on))
    .bind(fy)
    .bind(timestamp(OffsetDateTime::now_utc()))
    .bind(period_end)
    .bind(i64::from(!plan.contents.trim().is_empty()))
    .bind(plan.started_on.unwrap_or(plan.consent_on).to_string())
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    sqlx::query("UPDATE discharge_plan SET contents_sealed = $1 WHERE id = $2")
        .bind(PLAN_CONTENTS.seal(keyring, id, &plan.contents))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    append_in(&mut tx, &audit.with_record("plan", id.to_string())).await?;
    tx.commit().await?;
    Ok(id)
}

/// One entry of a person's timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEntry {
    /// The day.
    pub on: Date,
    /// What (Japanese label).
    pub what: String,
    /// The case it belongs to, if any.
    pub case_id: Option<i64>,
    /// More (disposition, profession, hospital; no notes).
    pub detail: String,
}

/// A case event on a person's timeline, as read.
#[derive(sqlx::FromRow)]
struct EventLine {
    case_id: i64,
    kind: String,
    occurred_on: String,
    disposition: Option<String>,
    hospital: String,
}

/// An outreach visit on a person's timeline, as read.
#[derive(sqlx::FromRow)]
struct VisitLine {
    case_id: Option<i64>,
    visited_on: String,
    profession: String,
    method: String,
}

/// A plan recorded in one go, on a person's timeline, as read.
#[derive(sqlx::FromRow)]
struct PlanLine {
    case_id: Option<i64>,
    consent: String,
    consent_on: String,
    started_on: Option<String>,
}

/// Everything recorded about a person, oldest first: each report's events, visits and plans.
pub async fn timeline(db: &Db, person_id: i64) -> Result<Vec<TimelineEntry>, StoreError> {
    let mut entries = Vec::new();
    let rows: Vec<EventLine> = sqlx::query_as(
        "SELECT e.case_id, e.kind, e.occurred_on, e.disposition, e.hospital FROM case_event e
         JOIN report23 r ON r.id = e.case_id WHERE r.person_id = $1",
    )
    .bind(person_id)
    .fetch_all(&db.pool)
    .await?;
    for row in rows {
        let detail = match row.disposition.as_deref().and_then(Disposition::from_code) {
            Some(d) if row.hospital.is_empty() => d.label().to_string(),
            Some(d) => format!("{}（{}）", d.label(), row.hospital),
            None => String::new(),
        };
        entries.push(TimelineEntry {
            on: columns::date("case_event.occurred_on", &row.occurred_on)?,
            what: CaseEvent::label_of(&row.kind).to_string(),
            case_id: Some(row.case_id),
            detail,
        });
    }
    let rows: Vec<VisitLine> =
        sqlx::query_as("SELECT case_id, visited_on, profession, method FROM outreach_visit WHERE person_id = $1")
            .bind(person_id)
            .fetch_all(&db.pool)
            .await?;
    let professions: Vec<(&str, &'static str)> =
        nimo_domain::cases::PROFESSIONS.iter().map(|p| (p.code, p.label)).collect();
    let label =
        |list: &[(&str, &'static str)], code: &str| list.iter().find(|(c, _)| *c == code).map_or("その他", |(_, l)| *l);
    for row in rows {
        entries.push(TimelineEntry {
            on: columns::date("outreach_visit.visited_on", &row.visited_on)?,
            what: "アウトリーチ訪問".into(),
            case_id: row.case_id,
            detail: format!(
                "{}・{}",
                label(&professions, &row.profession),
                label(nimo_domain::cases::VISIT_METHODS, &row.method)
            ),
        });
    }
    // Plans recorded in one go (`add_plan`, the demo) have no events: their consent and start.
    let rows: Vec<PlanLine> = sqlx::query_as(
        "SELECT case_id, consent, consent_on, started_on FROM discharge_plan d WHERE person_id = $1
             AND NOT EXISTS (SELECT 1 FROM plan_event e WHERE e.plan_id = d.id)",
    )
    .bind(person_id)
    .fetch_all(&db.pool)
    .await?;
    for row in rows {
        entries.push(TimelineEntry {
            on: columns::date("discharge_plan.consent_on", &row.consent_on)?,
            what: "退院後支援計画 同意".into(),
            case_id: row.case_id,
            detail: if row.consent == "given" { "同意あり".into() } else { "同意なし".into() },
        });
        if let Some(start) = columns::optional_date("discharge_plan.started_on", row.started_on.as_deref())? {
            entries.push(TimelineEntry {
                on: start,
                what: "退院後支援計画 支援開始".into(),
                case_id: row.case_id,
                detail: String::new(),
            });
        }
    }
    entries.extend(crate::plans::timeline_entries(db, person_id).await?);
    entries.extend(crate::consents::timeline_entries(db, person_id).await?);
    entries.extend(admissions(db, person_id).await?);
    entries.extend(crate::admissions::timeline_entries(db, person_id).await?);
    entries.sort_by_key(|entry| entry.on);
    Ok(entries)
}

/// The accepted bed holds of a person's cases: the day (Japan time) each hospital accepted, the
/// hospital and ward, and the 入院形態.
async fn admissions(db: &Db, person_id: i64) -> Result<Vec<TimelineEntry>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        case_id: i64,
        decided_at: i64,
        hospital: String,
        ward: String,
        admission_type: String,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT b.case_id, b.decided_at, h.name AS hospital, w.name AS ward, b.admission_type
         FROM bed_hold b JOIN report23 r ON r.id = b.case_id JOIN ward w ON w.id = b.ward_id
         JOIN hospital h ON h.id = w.hospital_id
         WHERE r.person_id = $1 AND b.state = 'accepted' AND b.decided_at IS NOT NULL",
    )
    .bind(person_id)
    .fetch_all(&db.pool)
    .await?;
    let japan = time::UtcOffset::from_hms(9, 0, 0).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    rows.into_iter()
        .map(|row| {
            let at = OffsetDateTime::from_unix_timestamp(row.decided_at)
                .map_err(|_| StoreError::Corrupt("bed_hold.decided_at".into()))?;
            let admission = nimo_domain::beds::AdmissionType::parse(&row.admission_type)
                .map_or("", nimo_domain::beds::AdmissionType::label);
            Ok(TimelineEntry {
                on: at.to_offset(japan).date(),
                what: "入院（仮押さえの受入れ）".into(),
                case_id: Some(row.case_id),
                detail: format!("{} {}・{admission}", row.hospital, row.ward),
            })
        })
        .collect()
}

/// A case of a person, for choosing one in a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonCase {
    /// Case id.
    pub id: i64,
    /// When it was received (local time).
    pub received_at: PrimitiveDateTime,
}

/// The cases of a person, newest first.
pub async fn cases_of_person(db: &Db, person_id: i64) -> Result<Vec<PersonCase>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        received_at: String,
    }
    let rows: Vec<Row> =
        sqlx::query_as("SELECT id, received_at FROM report23 WHERE person_id = $1 ORDER BY received_at DESC, id")
            .bind(person_id)
            .fetch_all(&db.pool)
            .await?;
    rows.into_iter()
        .map(|row| {
            Ok(PersonCase { id: row.id, received_at: columns::local_minute("report23.received_at", &row.received_at)? })
        })
        .collect()
}
