//! What an action is linked to (`pdca_action_link`): meetings and 普及啓発 events of the action's
//! fiscal year and action items of the municipality (of a meeting of the year, or due within
//! it), each read back with its title, day and status; and the reading of actions with their
//! links and steps.

use super::{Step, TrackedAction};
use crate::{Db, StoreError, columns};
use nimo_domain::FiscalYear;
use nimo_domain::pdca::{ActionStatus, HeldStatus, action_item_status_label};
use nimo_domain::sheet::Tag;
use std::collections::HashMap;
use time::Date;

/// The kind of record an action links to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LinkKind {
    /// A meeting (`council_meeting`).
    Meeting,
    /// A 普及啓発 event (`awareness_event`).
    Event,
    /// An action item of a meeting (`action_item`).
    ActionItem,
}

impl LinkKind {
    /// Every kind.
    pub const ALL: [LinkKind; 3] = [LinkKind::Meeting, LinkKind::Event, LinkKind::ActionItem];

    /// The stored code (and the form's prefix: `meeting:3`).
    pub fn code(self) -> &'static str {
        match self {
            LinkKind::Meeting => "meeting",
            LinkKind::Event => "event",
            LinkKind::ActionItem => "action_item",
        }
    }

    /// The kind of a code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// As staff read it.
    pub fn label(self) -> &'static str {
        match self {
            LinkKind::Meeting => "会議",
            LinkKind::Event => "普及啓発",
            LinkKind::ActionItem => "アクションアイテム",
        }
    }
}

/// A record an action is (or may be) linked to, as pages show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Its kind.
    pub kind: LinkKind,
    /// Its id.
    pub id: i64,
    /// Its title.
    pub title: String,
    /// Its day (held or due), when it has one.
    pub on: Option<Date>,
    /// Its status as staff read it (実施済, 中止, 対応中 …).
    pub status: &'static str,
}

impl Link {
    /// `meeting:3`, as the form names it.
    pub fn key(&self) -> String {
        format!("{}:{}", self.kind.code(), self.id)
    }
}

/// The records an action of the year may link to.
pub type Linkable = Vec<Link>;

const CANDIDATES: &str = "
    SELECT 'meeting' AS kind, id, title, held_on AS on_day, status FROM council_meeting
     WHERE municipality_code = $1 AND fiscal_year = $2
    UNION ALL
    SELECT 'event' AS kind, id, title, held_on AS on_day, status FROM awareness_event
     WHERE municipality_code = $1 AND fiscal_year = $2
    UNION ALL
    SELECT 'action_item' AS kind, a.id, a.title, a.due_on AS on_day, a.status FROM action_item a
      LEFT JOIN council_meeting m ON m.id = a.meeting_id
     WHERE a.municipality_code = $1 AND (m.fiscal_year = $2 OR (a.due_on >= $3 AND a.due_on <= $4))";

#[derive(sqlx::FromRow)]
struct LinkRow {
    kind: String,
    id: i64,
    title: String,
    on_day: Option<String>,
    status: String,
}

fn link_of(row: LinkRow) -> Result<Link, StoreError> {
    let kind = LinkKind::parse(&row.kind).ok_or_else(|| columns::corrupt("pdca_action_link.record_kind"))?;
    let status = match kind {
        LinkKind::ActionItem => action_item_status_label(&row.status),
        _ => HeldStatus::parse(&row.status).map_or("不明", HeldStatus::label),
    };
    Ok(Link {
        kind,
        id: row.id,
        title: row.title,
        on: columns::optional_date("pdca_action_link.on", row.on_day.as_deref())?,
        status,
    })
}

/// The meetings, events and action items of the municipality's year, by day.
pub async fn linkable(db: &Db, municipality: &str, fy: FiscalYear) -> Result<Linkable, StoreError> {
    let rows: Vec<LinkRow> = sqlx::query_as(&format!("{CANDIDATES} ORDER BY on_day, kind, id"))
        .bind(municipality)
        .bind(i64::from(fy.year()))
        .bind(fy.first_day().to_string())
        .bind(fy.last_day().to_string())
        .fetch_all(&db.pool)
        .await?;
    rows.into_iter().map(link_of).collect()
}

