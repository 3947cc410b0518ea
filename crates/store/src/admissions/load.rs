//! Loading admissions: the `admission` row gives the admission as entered, its `admission_event`
//! rows are replayed through `AdmissionStatus::apply` in order, and the replay also collects each
//! event's clock events, so that `clocks::compute` sees exactly what the domain decided. A stored
//! event the state machine refuses is [`StoreError::Corrupt`].

use crate::columns::{self, corrupt, instant};
use crate::{Db, StoreError};
use nimo_domain::FiscalYear;
use nimo_domain::MunicipalityCode;
use nimo_domain::admissions::{
    AdmissionEvent, AdmissionStatus, Consent, FormEntry, HospitalRef, NoticeKind, admission_clock_event,
};
use nimo_domain::beds::AdmissionType;
use nimo_domain::clocks::{self, Clock, Event, RULES};
use std::collections::HashMap;
use time::OffsetDateTime;

/// One recorded event of an admission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdmissionEventRecord {
    /// Row id.
    pub id: i64,
    /// When it happened.
    pub at: OffsetDateTime,
    /// The event.
    pub event: AdmissionEvent,
}

/// An admission with its events replayed.
#[derive(Debug, Clone)]
pub struct Admission {
    /// Id.
    pub id: i64,
    /// Municipality.
    pub municipality: MunicipalityCode,
    /// District.
    pub district: String,
    /// The person.
    pub person_id: i64,
    /// The 23条 case, if any.
    pub case_id: Option<i64>,
    /// The case's 受付番号, if any.
    pub reception: Option<String>,
    /// The hospital's name (the bed finder's, or as typed).
    pub hospital_name: String,
    /// The form entered at admission.
    pub entry: FormEntry,
    /// The status after every event.
    pub status: AdmissionStatus,
    /// The events after the admission, oldest first.
    pub events: Vec<AdmissionEventRecord>,
    /// What the admission and its events give the clocks, in time order.
    pub clock_events: Vec<Event>,
    /// For optimistic concurrency.
    pub revision: i64,
}

impl Admission {
    /// Every clock instance of this admission (running and stopped), by the rule table.
    pub fn clocks(&self) -> Vec<Clock> {
        clocks::compute(&self.clock_events, RULES)
    }
}

const COLUMNS: &str = "a.id, a.municipality_code, a.district, a.person_id, a.case_id, r.fiscal_year, a.hospital_id,
    a.hospital_name, a.form, a.specified_doctor, a.consent, a.period_end_at, a.admitted_at, a.revision";

#[derive(sqlx::FromRow)]
struct AdmissionRow {
    id: i64,
    municipality_code: String,
    district: String,
    person_id: i64,
    case_id: Option<i64>,
    fiscal_year: Option<i64>,
    hospital_id: Option<String>,
    hospital_name: String,
    form: String,
    specified_doctor: i64,
    consent: Option<String>,
    period_end_at: Option<String>,
    admitted_at: String,
    revision: i64,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: i64,
    admission_id: i64,
    kind: String,
    occurred_at: String,
    form: Option<String>,
    specified_doctor: Option<i64>,
    consent: Option<String>,
    period_end_at: Option<String>,
    notice: Option<String>,
    plan_id: Option<i64>,
}

fn entry(
    table: &str,
    form: Option<&str>,
    doctor: Option<i64>,
    consent: Option<&str>,
    end: Option<&str>,
) -> Result<FormEntry, StoreError> {
    let form = form.and_then(AdmissionType::parse).ok_or_else(|| corrupt(&format!("{table}.form")))?;
    let consent = match consent {
        Some(code) => Some(Consent::parse(code).ok_or_else(|| corrupt(&format!("{table}.consent")))?),
        None => None,
    };
    let period_end = end.map(|t| instant(&format!("{table}.period_end_at"), t)).transpose()?;
    Ok(FormEntry { form, specified_doctor: doctor == Some(1), consent, period_end })
}

