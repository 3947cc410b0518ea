//! The 協議の場 and the other bodies of the network with their members (`council_body`,
//! `council_member`); their meetings, decisions and attendance are in [`meetings`], the action
//! items in [`actions`] (migration 0027).
//!
//! No personal data: members act for organisations. Every write is one transaction with its
//! audit row (record `council_body:ID`, `council_meeting:ID`, `action_item:ID`); every text is
//! checked against `nimo_domain::council`'s limits before anything is written, so a refused
//! input changes nothing.

pub mod actions;
pub mod meetings;

use crate::audit::{AuditEvent, append_in, timestamp};
use crate::{Db, StoreError, columns};
use nimo_domain::council::{self, BodyKind, Sector};
use nimo_domain::text::TextRule;
use sqlx::Row;
use time::OffsetDateTime;

/// A body of the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    /// Id.
    pub id: i64,
    /// Its name (目黒区精神保健福祉医療推進協議会).
    pub name: String,
    /// 協議の場, 部会, 連絡会 …
    pub kind: BodyKind,
    /// The body it is a 部会 or 連絡会 of, if any.
    pub parent_id: Option<i64>,
    /// Whether it still meets.
    pub active: bool,
}

/// A body as a form or the CLI gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyInput {
    /// Its name.
    pub name: String,
    /// Its kind's code.
    pub kind: String,
    /// The parent body, if any (of the same municipality).
    pub parent_id: Option<i64>,
    /// Whether it still meets.
    pub active: bool,
}

/// A member of a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Id.
    pub id: i64,
    /// The body.
    pub body_id: i64,
    /// Name.
    pub name: String,
    /// The organisation they act for.
    pub organisation: String,
    /// Its sector.
    pub sector: Sector,
    /// Their position (会長, 委員).
    pub position: String,
    /// A work contact, shown to staff only.
    pub contact: String,
}

/// A member as a form gives it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MemberInput {
    /// Name.
    pub name: String,
    /// Organisation.
    pub organisation: String,
    /// The sector's code.
    pub sector: String,
    /// Position.
    pub position: String,
    /// A work contact.
    pub contact: String,
}

/// Checks a text against its field's rule (and emptiness for required fields).
pub(crate) fn check_text(rules: &[(&str, TextRule)], field: &'static str, text: &str) -> Result<String, StoreError> {
    let text = text.trim().replace("\r\n", "\n");
    if council::text_problems(rules, field, &text).is_empty() { Ok(text) } else { Err(StoreError::InvalidText(field)) }
}

fn body_from(row: &sqlx::any::AnyRow) -> Result<Body, StoreError> {
    let kind: String = row.try_get("kind")?;
    Ok(Body {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        kind: BodyKind::parse(&kind).ok_or_else(|| columns::corrupt("council_body.kind"))?,
        parent_id: row.try_get("parent_id")?,
        active: row.try_get::<i64, _>("active")? == 1,
    })
}

/// The bodies of a municipality, 協議の場 first, then by name.
pub async fn bodies(db: &Db, municipality: &str) -> Result<Vec<Body>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, name, kind, parent_id, active FROM council_body WHERE municipality_code = $1
         ORDER BY CASE kind WHEN 'kyogi_no_ba' THEN 0 ELSE 1 END, id",
    )
    .bind(municipality)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(body_from).collect()
}

/// The body with this id, if it belongs to the municipality (`NotFound` otherwise).
pub async fn body(db: &Db, municipality: &str, id: i64) -> Result<Body, StoreError> {
    bodies(db, municipality)
        .await?
        .into_iter()
        .find(|b| b.id == id)
        .ok_or_else(|| StoreError::NotFound(format!("council body {id}")))
}

async fn checked_body(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    municipality: &str,
    id: Option<i64>,
    input: &BodyInput,
) -> Result<(String, BodyKind), StoreError> {
    let name = check_text(council::BODY_TEXTS, "name", &input.name)?;
    if name.is_empty() {
        return Err(StoreError::InvalidText("name"));
    }
    let kind = BodyKind::parse(input.kind.trim()).ok_or(StoreError::UnknownCode("kind"))?;
    if let Some(parent) = input.parent_id {
        let found = sqlx::query("SELECT id FROM council_body WHERE id = $1 AND municipality_code = $2")
            .bind(parent)
            .bind(municipality)
            .fetch_optional(&mut **tx)
            .await?;
        if found.is_none() || Some(parent) == id {
            return Err(StoreError::UnknownCode("parent_id"));
        }
    }
    let taken = sqlx::query("SELECT id FROM council_body WHERE municipality_code = $1 AND name = $2 AND id <> $3")
        .bind(municipality)
        .bind(&name)
        .bind(id.unwrap_or(0))
        .fetch_optional(&mut **tx)
        .await?;
    if taken.is_some() {
        return Err(StoreError::InvalidText("name"));
    }
    Ok((name, kind))
}

