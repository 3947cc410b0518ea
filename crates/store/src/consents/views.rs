//! What pages read of 市町村長同意: the list of a scope (open first, most urgent clock first), the
//! requests of a person, a request's events, the running clocks of a scope as entries for the clock
//! board, and the counts per 年度 for the sheet.

use super::{CONSENT_COLUMNS, ConsentRow};
use crate::columns;
use crate::sealed::{CONSENT_EVENT_NOTE, CONSENT_OFFICIAL, PERSON_KANA};
use crate::{Db, StoreError};
use nimo_domain::clocks::{Clock, ClockState};
use nimo_domain::consents::{
    ConsentState, ConsentStatus, EndReason, Excluded, FamilyFinding, ResidenceBasis, clocks, event_label,
};
use std::cmp::Ordering;
use time::OffsetDateTime;

/// One request in a list.
#[derive(Debug, Clone)]
pub struct ConsentItem {
    /// Id.
    pub id: i64,
    /// The person.
    pub person_id: i64,
    /// The person's kana (opened; empty when the list is for a page that shows no names).
    pub person_kana: String,
    /// District.
    pub district: String,
    /// The hospital's name.
    pub hospital_name: String,
    /// The status.
    pub status: ConsentStatus,
    /// Its clocks, running or stopped.
    pub clocks: Vec<Clock>,
}

impl ConsentItem {
    /// The most urgent clock not stopped at `now`.
    pub fn urgent(&self, now: OffsetDateTime) -> Option<&Clock> {
        self.clocks.iter().filter(|c| c.state_at(now) != ClockState::Stopped).min_by(|a, b| urgency(a, b, now))
    }
}

fn urgency(a: &Clock, b: &Clock, now: OffsetDateTime) -> Ordering {
    a.state_at(now).cmp(&b.state_at(now)).then(a.deadline.cmp(&b.deadline))
}

/// A running clock of a scope, as the clock board lists it: where it leads, what it is about (no
/// personal data: the request's number and the hospital), and the clock.
#[derive(Debug, Clone)]
pub struct ClockEntry {
    /// The request's page.
    pub link: String,
    /// `市町村長同意 第12号（見本病院）`.
    pub label: String,
    /// The clock.
    pub clock: Clock,
}

#[derive(sqlx::FromRow)]
struct ListRow {
    #[sqlx(flatten)]
    consent: ConsentRow,
    name_kana_sealed: Option<String>,
}

/// Which requests to read: a scope (municipality, 地区 or all of it), or one person's.
struct Filter<'a> {
    municipality: &'a str,
    district: &'a str,
    person_id: i64,
    open_only: bool,
    /// Whether to open the person's kana (the operator's counts read no name).
    names: bool,
}

async fn items(db: &Db, filter: Filter<'_>) -> Result<Vec<ConsentItem>, StoreError> {
    let keyring = db.keyring()?;
    let columns: String = CONSENT_COLUMNS.split(',').map(|c| format!("c.{}", c.trim())).collect::<Vec<_>>().join(", ");
    let rows: Vec<ListRow> = sqlx::query_as(&format!(
        "SELECT {columns}, p.name_kana_sealed FROM mayor_consent c JOIN person p ON p.id = c.person_id
         WHERE ($1 = '' OR c.municipality_code = $1) AND ($2 = '' OR c.district = $2)
             AND ($3 = 0 OR c.person_id = $3) AND ($4 = 0 OR c.state <> 'ended')
         ORDER BY c.id"
    ))
    .bind(filter.municipality)
    .bind(filter.district)
    .bind(filter.person_id)
    .bind(i64::from(filter.open_only))
    .fetch_all(&db.pool)
    .await?;
    rows.into_iter()
        .map(|row| {
            let status = row.consent.status()?;
            let person_id = row.consent.person_id;
            Ok(ConsentItem {
                id: row.consent.id,
                person_id,
                person_kana: match row.name_kana_sealed {
                    Some(sealed) if filter.names => PERSON_KANA.open(keyring, person_id, &sealed)?,
                    _ => String::new(),
                },
                district: row.consent.district,
                hospital_name: row.consent.hospital_name,
                clocks: clocks(&status),
                status,
            })
        })
        .collect()
}

