//! 地区担当制: a municipality's 地区, the 保健師 in charge of each (主担当/副担当), and the caseload
//! per staff member and per 地区.
//!
//! Every change is one transaction with its audit row (record `district:ID`; names are not
//! audit codes, so the row names the id). Only staff accounts of the same municipality may be
//! put in charge of a 地区. The caseload is three `GROUP BY` queries over the case tables,
//! summed per 地区 and per staff member here, whatever the number of records.

use crate::audit::{AuditEvent, append_in, timestamp};
use crate::cases::check_date;
use crate::columns;
use crate::{Db, StoreError};
use nimo_domain::FiscalYear;
use nimo_domain::access::Role;
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};
use time::OffsetDateTime;

/// The longest 地区 name.
pub const MAX_NAME_CHARS: usize = 32;

/// What a staff member is to a 地区.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Duty {
    /// 主担当.
    Main,
    /// 副担当.
    Deputy,
}

impl Duty {
    /// The code stored and typed in the CLI.
    pub fn code(self) -> &'static str {
        match self {
            Duty::Main => "main",
            Duty::Deputy => "deputy",
        }
    }

    /// The duty named by its code.
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "main" => Some(Duty::Main),
            "deputy" => Some(Duty::Deputy),
            _ => None,
        }
    }

    /// As staff read it.
    pub fn label(self) -> &'static str {
        match self {
            Duty::Main => "主担当",
            Duty::Deputy => "副担当",
        }
    }
}

/// A staff member in charge of a 地区.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignee {
    /// The account.
    pub user_id: i64,
    /// Its display name.
    pub name: String,
    /// 主担当 or 副担当.
    pub duty: Duty,
    /// Since when.
    pub since: time::Date,
}

/// A 地区 of a municipality.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct District {
    /// Id.
    pub id: i64,
    /// Its name (what case records carry).
    pub name: String,
    /// Where it comes in lists.
    pub sort_order: i64,
    /// Whether intake offers it.
    pub active: bool,
    /// Who is in charge, 主担当 first.
    pub staff: Vec<Assignee>,
}

fn check_name(name: &str) -> Result<String, StoreError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(StoreError::InvalidDistrictName);
    }
    Ok(name.to_string())
}

