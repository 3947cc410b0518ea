//! Police 保護 (警察官職務執行法3条) on a 23条通報 case: when it began and ended as the 保健所
//! learns them (`set`, revision-checked, with its audit row), and the 24-hour clock it runs
//! (`clocks`, `running`), for the case page and the clock board. Instants only; no personal data.

use super::Case;
use crate::audit::{AuditEvent, append_in, timestamp};
use crate::columns;
use crate::{Db, Record, StoreError};
use nimo_domain::FiscalYear;
use nimo_domain::clocks::{self, Clock, Event, EventKind, RULES};
use time::OffsetDateTime;

/// The rules a case's police 保護 runs (the 24 hours and the court-ordered extension).
const RULE_PREFIX: &str = "police_protection";

/// Records when the police 保護 began and ended (`None` clears a value); the case must still be at
/// `revision`. One transaction with the audit row (`write`, record `case:ID`, detail
/// `protection`).
pub async fn set(
    db: &Db,
    case_id: i64,
    revision: i64,
    started_at: Option<OffsetDateTime>,
    ended_at: Option<OffsetDateTime>,
    audit: AuditEvent,
) -> Result<(), StoreError> {
    let mut tx = db.pool.begin().await?;
    let done = sqlx::query(
        "UPDATE report23 SET protection_started_at = $1, protection_ended_at = $2, revision = revision + 1
         WHERE id = $3 AND revision = $4",
    )
    .persistent(false)
    .bind(started_at.map(timestamp))
    .bind(ended_at.map(timestamp))
    .bind(case_id)
    .bind(revision)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::StaleRevision(Record::Case));
    }
    append_in(&mut tx, &audit.with_record("case", case_id.to_string()).with_detail("protection")).await?;
    tx.commit().await?;
    Ok(())
}

/// The clock events of a police 保護: its start, its end, and the admissions that followed it
/// (an admission ends the 保護: the person is in hospital's care).
fn events(started_at: OffsetDateTime, ended_at: Option<OffsetDateTime>, admitted: &[OffsetDateTime]) -> Vec<Event> {
    let mut events = vec![Event::new(EventKind::PoliceProtection, started_at)];
    events.extend(ended_at.map(|at| Event::new(EventKind::ProtectionEnded, at)));
    events.extend(admitted.iter().filter(|at| **at >= started_at).map(|at| Event::new(EventKind::Admission, *at)));
    events
}

/// The police 保護 clocks of a case (none when no start is recorded), given the 入院日時 of its
/// admissions.
pub fn clocks(case: &Case, admitted: &[OffsetDateTime]) -> Vec<Clock> {
    clocks_of(case.protection_started_at, case.protection_ended_at, admitted)
}

fn clocks_of(
    started_at: Option<OffsetDateTime>,
    ended_at: Option<OffsetDateTime>,
    admitted: &[OffsetDateTime],
) -> Vec<Clock> {
    let Some(started_at) = started_at else { return Vec::new() };
    clocks::compute(&events(started_at, ended_at, admitted), RULES)
        .into_iter()
        .filter(|c| c.rule.id.starts_with(RULE_PREFIX))
        .collect()
}

#[derive(sqlx::FromRow)]
struct AdmittedRow {
    admitted_at: String,
}

/// The 入院日時 of a case's admissions.
pub async fn admitted_at(db: &Db, case_id: i64) -> Result<Vec<OffsetDateTime>, StoreError> {
    let rows: Vec<AdmittedRow> = sqlx::query_as("SELECT admitted_at FROM admission WHERE case_id = $1 ORDER BY id")
        .bind(case_id)
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(|row| columns::instant("admission.admitted_at", &row.admitted_at)).collect()
}

/// A police 保護 clock of an open case, for the board.
#[derive(Debug, Clone)]
pub struct CaseClock {
    /// The case.
    pub case_id: i64,
    /// Its 受付番号.
    pub reception: String,
    /// The clock.
    pub clock: Clock,
}

#[derive(sqlx::FromRow)]
struct ProtectionRow {
    id: i64,
    fiscal_year: i64,
    protection_started_at: String,
    protection_ended_at: Option<String>,
    admitted_at: Option<String>,
}

/// The police 保護 clocks of a municipality's open cases (one 地区 when given), stopped ones
/// included; the board keeps those running at its instant.
pub async fn running(db: &Db, municipality: &str, district: Option<&str>) -> Result<Vec<CaseClock>, StoreError> {
    let rows: Vec<ProtectionRow> = sqlx::query_as(
        "SELECT r.id, r.fiscal_year, r.protection_started_at, r.protection_ended_at, a.admitted_at
         FROM report23 r LEFT JOIN admission a ON a.case_id = r.id
         WHERE r.municipality_code = $1 AND r.state <> 'closed' AND ($2 = '' OR r.district = $2)
             AND r.protection_started_at IS NOT NULL
         ORDER BY r.id, a.id",
    )
    .bind(municipality)
    .bind(district.unwrap_or(""))
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::new();
    let mut index = 0;
    while index < rows.len() {
        let first = &rows[index];
        let mut admitted = Vec::new();
        let mut next = index;
        while next < rows.len() && rows[next].id == first.id {
            if let Some(at) = &rows[next].admitted_at {
                admitted.push(columns::instant("admission.admitted_at", at)?);
            }
            next += 1;
        }
        let started = columns::instant("report23.protection_started_at", &first.protection_started_at)?;
        let ended = match &first.protection_ended_at {
            Some(text) => Some(columns::instant("report23.protection_ended_at", text)?),
            None => None,
        };
        let fy = FiscalYear(i32::try_from(first.fiscal_year).map_err(|_| columns::corrupt("report23.fiscal_year"))?);
        let reception = nimo_domain::cases::reception_number(fy, first.id);
        out.extend(clocks_of(Some(started), ended, &admitted).into_iter().map(|clock| CaseClock {
            case_id: first.id,
            reception: reception.clone(),
            clock,
        }));
        index = next;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_24_hours_run_from_the_recorded_instant_and_an_admission_stops_them() {
        let start = datetime!(2026-12-01 22:40 +9);
        let only = clocks_of(Some(start), None, &[]);
        assert_eq!(only.len(), 1);
        assert_eq!(only[0].deadline, Some(datetime!(2026-12-02 22:40 +9)));
        let admitted = clocks_of(Some(start), None, &[datetime!(2026-12-02 03:00 +9)]);
        assert_eq!(admitted[0].stopped_at, Some(datetime!(2026-12-02 03:00 +9)));
        let ended = clocks_of(Some(start), Some(datetime!(2026-12-02 01:00 +9)), &[]);
        assert_eq!(ended[0].stopped_at, Some(datetime!(2026-12-02 01:00 +9)));
        assert!(clocks_of(None, None, &[]).is_empty());
    }
}