impl EventRow {
    fn event(&self) -> Result<AdmissionEvent, StoreError> {
        let t = "admission_event";
        let entry = || {
            entry(
                t,
                self.form.as_deref(),
                self.specified_doctor,
                self.consent.as_deref(),
                self.period_end_at.as_deref(),
            )
        };
        Ok(match self.kind.as_str() {
            "change_form" => AdmissionEvent::ChangeForm(entry()?),
            "designated_exam" => AdmissionEvent::DesignatedExam,
            "lift_sochi" if self.form.is_some() => AdmissionEvent::LiftSochi { then: Some(entry()?) },
            "lift_sochi" => AdmissionEvent::LiftSochi { then: None },
            "renew" => AdmissionEvent::Renew {
                period_end: self
                    .period_end_at
                    .as_deref()
                    .map(|e| instant("admission_event.period_end_at", e))
                    .transpose()?,
                consent: self
                    .consent
                    .as_deref()
                    .and_then(Consent::parse)
                    .ok_or_else(|| corrupt("admission_event.consent"))?,
            },
            "request_renewal_consent" => AdmissionEvent::RequestRenewalConsent,
            "appoint_counselor" => AdmissionEvent::AppointCounselor,
            "notice" => AdmissionEvent::Notice(
                self.notice.as_deref().and_then(NoticeKind::parse).ok_or_else(|| corrupt("admission_event.notice"))?,
            ),
            "link_plan" => {
                AdmissionEvent::LinkPlan { plan_id: self.plan_id.ok_or_else(|| corrupt("admission_event.plan_id"))? }
            }
            "discharge" => AdmissionEvent::Discharge,
            _ => return Err(corrupt("admission_event.kind")),
        })
    }
}

/// Replays a row and its events (oldest first) into an [`Admission`].
fn replay(row: AdmissionRow, events: Vec<EventRow>) -> Result<Admission, StoreError> {
    let t = "admission";
    let first =
        entry(t, Some(&row.form), Some(row.specified_doctor), row.consent.as_deref(), row.period_end_at.as_deref())?;
    let admitted_at = instant("admission.admitted_at", &row.admitted_at)?;
    let hospital = match &row.hospital_id {
        Some(id) => HospitalRef::Listed(id.clone()),
        None => HospitalRef::Typed(row.hospital_name.clone()),
    };
    let mut status =
        AdmissionStatus::admit(admitted_at, hospital, first.clone()).map_err(|_| corrupt("admission.form"))?;
    let mut clock_events = vec![admission_clock_event(admitted_at, &first)];
    let mut records = Vec::with_capacity(events.len());
    for e in events {
        let at = instant("admission_event.occurred_at", &e.occurred_at)?;
        let event = e.event()?;
        clock_events.extend(status.clock_events(at, &event));
        status = status.apply(at, &event).map_err(|_| corrupt("admission_event.kind"))?;
        records.push(AdmissionEventRecord { id: e.id, at, event });
    }
    let reception = match (row.case_id, row.fiscal_year) {
        (Some(case), Some(year)) => {
            let fy =
                i32::try_from(year).ok().and_then(FiscalYear::new).ok_or_else(|| corrupt("report23.fiscal_year"))?;
            Some(nimo_domain::cases::reception_number(fy, case))
        }
        _ => None,
    };
    Ok(Admission {
        id: row.id,
        municipality: columns::municipality("admission.municipality_code", &row.municipality_code)?,
        district: row.district,
        person_id: row.person_id,
        case_id: row.case_id,
        reception,
        hospital_name: row.hospital_name,
        entry: first,
        status,
        events: records,
        clock_events,
        revision: row.revision,
    })
}

/// Which admissions to load.
enum Filter<'a> {
    Id(i64),
    Case(i64),
    Person(i64),
    Open { municipality: &'a str, district: &'a str, since: String },
    OpenEverywhere { since: String },
}

impl Filter<'_> {
    fn clause(&self) -> &'static str {
        match self {
            Filter::Id(_) => "a.id = $1",
            Filter::Case(_) => "a.case_id = $1",
            Filter::Person(_) => "a.person_id = $1",
            Filter::Open { .. } => {
                "a.municipality_code = $1 AND ($2 = '' OR a.district = $2) AND (a.state = 'admitted' OR a.last_at >= $3)"
            }
            Filter::OpenEverywhere { .. } => "a.state = 'admitted' OR a.last_at >= $1",
        }
    }
}

macro_rules! bind_filter {
    ($query:expr, $filter:expr) => {
        match $filter {
            Filter::Id(id) | Filter::Case(id) | Filter::Person(id) => $query.bind(*id),
            Filter::Open { municipality, district, since } => {
                $query.bind(*municipality).bind(*district).bind(since.clone())
            }
            Filter::OpenEverywhere { since } => $query.bind(since.clone()),
        }
    };
}