/// The 地区 of a municipality in list order, with the staff in charge of each.
pub async fn list(db: &Db, municipality: &str) -> Result<Vec<District>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, name, sort_order, active FROM district WHERE municipality_code = $1 ORDER BY sort_order, id",
    )
    .bind(municipality)
    .fetch_all(&db.pool)
    .await?;
    let mut districts = rows
        .iter()
        .map(|row| {
            Ok(District {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                sort_order: row.try_get("sort_order")?,
                active: row.try_get::<i64, _>("active")? == 1,
                staff: Vec::new(),
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    #[derive(sqlx::FromRow)]
    struct AssigneeRow {
        district_id: i64,
        user_id: i64,
        role: String,
        since_on: String,
        display_name: String,
    }
    let rows: Vec<AssigneeRow> = sqlx::query_as(
        "SELECT a.district_id, a.user_id, a.role, a.since_on, u.display_name
         FROM district_assignment a JOIN district d ON d.id = a.district_id JOIN app_user u ON u.id = a.user_id
         WHERE d.municipality_code = $1 ORDER BY a.role DESC, u.display_name, a.user_id",
    )
    .bind(municipality)
    .fetch_all(&db.pool)
    .await?;
    for row in rows {
        let assignee = Assignee {
            user_id: row.user_id,
            name: row.display_name,
            duty: Duty::parse(&row.role).ok_or_else(|| columns::corrupt("district_assignment.role"))?,
            since: columns::date("district_assignment.since_on", &row.since_on)?,
        };
        if let Some(district) = districts.iter_mut().find(|d| d.id == row.district_id) {
            district.staff.push(assignee);
        }
    }
    Ok(districts)
}

/// The names of the 地区 intake offers, in list order (empty when the municipality lists none).
pub async fn active_names(db: &Db, municipality: &str) -> Result<Vec<String>, StoreError> {
    let rows =
        sqlx::query("SELECT name FROM district WHERE municipality_code = $1 AND active = 1 ORDER BY sort_order, id")
            .bind(municipality)
            .fetch_all(&db.pool)
            .await?;
    rows.iter().map(|row| Ok(row.try_get("name")?)).collect()
}

/// The 地区 with this id, if it belongs to the municipality.
pub async fn get(db: &Db, municipality: &str, id: i64) -> Result<District, StoreError> {
    list(db, municipality)
        .await?
        .into_iter()
        .find(|d| d.id == id)
        .ok_or_else(|| StoreError::NotFound(format!("district {id}")))
}

/// Adds a 地区 at the end of the list; `InvalidDistrictName` for an empty or too long name,
/// `DistrictNameTaken` when the municipality already has one of that name.
pub async fn add(db: &Db, municipality: &str, name: &str, audit: AuditEvent) -> Result<i64, StoreError> {
    let name = check_name(name)?;
    let mut tx = db.pool.begin().await?;
    let taken = sqlx::query("SELECT id FROM district WHERE municipality_code = $1 AND name = $2")
        .bind(municipality)
        .bind(&name)
        .fetch_optional(&mut *tx)
        .await?;
    if taken.is_some() {
        return Err(StoreError::DistrictNameTaken { municipality: municipality.to_string() });
    }
    let row = sqlx::query(
        "INSERT INTO district (municipality_code, name, sort_order, active, created_at)
         VALUES ($1, $2, (SELECT COALESCE(MAX(sort_order), 0) + 1 FROM district WHERE municipality_code = $3), 1, $4)
         RETURNING id",
    )
    .persistent(false)
    .bind(municipality)
    .bind(&name)
    .bind(municipality)
    .bind(timestamp(OffsetDateTime::now_utc()))
    .fetch_one(&mut *tx)
    .await?;
    let id: i64 = row.try_get("id")?;
    append_in(&mut tx, &audit.with_record("district", id.to_string()).with_detail("add")).await?;
    tx.commit().await?;
    Ok(id)
}

/// The tables whose rows carry a 地区 name, and their municipality column.
const DISTRICT_COLUMNS: [(&str, &str, &str); 5] = [
    ("person", "municipality_code", "district"),
    ("report23", "municipality_code", "district"),
    ("outreach_visit", "municipality_code", "district"),
    ("discharge_plan", "municipality_code", "district"),
    ("app_user", "scope_municipality", "scope_district"),
];

/// Renames a 地区 (and the records and account scopes that carry its name, in the same
/// transaction) and/or switches it on or off for intake.
pub async fn update(
    db: &Db,
    municipality: &str,
    id: i64,
    name: Option<&str>,
    active: Option<bool>,
    audit: AuditEvent,
) -> Result<(), StoreError> {
    let current = get(db, municipality, id).await?;
    let name = name.map(check_name).transpose()?;
    let mut tx = db.pool.begin().await?;
    if let Some(name) = name.as_ref().filter(|n| **n != current.name) {
        let taken = sqlx::query("SELECT id FROM district WHERE municipality_code = $1 AND name = $2")
            .bind(municipality)
            .bind(name)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(StoreError::DistrictNameTaken { municipality: municipality.to_string() });
        }
        sqlx::query("UPDATE district SET name = $1 WHERE id = $2").bind(name).bind(id).execute(&mut *tx).await?;
        for (table, municipality_column, district_column) in DISTRICT_COLUMNS {
            sqlx::query(&format!(
                "UPDATE {table} SET {district_column} = $1 WHERE {municipality_column} = $2 AND {district_column} = $3"
            ))
            .persistent(false)
            .bind(name)
            .bind(municipality)
            .bind(&current.name)
            .execute(&mut *tx)
            .await?;
        }
    }
    if let Some(active) = active {
        sqlx::query("UPDATE district SET active = $1 WHERE id = $2")
            .bind(i64::from(active))
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    let detail = match (name.is_some(), active) {
        (true, _) => "rename",
        (false, Some(true)) => "activate",
        (false, Some(false)) => "deactivate",
        (false, None) => "none",
    };
    append_in(&mut tx, &audit.with_record("district", id.to_string()).with_detail(detail)).await?;
    tx.commit().await?;
    Ok(())
}

/// Puts a staff account in charge of a 地区 (or changes its duty and date).
/// `NotMunicipalityStaff` unless the account is an enabled staff account of the municipality;
/// `InvalidDate("since")` for a date that is not ISO.
pub async fn assign(
    db: &Db,
    municipality: &str,
    district_id: i64,
    user_id: i64,
    duty: Duty,
    since: &str,
    audit: AuditEvent,
) -> Result<(), StoreError> {
    let since = check_date("since", since)?;
    get(db, municipality, district_id).await?;
    let user =
        crate::accounts::get(db, user_id).await.map_err(|_| StoreError::NotMunicipalityStaff { user: user_id })?;
    let own = user.scope.municipality.as_ref().is_some_and(|m| m.as_str() == municipality);
    if user.role != Role::Staff || !own || user.disabled {
        return Err(StoreError::NotMunicipalityStaff { user: user_id });
    }
    let mut tx = db.pool.begin().await?;
    sqlx::query("DELETE FROM district_assignment WHERE district_id = $1 AND user_id = $2")
        .bind(district_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO district_assignment (district_id, user_id, role, since_on) VALUES ($1, $2, $3, $4)")
        .bind(district_id)
        .bind(user_id)
        .bind(duty.code())
        .bind(since.to_string())
        .execute(&mut *tx)
        .await?;
    let detail = format!("assign:user:{user_id}:{}", duty.code());
    append_in(&mut tx, &audit.with_record("district", district_id.to_string()).with_detail(detail)).await?;
    tx.commit().await?;
    Ok(())
}

/// Takes a staff member off a 地区; `NotFound` when they were not in charge of it.
pub async fn unassign(
    db: &Db,
    municipality: &str,
    district_id: i64,
    user_id: i64,
    audit: AuditEvent,
) -> Result<(), StoreError> {
    get(db, municipality, district_id).await?;
    let mut tx = db.pool.begin().await?;
    let done = sqlx::query("DELETE FROM district_assignment WHERE district_id = $1 AND user_id = $2")
        .bind(district_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound(format!("assignment {district_id}/{user_id}")));
    }
    let detail = format!("unassign:user:{user_id}");
    append_in(&mut tx, &audit.with_record("district", district_id.to_string()).with_detail(detail)).await?;
    tx.commit().await?;
    Ok(())
}

/// The counts of one caseload line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Open 23条 cases (not closed).
    pub open: i64,
    /// Of those, the ones whose next due date has passed.
    pub overdue: i64,
    /// 退院後支援計画 still running (not declined, ended or transferred).
    pub plans: i64,
    /// Outreach visits in the current fiscal year.
    pub visits: i64,
}

impl Counts {
    fn add(&mut self, other: Counts) {
        self.open += other.open;
        self.overdue += other.overdue;
        self.plans += other.plans;
        self.visits += other.visits;
    }
}

/// A staff member's caseload line: open cases and plans of the cases in their charge, visits
/// they recorded, and the 地区 they are in charge of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffLoad {
    /// The account.
    pub user_id: i64,
    /// Its display name.
    pub name: String,
    /// The 地区 in their charge, with their duty.
    pub districts: Vec<(String, Duty)>,
    /// The counts.
    pub counts: Counts,
}

/// The caseload of a municipality.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caseload {
    /// The fiscal year the visits are counted in.
    pub fiscal_year: FiscalYear,
    /// Per 地区: the listed ones in order, then any other name found in the records.
    pub districts: Vec<(String, Counts)>,
    /// Per staff member, by name.
    pub staff: Vec<StaffLoad>,
    /// Records whose staff member is unknown or not a staff account of the municipality.
    pub unassigned: Counts,
}

