//! Reading plans back: meetings and events with their sealed text opened, the list of open plans
//! with reminders, a person's plans and their entries on the person's timeline.

use super::MEETING_PURPOSES;
use crate::cases::TimelineEntry;
use crate::columns;
use crate::sealed::{PERSON_KANA, PLAN_EVENT_NOTE, PLAN_FAMILY_VIEW, PLAN_MEETING_MINUTES};
use crate::{Db, StoreError};
use nimo_domain::plans::{EndReason, Party, PlanEvent, PlanState, family_relation_label};
use time::Date;

/// A recorded 支援会議.
#[derive(Debug, Clone)]
pub struct Meeting {
    /// Id.
    pub id: i64,
    /// The day it was held.
    pub held_on: Date,
    /// Purpose code.
    pub purpose: String,
    /// 本人 attended.
    pub person_attended: bool,
    /// 家族等 attended.
    pub family_attended: bool,
    /// (organisation, role).
    pub participants: Vec<(String, String)>,
    /// Minutes (opened).
    pub minutes: String,
    /// The police attended.
    pub police_attended: bool,
    /// The conditions confirmed for the police's attendance (codes).
    pub police_conditions: Vec<String>,
}

/// A `plan_meeting` row as read.
#[derive(sqlx::FromRow)]
struct MeetingRow {
    id: i64,
    held_on: String,
    purpose: String,
    person_attended: i64,
    family_attended: i64,
    participants: String,
    minutes_sealed: Option<String>,
    police_attended: i64,
    police_conditions: String,
}

/// The meetings of a plan, oldest first, minutes opened.
pub async fn meetings(db: &Db, plan_id: i64) -> Result<Vec<Meeting>, StoreError> {
    let keyring = db.keyring()?;
    let rows: Vec<MeetingRow> = sqlx::query_as(
        "SELECT id, held_on, purpose, person_attended, family_attended, participants, minutes_sealed,
             police_attended, police_conditions
         FROM plan_meeting WHERE plan_id = $1 ORDER BY held_on, id",
    )
    .bind(plan_id)
    .fetch_all(&db.pool)
    .await?;
    rows.into_iter()
        .map(|row| {
            Ok(Meeting {
                id: row.id,
                held_on: columns::date("plan_meeting.held_on", &row.held_on)?,
                purpose: row.purpose,
                person_attended: row.person_attended == 1,
                family_attended: row.family_attended == 1,
                participants: row
                    .participants
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(|l| {
                        let (org, role) = l.split_once('\t').unwrap_or((l, ""));
                        (org.to_string(), role.to_string())
                    })
                    .collect(),
                minutes: row
                    .minutes_sealed
                    .map_or(Ok(String::new()), |s| PLAN_MEETING_MINUTES.open(keyring, row.id, &s))?,
                police_attended: row.police_attended == 1,
                police_conditions: row
                    .police_conditions
                    .split(',')
                    .filter(|c| !c.is_empty())
                    .map(str::to_string)
                    .collect(),
            })
        })
        .collect()
}

/// One recorded event of a plan.
#[derive(Debug, Clone)]
pub struct PlanEventRecord {
    /// The event code.
    pub kind: String,
    /// When it happened.
    pub occurred_on: Date,
    /// What was decided (consent answer, period end, next review, destination, end reason).
    pub detail: String,
    /// The note (opened).
    pub note: String,
    /// A 家族等's view heard with the consent answer: the relation's label and the view (opened).
    pub family_view: Option<(&'static str, String)>,
}

/// What a `plan_event` row decided, as read (its kind, date and decisions).
#[derive(sqlx::FromRow)]
struct EventLine {
    kind: String,
    occurred_on: String,
    consent: Option<String>,
    party: Option<String>,
    period_end_on: Option<String>,
    next_review_on: Option<String>,
    transferred_to: Option<String>,
    end_reason: Option<String>,
}

impl EventLine {
    fn occurred_on(&self) -> Result<Date, StoreError> {
        columns::date("plan_event.occurred_on", &self.occurred_on)
    }