/// The requests of a municipality (of one 地区 when `district` is given): open ones first, the
/// most urgent clock at `now` first; ended ones after, the latest first.
pub async fn list(
    db: &Db,
    municipality: &str,
    district: Option<&str>,
    now: OffsetDateTime,
) -> Result<Vec<ConsentItem>, StoreError> {
    let filter = Filter { municipality, district: district.unwrap_or(""), person_id: 0, open_only: false, names: true };
    let mut list = items(db, filter).await?;
    list.sort_by(|a, b| {
        let ended = |i: &ConsentItem| i.status.state == ConsentState::Ended;
        ended(a).cmp(&ended(b)).then_with(|| match (a.urgent(now), b.urgent(now)) {
            (Some(x), Some(y)) => urgency(x, y, now),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => b.status.last_at.cmp(&a.status.last_at),
        })
    });
    Ok(list)
}

/// The requests about a person, oldest first (the person's page and timeline).
pub async fn of_person(db: &Db, person_id: i64) -> Result<Vec<ConsentItem>, StoreError> {
    items(db, Filter { municipality: "", district: "", person_id, open_only: false, names: true }).await
}

/// The clocks not stopped at `now` of a municipality's requests (of one 地区 when given), most
/// urgent first, each with its link and a label without personal data.
pub async fn running_clocks(
    db: &Db,
    municipality: &str,
    district: Option<&str>,
    now: OffsetDateTime,
) -> Result<Vec<ClockEntry>, StoreError> {
    let filter = Filter { municipality, district: district.unwrap_or(""), person_id: 0, open_only: true, names: true };
    let mut entries: Vec<ClockEntry> = items(db, filter)
        .await?
        .into_iter()
        .flat_map(|item| {
            let link = format!("/municipalities/{municipality}/consents/{}", item.id);
            let label = format!("市町村長同意 第{}号（{}）", item.id, item.hospital_name);
            item.clocks.into_iter().filter(|c| c.state_at(now) != ClockState::Stopped).map(move |clock| ClockEntry {
                link: link.clone(),
                label: label.clone(),
                clock,
            })
        })
        .collect();
    entries.sort_by(|a, b| urgency(&a.clock, &b.clock, now));
    Ok(entries)
}

/// The clocks not stopped at `now` of the open requests of every municipality, for the
/// operator's counts of clocks due (no name is opened).
pub async fn running_clocks_everywhere(db: &Db, now: OffsetDateTime) -> Result<Vec<Clock>, StoreError> {
    let filter = Filter { municipality: "", district: "", person_id: 0, open_only: true, names: false };
    Ok(items(db, filter)
        .await?
        .into_iter()
        .flat_map(|item| item.clocks)
        .filter(|clock| clock.state_at(now) != ClockState::Stopped)
        .collect())
}

/// One recorded event of a request, as its page shows it.
#[derive(Debug, Clone)]
pub struct ConsentEventRecord {
    /// The event's code (`receive`, `decide` …).
    pub kind: String,
    /// Its label.
    pub label: &'static str,
    /// When it happened.
    pub occurred_at: OffsetDateTime,
    /// What was found or decided, in Japanese.
    pub detail: String,
    /// The deciding official (opened).
    pub official: String,
    /// Remarks (opened).
    pub note: String,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: i64,
    kind: String,
    occurred_at: String,
    residence: Option<String>,
    family: Option<String>,
    excluded: Option<String>,
    decision: Option<String>,
    period_end: Option<String>,
    end_reason: Option<String>,
    official_sealed: Option<String>,
    note_sealed: Option<String>,
}

/// The events of a request, in order.
pub async fn events(db: &Db, consent_id: i64) -> Result<Vec<ConsentEventRecord>, StoreError> {
    let keyring = db.keyring()?;
    let rows: Vec<EventRow> = sqlx::query_as(
        "SELECT id, kind, occurred_at, residence, family, excluded, decision, period_end, end_reason,
             official_sealed, note_sealed
         FROM mayor_consent_event WHERE consent_id = $1 ORDER BY occurred_at, id",
    )
    .bind(consent_id)
    .fetch_all(&db.pool)
    .await?;
    rows.into_iter()
        .map(|row| {
            let mut detail: Vec<String> = Vec::new();
            if let Some(basis) = row.residence.as_deref().and_then(ResidenceBasis::parse) {
                detail.push(basis.label().into());
            }
            if let Some(finding) = row.family.as_deref().and_then(FamilyFinding::parse) {
                detail.push(finding.label().into());
            }
            let excluded: Vec<&str> = row
                .excluded
                .iter()
                .flat_map(|e| e.split(','))
                .filter_map(Excluded::parse)
                .map(Excluded::label)
                .collect();
            if !excluded.is_empty() {
                detail.push(format!("家族等に当たらない者: {}", excluded.join("、")));
            }
            match row.decision.as_deref() {
                Some("consent") => detail.push("同意".into()),
                Some("refuse") => detail.push("不同意".into()),
                _ => {}
            }
            if let Some(end) = row.period_end.as_deref() {
                let end = columns::instant("mayor_consent_event.period_end", end)?;
                detail.push(format!("入院期間の満了: {}", nimo_domain::clocks::deadline_text(end)));
            }
            if let Some(reason) = row.end_reason.as_deref().and_then(EndReason::parse) {
                detail.push(reason.label().into());
            }
            let open = |column: crate::sealed::EncryptedColumn, sealed: Option<String>| {
                sealed.map_or(Ok(String::new()), |s| column.open(keyring, row.id, &s))
            };
            Ok(ConsentEventRecord {
                label: event_label(&row.kind),
                occurred_at: columns::instant("mayor_consent_event.occurred_at", &row.occurred_at)?,
                detail: detail.join(" / "),
                official: open(CONSENT_OFFICIAL, row.official_sealed)?,
                note: open(CONSENT_EVENT_NOTE, row.note_sealed)?,
                kind: row.kind,
            })
        })
        .collect()
}

