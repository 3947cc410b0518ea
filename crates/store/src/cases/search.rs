//! Finding cases: a municipality's cases, closed ones included, by 受付番号, the person's kana
//! reading (through the blind index: no row is opened to compare names), the date of receipt, 地区
//! and state, a page at a time. Only the rows of the page are opened, and only within the scope
//! the caller gives (`district` for a 地区-scoped viewer).

use super::{WorkItem, WorkRow, check_date};
use crate::people::kana_index;
use crate::{Db, StoreError};
use nimo_domain::FiscalYear;
use nimo_domain::cases::{CaseState, reception_matches};
use nimo_vault::normalize_kana_name;
use time::Date;

/// What to look for; every criterion left `None` (or empty) matches every case.
#[derive(Debug, Clone, Default)]
pub struct CaseQuery {
    /// A typed 受付番号 as `nimo_domain::cases::parse_reception` reads it.
    pub reception: Option<(Option<String>, i64)>,
    /// The person's kana reading (compared through its blind index; empty for any).
    pub kana: String,
    /// Received on or after this day.
    pub received_from: Option<Date>,
    /// Received on or before this day.
    pub received_to: Option<Date>,
    /// One 地区 of the municipality.
    pub district: Option<String>,
    /// One state (`Closed` finds the closed ones).
    pub state: Option<CaseState>,
    /// Only the cases not closed.
    pub open_only: bool,
}

/// The search's tables and conditions; `$n` are [`Args`] in order, each empty (or 0) for any.
const CONDITIONS: &str = "FROM report23 r LEFT JOIN app_user u ON u.id = r.assigned_to
         LEFT JOIN person p ON p.id = r.person_id
     WHERE r.municipality_code = $1 AND ($2 = '' OR r.district = $2) AND ($3 = '' OR r.district = $3)
       AND ($4 = '' OR p.kana_index = $4) AND ($5 = '' OR r.received_on >= $5) AND ($6 = '' OR r.received_on <= $6)
       AND ($7 = '' OR ($7 = 'open' AND r.state <> 'closed') OR r.state = $7) AND ($8 = 0 OR r.id = $8)";

/// The values bound to [`CONDITIONS`], in order.
struct Args {
    municipality: String,
    scope: String,
    district: String,
    kana: String,
    from: String,
    to: String,
    state: String,
    reception: i64,
}

impl Args {
    fn bound<'q>(&self, sql: &'q str) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        sqlx::query(sql)
            .persistent(false)
            .bind(self.municipality.clone())
            .bind(self.scope.clone())
            .bind(self.district.clone())
            .bind(self.kana.clone())
            .bind(self.from.clone())
            .bind(self.to.clone())
            .bind(self.state.clone())
            .bind(self.reception)
    }
}

/// One page of found cases, newest receipt first.
#[derive(Debug, Clone)]
pub struct Found {
    /// The cases of the page.
    pub items: Vec<WorkItem>,
    /// How many cases match in all.
    pub total: i64,
}

/// The cases of `municipality` that match `query`, within `scope_district` when the viewer is
/// 地区-scoped, newest receipt first: page `page` (from 0) of `per_page`. `today` (ISO) decides
/// what is overdue. A row whose 地区 `visible` refuses (the case pages' rule) is left out unopened.
#[allow(clippy::too_many_arguments)]
pub async fn search(
    db: &Db,
    municipality: &str,
    scope_district: Option<&str>,
    visible: impl Fn(&str) -> bool,
    query: &CaseQuery,
    today: &str,
    page: u32,
    per_page: u32,
) -> Result<Found, StoreError> {
    let keyring = db.keyring()?;
    let today = check_date("today", today)?;
    let kana =
        if normalize_kana_name(&query.kana).is_empty() { String::new() } else { kana_index(keyring, &query.kana) };
    let state = match (query.state, query.open_only) {
        (Some(state), _) => state.code().to_string(),
        (None, true) => "open".to_string(),
        (None, false) => String::new(),
    };
    let date = |d: Option<Date>| d.map(|d| d.to_string()).unwrap_or_default();
    let args = Args {
        municipality: municipality.to_string(),
        scope: scope_district.unwrap_or("").to_string(),
        district: query.district.clone().unwrap_or_default(),
        kana,
        from: date(query.received_from),
        to: date(query.received_to),
        state,
        reception: query.reception.as_ref().map_or(0, |(_, id)| *id),
    };
    let count = format!("SELECT COUNT(*) AS n {CONDITIONS}");
    let total: i64 = sqlx::Row::try_get(&args.bound(&count).fetch_one(&db.pool).await?, "n")?;
    let offset = i64::from(page) * i64::from(per_page);
    let select = format!(
        "SELECT r.id, r.received_at, r.district, r.state, r.next_due_on, r.assigned_to, u.display_name,
             r.person_id, p.name_kana_sealed, r.fiscal_year, r.review_flag
         {CONDITIONS} ORDER BY r.received_at DESC, r.id DESC LIMIT {per_page} OFFSET {offset}"
    );
    let rows: Vec<WorkRow> = args
        .bound(&select)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(<WorkRow as sqlx::FromRow<'_, sqlx::any::AnyRow>>::from_row)
        .collect::<Result<_, sqlx::Error>>()?;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let fy =
            FiscalYear(i32::try_from(row.fiscal_year).map_err(|_| crate::columns::corrupt("report23.fiscal_year"))?);
        if let Some(typed) = &query.reception
            && !reception_matches(typed, fy, row.id)
        {
            // The number names this case, but the typed 受付番号 names another year.
            return Ok(Found { items: Vec::new(), total: 0 });
        }
        if !visible(&row.district) {
            continue;
        }
        items.push(row.open(keyring, today)?);
    }
    Ok(Found { items, total })
}

/// Where a case is kept and its 受付番号, read without opening anything sealed: what the bed
/// finder needs to link a hold placed with a typed 受付番号 to its case (in the placer's scope).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CasePlace {
    /// The case's id.
    pub id: i64,
    /// Its municipality.
    pub municipality: nimo_domain::MunicipalityCode,
    /// Its 地区.
    pub district: String,
    /// Its 受付番号 (`R4-023`).
    pub reception: String,
}

/// The case with this id, as [`CasePlace`]; `None` when there is none.
pub async fn place_of(db: &Db, id: i64) -> Result<Option<CasePlace>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        municipality_code: String,
        district: String,
        fiscal_year: i64,
    }
    let row: Option<Row> =
        sqlx::query_as("SELECT municipality_code, district, fiscal_year FROM report23 WHERE id = $1")
            .bind(id)
            .fetch_optional(&db.pool)
            .await?;
    let Some(row) = row else { return Ok(None) };
    let fy = i32::try_from(row.fiscal_year).map_err(|_| crate::columns::corrupt("report23.fiscal_year"))?;
    Ok(Some(CasePlace {
        id,
        municipality: crate::columns::municipality("report23.municipality_code", &row.municipality_code)?,
        district: row.district,
        reception: nimo_domain::cases::reception_number(FiscalYear(fy), id),
    }))
}