    /// What was decided, in words; the dates are read as dates first.
    fn detail(&self) -> Result<String, StoreError> {
        let mut parts = Vec::new();
        if let Some(consent) = &self.consent {
            let who = self.party.as_deref().and_then(Party::parse).map_or("", Party::label);
            parts.push(format!("{who}: {}", if consent == "given" { "同意あり" } else { "同意なし" }));
        }
        if let Some(end) = columns::optional_date("plan_event.period_end_on", self.period_end_on.as_deref())? {
            parts.push(format!("支援期間の終了日 {end}"));
        }
        if let Some(review) = columns::optional_date("plan_event.next_review_on", self.next_review_on.as_deref())? {
            parts.push(format!("次回見直し {review}"));
        }
        if let Some(to) = &self.transferred_to {
            parts.push(format!("移管先 {to}"));
        }
        if let Some(reason) = self.end_reason.as_deref().and_then(EndReason::parse) {
            parts.push(format!("終了理由: {}", reason.label()));
        }
        Ok(parts.join("、"))
    }
}

/// A `plan_event` row with its note, as read.
#[derive(sqlx::FromRow)]
struct EventRow {
    id: i64,
    #[sqlx(flatten)]
    line: EventLine,
    note_sealed: Option<String>,
    family_relation: Option<String>,
    family_view_sealed: Option<String>,
}

/// The events of a plan, oldest first, notes opened.
pub async fn events(db: &Db, plan_id: i64) -> Result<Vec<PlanEventRecord>, StoreError> {
    let keyring = db.keyring()?;
    let rows: Vec<EventRow> = sqlx::query_as(
        "SELECT id, kind, occurred_on, consent, party, period_end_on, next_review_on, transferred_to, end_reason,
             note_sealed, family_relation, family_view_sealed FROM plan_event WHERE plan_id = $1
         ORDER BY occurred_on, id",
    )
    .bind(plan_id)
    .fetch_all(&db.pool)
    .await?;
    rows.into_iter()
        .map(|row| {
            Ok(PlanEventRecord {
                occurred_on: row.line.occurred_on()?,
                detail: row.line.detail()?,
                kind: row.line.kind,
                note: row.note_sealed.map_or(Ok(String::new()), |s| PLAN_EVENT_NOTE.open(keyring, row.id, &s))?,
                family_view: match (row.family_relation.as_deref(), row.family_view_sealed) {
                    (Some(code), sealed) => Some((
                        family_relation_label(code).ok_or_else(|| columns::corrupt("plan_event.family_relation"))?,
                        sealed.map_or(Ok(String::new()), |s| PLAN_FAMILY_VIEW.open(keyring, row.id, &s))?,
                    )),
                    (None, _) => None,
                },
            })
        })
        .collect()
}

/// One line of the plans list.
#[derive(Debug, Clone)]
pub struct PlanItem {
    /// Plan id.
    pub plan_id: i64,
    /// The person.
    pub person_id: i64,
    /// The person's kana reading (opened).
    pub person_kana: String,
    /// District.
    pub district: String,
    /// State.
    pub state: PlanState,
    /// Support start.
    pub started_on: Option<Date>,
    /// Period end.
    pub period_end_on: Option<Date>,
    /// Next review.
    pub next_review_on: Option<Date>,
    /// A review or the period end has passed.
    pub overdue: bool,
    /// A review or the period end falls within the reminder window.
    pub due_soon: bool,
}

/// A line of the plans list as read.
#[derive(sqlx::FromRow)]
struct ItemRow {
    id: i64,
    person_id: i64,
    district: String,
    state: String,
    started_on: Option<String>,
    period_end_on: Option<String>,
    next_review_on: Option<String>,
    name_kana_sealed: Option<String>,
}

/// The open plans (作成中・支援中) of a municipality (of one 地区 when `district` is given), the
/// earliest review or period end first; `today` (ISO) and `within_days` decide the reminders.
pub async fn list(
    db: &Db,
    municipality: &str,
    district: Option<&str>,
    today: &str,
    within_days: i64,
) -> Result<Vec<PlanItem>, StoreError> {
    let keyring = db.keyring()?;
    let today = crate::cases::check_date("today", today)?;
    let horizon = today + time::Duration::days(within_days);
    let rows: Vec<ItemRow> = sqlx::query_as(
        "SELECT d.id, d.person_id, d.district, d.state, d.started_on, d.period_end_on, d.next_review_on,
             p.name_kana_sealed
         FROM discharge_plan d JOIN person p ON p.id = d.person_id
         WHERE d.municipality_code = $1 AND d.state NOT IN ('declined', 'ended', 'transferred')
             AND ($2 = '' OR d.district = $2)
         ORDER BY COALESCE(d.next_review_on, d.period_end_on, '9999-12-31'), d.id",
    )
    .bind(municipality)
    .bind(district.unwrap_or(""))
    .fetch_all(&db.pool)
    .await?;
    rows.into_iter()
        .map(|row| {
            let date = |column: &str, text: &Option<String>| {
                columns::optional_date(&format!("discharge_plan.{column}"), text.as_deref())
            };
            let review = date("next_review_on", &row.next_review_on)?;
            let end = date("period_end_on", &row.period_end_on)?;
            let dates = [review, end];
            Ok(PlanItem {
                plan_id: row.id,
                person_id: row.person_id,
                person_kana: row
                    .name_kana_sealed
                    .map_or(Ok(String::new()), |s| PERSON_KANA.open(keyring, row.person_id, &s))?,
                district: row.district,
                state: PlanState::parse(&row.state).ok_or_else(|| columns::corrupt("discharge_plan.state"))?,
                started_on: date("started_on", &row.started_on)?,
                overdue: dates.iter().flatten().any(|d| *d < today),
                due_soon: dates.iter().flatten().any(|d| *d >= today && *d <= horizon),
                period_end_on: end,
                next_review_on: review,
            })
        })
        .collect()
}

/// The open plans whose review or period end is overdue or due within `within_days` of `today`.
pub async fn reminders(
    db: &Db,
    municipality: &str,
    district: Option<&str>,
    today: &str,
    within_days: i64,
) -> Result<Vec<PlanItem>, StoreError> {
    Ok(list(db, municipality, district, today, within_days)
        .await?
        .into_iter()
        .filter(|p| p.overdue || p.due_soon)
        .collect())
}

/// A plan of a person, for the person's page and the new-plan form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonPlan {
    /// Plan id.
    pub id: i64,
    /// Where it is.
    pub state: PlanState,
    /// The consent date.
    pub consent_on: Option<Date>,
    /// The start of the support period.
    pub started_on: Option<Date>,
}

