//! Reading plans back: meetings and events with their sealed text opened, the list of open plans
//! with reminders, a person's plans and their entries on the person's timeline.

use super::MEETING_PURPOSES;
use crate::cases::TimelineEntry;
use crate::sealed::{PERSON_KANA, PLAN_EVENT_NOTE, PLAN_MEETING_MINUTES};
use crate::{Db, StoreError};
use nimo_domain::plans::{EndReason, Party, PlanEvent, PlanState};
use sqlx::Row;
use sqlx::any::AnyRow;
use time::Date;

/// A recorded 支援会議.
#[derive(Debug, Clone)]
pub struct Meeting {
    /// Id.
    pub id: i64,
    /// ISO date.
    pub held_on: String,
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
}

/// The meetings of a plan, oldest first, minutes opened.
pub async fn meetings(db: &Db, plan_id: i64) -> Result<Vec<Meeting>, StoreError> {
    let keyring = db.keyring()?;
    let rows = sqlx::query(
        "SELECT id, held_on, purpose, person_attended, family_attended, participants, minutes_sealed
         FROM plan_meeting WHERE plan_id = $1 ORDER BY held_on, id",
    )
    .bind(plan_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|row| {
            let id: i64 = row.try_get("id")?;
            let sealed: Option<String> = row.try_get("minutes_sealed")?;
            let participants: String = row.try_get("participants")?;
            Ok(Meeting {
                id,
                held_on: row.try_get("held_on")?,
                purpose: row.try_get("purpose")?,
                person_attended: row.try_get::<i64, _>("person_attended")? == 1,
                family_attended: row.try_get::<i64, _>("family_attended")? == 1,
                participants: participants
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(|l| {
                        let (org, role) = l.split_once('\t').unwrap_or((l, ""));
                        (org.to_string(), role.to_string())
                    })
                    .collect(),
                minutes: sealed.map_or(Ok(String::new()), |s| PLAN_MEETING_MINUTES.open(keyring, id, &s))?,
            })
        })
        .collect()
}

/// One recorded event of a plan.
#[derive(Debug, Clone)]
pub struct PlanEventRecord {
    /// The event code.
    pub kind: String,
    /// ISO date.
    pub occurred_on: String,
    /// What was decided (consent answer, period end, next review, destination, end reason).
    pub detail: String,
    /// The note (opened).
    pub note: String,
}

fn event_detail(row: &AnyRow) -> Result<String, StoreError> {
    let get = |c: &str| row.try_get::<Option<String>, _>(c);
    let mut parts = Vec::new();
    if let Some(consent) = get("consent")? {
        let who = get("party")?.and_then(|p| Party::parse(&p)).map_or("", Party::label);
        parts.push(format!("{who}: {}", if consent == "given" { "同意あり" } else { "同意なし" }));
    }
    if let Some(end) = get("period_end_on")? {
        parts.push(format!("支援期間の終了日 {end}"));
    }
    if let Some(review) = get("next_review_on")? {
        parts.push(format!("次回見直し {review}"));
    }
    if let Some(to) = get("transferred_to")? {
        parts.push(format!("移管先 {to}"));
    }
    if let Some(reason) = get("end_reason")?.and_then(|r| EndReason::parse(&r)) {
        parts.push(format!("終了理由: {}", reason.label()));
    }
    Ok(parts.join("、"))
}