/// Replaces an action's links, each checked to be a record of the municipality's year.
pub(super) async fn replace_in(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    municipality: &str,
    fy: FiscalYear,
    action: i64,
    links: &[(LinkKind, i64)],
) -> Result<(), StoreError> {
    let candidates: Vec<(String, i64)> = sqlx::query_as(&format!("SELECT kind, id FROM ({CANDIDATES}) AS c"))
        .bind(municipality)
        .bind(i64::from(fy.year()))
        .bind(fy.first_day().to_string())
        .bind(fy.last_day().to_string())
        .fetch_all(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM pdca_action_link WHERE action_id = $1").bind(action).execute(&mut **tx).await?;
    let mut seen = Vec::new();
    for &(kind, id) in links {
        if !candidates.iter().any(|(k, i)| k == kind.code() && *i == id) {
            return Err(StoreError::UnknownCode("link"));
        }
        if seen.contains(&(kind, id)) {
            continue;
        }
        seen.push((kind, id));
        sqlx::query("INSERT INTO pdca_action_link (action_id, record_kind, record_id) VALUES ($1, $2, $3)")
            .bind(action)
            .bind(kind.code())
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct ActionRow {
    id: i64,
    fiscal_year: i64,
    menu_code: i64,
    marker: String,
    text: String,
    tag: Option<String>,
    owner: String,
    status: String,
    progress: String,
    carried_from: Option<i64>,
    revision: i64,
}

/// The actions of the municipality that `condition` (on `$2`) selects, with links and steps.
pub(super) async fn read(
    db: &Db,
    municipality: &str,
    condition: &str,
    value: i64,
) -> Result<Vec<TrackedAction>, StoreError> {
    let rows: Vec<ActionRow> = sqlx::query_as(&format!(
        "SELECT id, fiscal_year, menu_code, marker, text, tag, owner, status, progress, carried_from, revision
         FROM pdca_action WHERE municipality_code = $1 AND {condition} ORDER BY fiscal_year, menu_code, marker, id"
    ))
    .bind(municipality)
    .bind(value)
    .fetch_all(&db.pool)
    .await?;
    let mut actions = Vec::with_capacity(rows.len());
    let mut years = Vec::new();
    for row in rows {
        let fy = i32::try_from(row.fiscal_year)
            .ok()
            .and_then(FiscalYear::new)
            .ok_or_else(|| columns::corrupt("pdca_action.fiscal_year"))?;
        if !years.contains(&fy) {
            years.push(fy);
        }
        actions.push(TrackedAction {
            id: row.id,
            fiscal_year: fy,
            menu_code: u32::try_from(row.menu_code).map_err(|_| columns::corrupt("pdca_action.menu_code"))?,
            marker: row.marker,
            text: row.text,
            tag: match row.tag.as_deref() {
                None => None,
                Some(code) => Some(Tag::parse(code).ok_or_else(|| columns::corrupt("pdca_action.tag"))?),
            },
            owner: row.owner,
            status: ActionStatus::parse(&row.status).ok_or_else(|| columns::corrupt("pdca_action.status"))?,
            progress: row.progress,
            carried_from: row.carried_from,
            revision: row.revision,
            links: Vec::new(),
            steps: Vec::new(),
        });
    }
    let ids: Vec<i64> = actions.iter().map(|a| a.id).collect();
    if ids.is_empty() {
        return Ok(actions);
    }
    let mut known: HashMap<(LinkKind, i64), Link> = HashMap::new();
    for fy in years {
        for link in linkable(db, municipality, fy).await? {
            known.insert((link.kind, link.id), link);
        }
    }
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
    let links: Vec<(i64, String, i64)> = sqlx::query_as(&format!(
        "SELECT action_id, record_kind, record_id FROM pdca_action_link WHERE action_id IN ({list})
         ORDER BY action_id, record_kind, record_id"
    ))
    .fetch_all(&db.pool)
    .await?;
    for (action_id, kind, record_id) in links {
        let kind = LinkKind::parse(&kind).ok_or_else(|| columns::corrupt("pdca_action_link.record_kind"))?;
        let link = known.get(&(kind, record_id)).cloned().unwrap_or(Link {
            kind,
            id: record_id,
            title: String::new(),
            on: None,
            status: "不明",
        });
        if let Some(action) = actions.iter_mut().find(|a| a.id == action_id) {
            action.links.push(link);
        }
    }
    let steps: Vec<(i64, String, String, String)> = sqlx::query_as(&format!(
        "SELECT action_id, changed_on, status, progress FROM pdca_action_step WHERE action_id IN ({list})
         ORDER BY action_id, id"
    ))
    .fetch_all(&db.pool)
    .await?;
    for (action_id, on, status, progress) in steps {
        let step = Step {
            on: columns::date("pdca_action_step.changed_on", &on)?,
            status: ActionStatus::parse(&status).ok_or_else(|| columns::corrupt("pdca_action_step.status"))?,
            progress,
        };
        if let Some(action) = actions.iter_mut().find(|a| a.id == action_id) {
            action.steps.push(step);
        }
    }
    for action in &mut actions {
        action.links.sort_by_key(|l| (l.on, l.kind, l.id));
    }
    Ok(actions)
}