/// A person's plans, newest first.
pub async fn of_person(db: &Db, person_id: i64) -> Result<Vec<PersonPlan>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        state: String,
        consent_on: Option<String>,
        started_on: Option<String>,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, state, consent_on, started_on FROM discharge_plan WHERE person_id = $1 ORDER BY id DESC",
    )
    .bind(person_id)
    .fetch_all(&db.pool)
    .await?;
    rows.into_iter()
        .map(|row| {
            Ok(PersonPlan {
                id: row.id,
                state: PlanState::parse(&row.state).ok_or_else(|| columns::corrupt("discharge_plan.state"))?,
                consent_on: columns::optional_date("discharge_plan.consent_on", row.consent_on.as_deref())?,
                started_on: columns::optional_date("discharge_plan.started_on", row.started_on.as_deref())?,
            })
        })
        .collect()
}

/// A person's plan events and meetings, for the timeline (no notes, no minutes).
pub async fn timeline_entries(db: &Db, person_id: i64) -> Result<Vec<TimelineEntry>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct PlanEventLine {
        #[sqlx(flatten)]
        line: EventLine,
        case_id: Option<i64>,
    }
    #[derive(sqlx::FromRow)]
    struct MeetingLine {
        held_on: String,
        purpose: String,
        participants: String,
        case_id: Option<i64>,
    }
    let rows: Vec<PlanEventLine> = sqlx::query_as(
        "SELECT e.kind, e.occurred_on, e.consent, e.party, e.period_end_on, e.next_review_on, e.transferred_to,
             e.end_reason, d.case_id
         FROM plan_event e JOIN discharge_plan d ON d.id = e.plan_id WHERE d.person_id = $1",
    )
    .bind(person_id)
    .fetch_all(&db.pool)
    .await?;
    let mut entries = Vec::new();
    for row in rows {
        entries.push(TimelineEntry {
            on: row.line.occurred_on()?,
            what: format!("退院後支援計画 {}", PlanEvent::label_of(&row.line.kind)),
            case_id: row.case_id,
            detail: row.line.detail()?,
        });
    }
    let rows: Vec<MeetingLine> = sqlx::query_as(
        "SELECT m.held_on, m.purpose, m.participants, d.case_id
         FROM plan_meeting m JOIN discharge_plan d ON d.id = m.plan_id WHERE d.person_id = $1",
    )
    .bind(person_id)
    .fetch_all(&db.pool)
    .await?;
    for row in rows {
        let label = MEETING_PURPOSES.iter().find(|(c, _)| *c == row.purpose).map_or("その他", |(_, l)| *l);
        entries.push(TimelineEntry {
            on: columns::date("plan_meeting.held_on", &row.held_on)?,
            what: "退院後支援計画 支援会議".into(),
            case_id: row.case_id,
            detail: format!("{label}・{}機関", row.participants.lines().count()),
        });
    }
    Ok(entries)
}