/// Whose caseload: the whole municipality, or the records of one 地区 and one staff member (a
/// 地区-scoped viewer sees only their 地区 and themselves).
#[derive(Debug, Clone, Copy, Default)]
pub struct View<'a> {
    /// Only records of this 地区.
    pub district: Option<&'a str>,
    /// Only this staff member's line.
    pub staff: Option<i64>,
}

/// Counts per (地区, staff id) pair from three grouped queries.
async fn grouped(
    db: &Db,
    municipality: &str,
    district: &str,
    today: &str,
    fy: FiscalYear,
) -> Result<HashMap<(String, Option<i64>), Counts>, StoreError> {
    let mut cells: HashMap<(String, Option<i64>), Counts> = HashMap::new();
    let rows = sqlx::query(
        "SELECT district, assigned_to AS staff, COUNT(*) AS open,
             COUNT(CASE WHEN next_due_on < $1 THEN 1 END) AS overdue
         FROM report23 WHERE municipality_code = $2 AND state <> 'closed' AND ($3 = '' OR district = $3)
         GROUP BY district, assigned_to",
    )
    .bind(today)
    .bind(municipality)
    .bind(district)
    .fetch_all(&db.pool)
    .await?;
    for row in &rows {
        let cell = cells.entry((row.try_get("district")?, row.try_get("staff")?)).or_default();
        cell.open += row.try_get::<i64, _>("open")?;
        cell.overdue += row.try_get::<i64, _>("overdue")?;
    }
    let rows = sqlx::query(
        "SELECT p.district, r.assigned_to AS staff, COUNT(*) AS plans
         FROM discharge_plan p LEFT JOIN report23 r ON r.id = p.case_id
         WHERE p.municipality_code = $1 AND p.state NOT IN ('declined', 'ended', 'transferred')
             AND ($2 = '' OR p.district = $2)
         GROUP BY p.district, r.assigned_to",
    )
    .bind(municipality)
    .bind(district)
    .fetch_all(&db.pool)
    .await?;
    for row in &rows {
        let cell = cells.entry((row.try_get("district")?, row.try_get("staff")?)).or_default();
        cell.plans += row.try_get::<i64, _>("plans")?;
    }
    let rows = sqlx::query(
        "SELECT district, actor AS staff, COUNT(*) AS visits FROM outreach_visit
         WHERE municipality_code = $1 AND fiscal_year = $2 AND ($3 = '' OR district = $3)
         GROUP BY district, actor",
    )
    .bind(municipality)
    .bind(i64::from(fy.year()))
    .bind(district)
    .fetch_all(&db.pool)
    .await?;
    for row in &rows {
        let cell = cells.entry((row.try_get("district")?, row.try_get("staff")?)).or_default();
        cell.visits += row.try_get::<i64, _>("visits")?;
    }
    Ok(cells)
}