/// Adds a body; returns its id. A bad name (empty, too long, taken), kind or parent changes
/// nothing.
pub async fn create_body(db: &Db, municipality: &str, input: &BodyInput, audit: AuditEvent) -> Result<i64, StoreError> {
    let mut tx = db.pool.begin().await?;
    let (name, kind) = checked_body(&mut tx, municipality, None, input).await?;
    let row = sqlx::query(
        "INSERT INTO council_body (municipality_code, name, kind, parent_id, active, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(municipality)
    .bind(&name)
    .bind(kind.code())
    .bind(input.parent_id)
    .bind(i64::from(input.active))
    .bind(timestamp(OffsetDateTime::now_utc()))
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    append_in(&mut tx, &audit.with_record("council_body", id.to_string()).with_detail("create")).await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes a body's name, kind, parent and whether it still meets.
pub async fn update_body(
    db: &Db,
    municipality: &str,
    id: i64,
    input: &BodyInput,
    audit: AuditEvent,
) -> Result<(), StoreError> {
    let mut tx = db.pool.begin().await?;
    let (name, kind) = checked_body(&mut tx, municipality, Some(id), input).await?;
    let done = sqlx::query(
        "UPDATE council_body SET name = $1, kind = $2, parent_id = $3, active = $4
         WHERE id = $5 AND municipality_code = $6",
    )
    .bind(&name)
    .bind(kind.code())
    .bind(input.parent_id)
    .bind(i64::from(input.active))
    .bind(id)
    .bind(municipality)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound(format!("council body {id}")));
    }
    append_in(&mut tx, &audit.with_record("council_body", id.to_string()).with_detail("update")).await?;
    tx.commit().await?;
    Ok(())
}

/// The members of a body, by sector and organisation.
pub async fn members(db: &Db, municipality: &str, body_id: i64) -> Result<Vec<Member>, StoreError> {
    let rows = sqlx::query(
        "SELECT m.id, m.body_id, m.name, m.organisation, m.sector, m.position, m.contact
         FROM council_member m JOIN council_body b ON b.id = m.body_id
         WHERE m.body_id = $1 AND b.municipality_code = $2 ORDER BY m.sector, m.organisation, m.id",
    )
    .bind(body_id)
    .bind(municipality)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|row| {
            let sector: String = row.try_get("sector")?;
            Ok(Member {
                id: row.try_get("id")?,
                body_id: row.try_get("body_id")?,
                name: row.try_get("name")?,
                organisation: row.try_get("organisation")?,
                sector: Sector::parse(&sector).ok_or_else(|| columns::corrupt("council_member.sector"))?,
                position: row.try_get("position")?,
                contact: row.try_get("contact")?,
            })
        })
        .collect()
}

/// Adds a member to a body of the municipality; returns the member's id.
pub async fn add_member(
    db: &Db,
    municipality: &str,
    body_id: i64,
    input: &MemberInput,
    audit: AuditEvent,
) -> Result<i64, StoreError> {
    let rules = council::MEMBER_TEXTS;
    let name = check_text(rules, "name", &input.name)?;
    let organisation = check_text(rules, "organisation", &input.organisation)?;
    let position = check_text(rules, "position", &input.position)?;
    let contact = check_text(rules, "contact", &input.contact)?;
    let sector = Sector::parse(input.sector.trim()).ok_or(StoreError::UnknownCode("sector"))?;
    let mut tx = db.pool.begin().await?;
    let found = sqlx::query("SELECT id FROM council_body WHERE id = $1 AND municipality_code = $2")
        .bind(body_id)
        .bind(municipality)
        .fetch_optional(&mut *tx)
        .await?;
    if found.is_none() {
        return Err(StoreError::NotFound(format!("council body {body_id}")));
    }
    let row = sqlx::query(
        "INSERT INTO council_member (body_id, name, organisation, sector, position, contact)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(body_id)
    .bind(&name)
    .bind(&organisation)
    .bind(sector.code())
    .bind(&position)
    .bind(&contact)
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    append_in(&mut tx, &audit.with_record("council_body", body_id.to_string()).with_detail(format!("member:{id}")))
        .await?;
    tx.commit().await?;
    Ok(id)
}