/// The events of a plan, oldest first, notes opened.
pub async fn events(db: &Db, plan_id: i64) -> Result<Vec<PlanEventRecord>, StoreError> {
    let keyring = db.keyring()?;
    let rows = sqlx::query(
        "SELECT id, kind, occurred_on, consent, party, period_end_on, next_review_on, transferred_to, end_reason,
             note_sealed FROM plan_event WHERE plan_id = $1 ORDER BY occurred_on, id",
    )
    .bind(plan_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|row| {
            let id: i64 = row.try_get("id")?;
            let sealed: Option<String> = row.try_get("note_sealed")?;
            Ok(PlanEventRecord {
                kind: row.try_get("kind")?,
                occurred_on: row.try_get("occurred_on")?,
                detail: event_detail(row)?,
                note: sealed.map_or(Ok(String::new()), |s| PLAN_EVENT_NOTE.open(keyring, id, &s))?,
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
    pub started_on: Option<String>,
    /// Period end.
    pub period_end_on: Option<String>,
    /// Next review.
    pub next_review_on: Option<String>,
    /// A review or the period end has passed.
    pub overdue: bool,
    /// A review or the period end falls within the reminder window.
    pub due_soon: bool,
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
    let horizon = Date::parse(today, time::macros::format_description!("[year]-[month]-[day]"))
        .map(|d| (d + time::Duration::days(within_days)).to_string())
        .map_err(|_| StoreError::InvalidDate("today"))?;
    let rows = sqlx::query(
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
    rows.iter()
        .map(|row| {
            let person_id: i64 = row.try_get("person_id")?;
            let sealed: Option<String> = row.try_get("name_kana_sealed")?;
            let review: Option<String> = row.try_get("next_review_on")?;
            let end: Option<String> = row.try_get("period_end_on")?;
            let dates = [review.as_deref(), end.as_deref()];
            let state: String = row.try_get("state")?;
            Ok(PlanItem {
                plan_id: row.try_get("id")?,
                person_id,
                person_kana: sealed.map_or(Ok(String::new()), |s| PERSON_KANA.open(keyring, person_id, &s))?,
                district: row.try_get("district")?,
                state: PlanState::parse(&state).ok_or_else(|| StoreError::Corrupt("discharge_plan.state".into()))?,
                started_on: row.try_get("started_on")?,
                overdue: dates.iter().flatten().any(|d| *d < today),
                due_soon: dates.iter().flatten().any(|d| *d >= today && *d <= horizon.as_str()),
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

/// A person's plans, newest first: (id, state, consent date, start).
pub async fn of_person(db: &Db, person_id: i64) -> Result<Vec<(i64, PlanState, String, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, state, consent_on, started_on FROM discharge_plan WHERE person_id = $1 ORDER BY id DESC",
    )
    .bind(person_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let state: String = r.try_get("state")?;
            Ok((
                r.try_get("id")?,
                PlanState::parse(&state).ok_or_else(|| StoreError::Corrupt("discharge_plan.state".into()))?,
                r.try_get::<Option<String>, _>("consent_on")?.unwrap_or_default(),
                r.try_get::<Option<String>, _>("started_on")?.unwrap_or_default(),
            ))
        })
        .collect()
}

/// A person's plan events and meetings, for the timeline (no notes, no minutes).
pub async fn timeline_entries(db: &Db, person_id: i64) -> Result<Vec<TimelineEntry>, StoreError> {
    let rows = sqlx::query(
        "SELECT e.kind, e.occurred_on, e.consent, e.party, e.period_end_on, e.next_review_on, e.transferred_to,
             e.end_reason, d.case_id
         FROM plan_event e JOIN discharge_plan d ON d.id = e.plan_id WHERE d.person_id = $1",
    )
    .bind(person_id)
    .fetch_all(&db.pool)
    .await?;
    let mut entries = Vec::new();
    for row in &rows {
        let kind: String = row.try_get("kind")?;
        entries.push(TimelineEntry {
            on: row.try_get("occurred_on")?,
            what: format!("退院後支援計画 {}", PlanEvent::label_of(&kind)),
            case_id: row.try_get("case_id")?,
            detail: event_detail(row)?,
        });
    }
    let rows = sqlx::query(
        "SELECT m.held_on, m.purpose, m.participants, d.case_id
         FROM plan_meeting m JOIN discharge_plan d ON d.id = m.plan_id WHERE d.person_id = $1",
    )
    .bind(person_id)
    .fetch_all(&db.pool)
    .await?;
    for row in &rows {
        let purpose: String = row.try_get("purpose")?;
        let participants: String = row.try_get("participants")?;
        let label = MEETING_PURPOSES.iter().find(|(c, _)| *c == purpose).map_or("その他", |(_, l)| *l);
        entries.push(TimelineEntry {
            on: row.try_get("held_on")?,
            what: "退院後支援計画 支援会議".into(),
            case_id: row.try_get("case_id")?,
            detail: format!("{label}・{}機関", participants.lines().count()),
        });
    }
    Ok(entries)
}