/// The caseload of a municipality on `today` (ISO; it decides what is overdue and the fiscal
/// year of the visits), as `view` allows.
pub async fn caseload(db: &Db, municipality: &str, view: View<'_>, today: &str) -> Result<Caseload, StoreError> {
    let date = check_date("today", today)?;
    let fiscal_year = FiscalYear::of_date(date.year(), u8::from(date.month()));
    let cells = grouped(db, municipality, view.district.unwrap_or(""), today, fiscal_year).await?;
    let listed = list(db, municipality).await?;
    let users = sqlx::query(
        "SELECT id, display_name FROM app_user
         WHERE role = 'staff' AND scope_municipality = $1 AND ($2 = '' OR scope_district IS NULL OR scope_district = $2)
         ORDER BY display_name, id",
    )
    .bind(municipality)
    .bind(view.district.unwrap_or(""))
    .fetch_all(&db.pool)
    .await?;
    let mut staff = Vec::new();
    for row in &users {
        let user_id: i64 = row.try_get("id")?;
        if view.staff.is_some_and(|only| only != user_id) {
            continue;
        }
        let districts = listed
            .iter()
            .filter_map(|d| d.staff.iter().find(|a| a.user_id == user_id).map(|a| (d.name.clone(), a.duty)))
            .collect();
        staff.push(StaffLoad { user_id, name: row.try_get("display_name")?, districts, counts: Counts::default() });
    }
    let mut by_district: BTreeMap<String, Counts> = BTreeMap::new();
    let mut unassigned = Counts::default();
    for ((district, user), counts) in &cells {
        by_district.entry(district.clone()).or_default().add(*counts);
        match staff.iter_mut().find(|s| Some(s.user_id) == *user) {
            Some(line) => line.counts.add(*counts),
            None if view.staff.is_none() => unassigned.add(*counts),
            None => {}
        }
    }
    let mut districts: Vec<(String, Counts)> = listed
        .iter()
        .filter(|d| view.district.is_none_or(|only| only == d.name))
        .map(|d| (d.name.clone(), by_district.remove(&d.name).unwrap_or_default()))
        .collect();
    districts.extend(by_district);
    Ok(Caseload { fiscal_year, districts, staff, unassigned })
}