/// A 年度's counts of 市町村長同意, for the sheet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConsentCounts {
    /// Requests received.
    pub requests: i64,
    /// Consents given.
    pub consents: i64,
    /// Renewals consented to.
    pub renewals: i64,
    /// Visits made.
    pub visits: i64,
}

/// The counts of a municipality's 年度 (by the JST date of each event).
pub async fn counts(db: &Db, municipality: &str, fiscal_year: i32) -> Result<ConsentCounts, StoreError> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT e.kind, COUNT(*) FROM mayor_consent_event e JOIN mayor_consent c ON c.id = e.consent_id
         WHERE c.municipality_code = $1 AND e.fiscal_year = $2 AND (e.decision IS NULL OR e.decision = 'consent')
         GROUP BY e.kind",
    )
    .bind(municipality)
    .bind(i64::from(fiscal_year))
    .fetch_all(&db.pool)
    .await?;
    let of = |kind: &str| rows.iter().find(|(k, _)| k == kind).map_or(0, |(_, n)| *n);
    Ok(ConsentCounts {
        requests: of("receive"),
        consents: of("decide"),
        renewals: of("decide_renewal"),
        visits: of("visit"),
    })
}

/// A person's requests as links need them: id and state, oldest first (nothing opened).
pub async fn states_of_person(db: &Db, person_id: i64) -> Result<Vec<(i64, ConsentState)>, StoreError> {
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, state FROM mayor_consent WHERE person_id = $1 ORDER BY id")
            .bind(person_id)
            .fetch_all(&db.pool)
            .await?;
    rows.into_iter()
        .map(|(id, state)| {
            let state = ConsentState::parse(&state).ok_or_else(|| StoreError::Corrupt("mayor_consent.state".into()))?;
            Ok((id, state))
        })
        .collect()
}

/// The 年度 in which a municipality's 市町村長同意 have events, newest first.
pub async fn years(db: &Db, municipality: &str) -> Result<Vec<i32>, StoreError> {
    let years: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT e.fiscal_year FROM mayor_consent_event e JOIN mayor_consent c ON c.id = e.consent_id
         WHERE c.municipality_code = $1 ORDER BY e.fiscal_year DESC",
    )
    .bind(municipality)
    .fetch_all(&db.pool)
    .await?;
    Ok(years.into_iter().filter_map(|y| i32::try_from(y).ok()).collect())
}

/// The bed finder's hospitals (id, name) a request form offers, by name.
pub async fn hospital_choices(db: &Db) -> Result<Vec<(String, String)>, StoreError> {
    Ok(sqlx::query_as("SELECT id, name FROM hospital ORDER BY name, id").fetch_all(&db.pool).await?)
}

/// A person's 市町村長同意 events for the timeline, each on its JST day (no notes, no official).
pub async fn timeline_entries(db: &Db, person_id: i64) -> Result<Vec<crate::cases::TimelineEntry>, StoreError> {
    let mut entries = Vec::new();
    for item in of_person(db, person_id).await? {
        for event in events(db, item.id).await? {
            let detail = if event.detail.is_empty() {
                format!("第{}号（{}）", item.id, item.hospital_name)
            } else {
                format!("第{}号（{}） {}", item.id, item.hospital_name, event.detail)
            };
            entries.push(crate::cases::TimelineEntry {
                on: event.occurred_at.to_offset(nimo_domain::clocks::JST).date(),
                what: format!("市町村長同意 {}", event.label),
                case_id: None,
                detail,
            });
        }
    }
    Ok(entries)
}