/// Loads the admissions a filter selects, with their events in one more query.
async fn load(db: &Db, filter: &Filter<'_>) -> Result<Vec<Admission>, StoreError> {
    let clause = filter.clause();
    let sql = format!(
        "SELECT {COLUMNS} FROM admission a LEFT JOIN report23 r ON r.id = a.case_id WHERE {clause} ORDER BY a.admitted_at, a.id"
    );
    let rows: Vec<AdmissionRow> =
        bind_filter!(sqlx::query_as(&sql).persistent(false), filter).fetch_all(&db.pool).await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let event_sql = format!(
        "SELECT e.id, e.admission_id, e.kind, e.occurred_at, e.form, e.specified_doctor, e.consent, e.period_end_at,
             e.notice, e.plan_id
         FROM admission_event e JOIN admission a ON a.id = e.admission_id
         WHERE {clause} ORDER BY e.admission_id, e.id"
    );
    let events: Vec<EventRow> =
        bind_filter!(sqlx::query_as(&event_sql).persistent(false), filter).fetch_all(&db.pool).await?;
    let mut by_admission: HashMap<i64, Vec<EventRow>> = HashMap::new();
    for e in events {
        by_admission.entry(e.admission_id).or_default().push(e);
    }
    rows.into_iter()
        .map(|row| {
            let events = by_admission.remove(&row.id).unwrap_or_default();
            replay(row, events)
        })
        .collect()
}

/// The admission with this id.
pub async fn get(db: &Db, id: i64) -> Result<Admission, StoreError> {
    load(db, &Filter::Id(id)).await?.pop().ok_or_else(|| StoreError::NotFound(format!("admission {id}")))
}

/// The admissions that follow a case, oldest first.
pub async fn of_case(db: &Db, case_id: i64) -> Result<Vec<Admission>, StoreError> {
    load(db, &Filter::Case(case_id)).await
}

/// The admissions of a person, oldest first (for the timeline).
pub async fn of_person(db: &Db, person_id: i64) -> Result<Vec<Admission>, StoreError> {
    load(db, &Filter::Person(person_id)).await
}

/// How long after its last event a discharged admission stays on the board: its clocks (退院届,
/// the 退院後支援計画) may still run. A bound on the query, not a rule: the clocks decide.
pub const DISCHARGED_KEPT_DAYS: i64 = 400;

/// The admissions whose clocks may run at `now`: in hospital, or discharged in the last
/// [`DISCHARGED_KEPT_DAYS`], in a municipality (one 地区 when `district` is given).
pub async fn open_in(
    db: &Db,
    municipality: &str,
    district: Option<&str>,
    now: OffsetDateTime,
) -> Result<Vec<Admission>, StoreError> {
    let since = crate::audit::timestamp(now - time::Duration::days(DISCHARGED_KEPT_DAYS));
    load(db, &Filter::Open { municipality, district: district.unwrap_or(""), since }).await
}

/// The admissions whose clocks may run at `now` in every municipality, as [`open_in`] selects
/// them: for the operator's counts of clocks due (nothing sealed is read).
pub async fn open_everywhere(db: &Db, now: OffsetDateTime) -> Result<Vec<Admission>, StoreError> {
    let since = crate::audit::timestamp(now - time::Duration::days(DISCHARGED_KEPT_DAYS));
    load(db, &Filter::OpenEverywhere { since }).await
}

/// A person's admissions and their events on the person's timeline (JST dates; the hospital and
/// the 入院形態, no notes).
pub async fn timeline_entries(db: &Db, person_id: i64) -> Result<Vec<crate::cases::TimelineEntry>, StoreError> {
    use nimo_domain::admissions::event_label;
    let day = |at: OffsetDateTime| at.to_offset(clocks::JST).date();
    let mut entries = Vec::new();
    for a in of_person(db, person_id).await? {
        entries.push(crate::cases::TimelineEntry {
            on: day(a.status.admitted_at),
            what: "入院".into(),
            case_id: a.case_id,
            detail: format!("{}・{}", a.hospital_name, a.entry.form.label()),
        });
        for e in &a.events {
            let detail = match &e.event {
                AdmissionEvent::ChangeForm(entry) | AdmissionEvent::LiftSochi { then: Some(entry) } => {
                    format!("{}・{}", a.hospital_name, entry.form.label())
                }
                AdmissionEvent::Notice(kind) => kind.label().to_string(),
                _ => a.hospital_name.clone(),
            };
            entries.push(crate::cases::TimelineEntry {
                on: day(e.at),
                what: event_label(e.event.code()).to_string(),
                case_id: a.case_id,
                detail,
            });
        }
    }
    Ok(entries)
}
