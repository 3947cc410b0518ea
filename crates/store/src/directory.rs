//! The resource directory (社会資源名簿): organisations by type with their location and contacts,
//! searched by normalised keys stored beside the name (`search_name`, `search_kana`, made by
//! `nimo_domain::directory::search_key`), so that a search is a `LIKE` on two columns.
//!
//! A 精神科病院 is one record with the bed finder's `hospital` row: its name is read from there
//! (the search key is made from it when the record is saved). The records hold no personal data:
//! reads are not audited; every write commits with its audit row (record `directory_org:ID`, or
//! `directory:CODE` for an import).

mod counts;
mod write;

pub use counts::{
    COUNTED_KEYS, DirectoryCounts, DirectoryDerivation, apply_counts, counted, counts, is_counted, statuses,
};
pub use write::{Conflict, Refusal, create, import, update};

use crate::{Db, StoreError};
use nimo_domain::directory::{Memberships, OrgType, Organisation, Specialty, search_key};

/// One stored organisation.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Id.
    pub id: i64,
    /// Its revision (an edit form sends it back).
    pub revision: i64,
    /// The organisation (a 精神科病院's name is the hospital's).
    pub org: Organisation,
    /// The municipality of a 精神科病院's hospital (none for other types).
    pub hospital_municipality: Option<String>,
    /// When it was last changed (RFC 3339).
    pub updated_at: String,
}

/// What a search asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Typed text (name or reading; any kana, width or case).
    pub query: String,
    /// Only this type.
    pub org_type: Option<OrgType>,
    /// Only this 地区・圏域 (as stored).
    pub area: Option<String>,
    /// Only 医師会・歯科医師会・薬剤師会 members.
    pub kakaritsuke: bool,
    /// Also records no longer in operation.
    pub include_inactive: bool,
}

/// One page of a search.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The page's records, by reading.
    pub records: Vec<Record>,
    /// How many records match in all.
    pub total: i64,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    revision: i64,
    reference: String,
    org_type: String,
    name: Option<String>,
    hospital_name: Option<String>,
    hospital_municipality: Option<String>,
    name_kana: String,
    hospital_id: Option<String>,
    ishikai: i64,
    shikaishikai: i64,
    yakuzaishikai: i64,
    soudan_ippan: i64,
    soudan_tokutei: i64,
    specialties: String,
    description: String,
    address: String,
    phone: String,
    fax: String,
    email: String,
    url: String,
    area: String,
    capacity: Option<i64>,
    hours: String,
    latitude: Option<f64>,
    longitude: Option<f64>,
    active: i64,
    updated_at: String,
}

const SELECT: &str = "SELECT o.id, o.revision, o.ref AS reference, o.org_type, o.name, h.name AS hospital_name,
        h.municipality_code AS hospital_municipality, o.name_kana, o.hospital_id, o.ishikai, o.shikaishikai,
        o.yakuzaishikai, o.soudan_ippan, o.soudan_tokutei, o.specialties, o.description, o.address, o.phone,
        o.fax, o.email, o.url, o.area, o.capacity, o.hours, o.latitude, o.longitude, o.active, o.updated_at
    FROM directory_org o LEFT JOIN hospital h ON h.id = o.hospital_id";

/// The order of lists: by reading (the name where there is none), then id.
const ORDER: &str = "ORDER BY CASE WHEN o.search_kana = '' THEN o.search_name ELSE o.search_kana END, o.id";

impl TryFrom<Row> for Record {
    type Error = StoreError;

    fn try_from(row: Row) -> Result<Self, StoreError> {
        let corrupt = |column: &str| crate::columns::corrupt(column);
        let org_type = OrgType::parse(&row.org_type).ok_or_else(|| corrupt("directory_org.org_type"))?;
        let specialties = Specialty::parse_list(&row.specialties).map_err(|_| corrupt("directory_org.specialties"))?;
        let name = row.name.or(row.hospital_name).ok_or_else(|| corrupt("directory_org.name"))?;
        Ok(Record {
            id: row.id,
            revision: row.revision,
            hospital_municipality: row.hospital_municipality,
            updated_at: row.updated_at,
            org: Organisation {
                reference: row.reference,
                org_type,
                name,
                name_kana: row.name_kana,
                hospital_id: row.hospital_id,
                memberships: Memberships {
                    ishikai: row.ishikai == 1,
                    shikaishikai: row.shikaishikai == 1,
                    yakuzaishikai: row.yakuzaishikai == 1,
                },
                soudan_ippan: row.soudan_ippan == 1,
                soudan_tokutei: row.soudan_tokutei == 1,
                specialties,
                description: row.description,
                address: row.address,
                phone: row.phone,
                fax: row.fax,
                email: row.email,
                url: row.url,
                area: row.area,
                capacity: row.capacity,
                hours: row.hours,
                coordinates: row.latitude.zip(row.longitude),
                active: row.active == 1,
            },
        })
    }
}

/// `%text%` for `LIKE … ESCAPE '\'`, with `%`, `_` and `\` of the text taken literally.
fn contains_pattern(key: &str) -> String {
    let mut pattern = String::from("%");
    for c in key.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// A page of the municipality's organisations that match the filter (`page` from 0).
pub async fn search(
    db: &Db,
    municipality: &str,
    filter: &Filter,
    page: i64,
    per_page: i64,
) -> Result<Page, StoreError> {
    let mut conditions = vec!["o.municipality_code = $1".to_string()];
    let mut texts = vec![municipality.to_string()];
    let key = search_key(&filter.query);
    if !key.is_empty() {
        texts.push(contains_pattern(&key));
        let n = texts.len();
        conditions.push(format!("(o.search_name LIKE ${n} ESCAPE '\\' OR o.search_kana LIKE ${n} ESCAPE '\\')"));
    }
    if let Some(kind) = filter.org_type {
        texts.push(kind.code().to_string());
        conditions.push(format!("o.org_type = ${}", texts.len()));
    }
    if let Some(area) = filter.area.as_ref().filter(|a| !a.is_empty()) {
        texts.push(area.clone());
        conditions.push(format!("o.area = ${}", texts.len()));
    }
    if filter.kakaritsuke {
        conditions.push("(o.ishikai = 1 OR o.shikaishikai = 1 OR o.yakuzaishikai = 1)".into());
    }
    if !filter.include_inactive {
        conditions.push("o.active = 1".into());
    }
    let condition = conditions.join(" AND ");
    let count_sql = format!("SELECT COUNT(*) FROM directory_org o WHERE {condition}");
    let mut count = sqlx::query_scalar::<_, i64>(&count_sql);
    for text in &texts {
        count = count.bind(text);
    }
    let total = count.fetch_one(&db.pool).await?;
    let page_sql = format!(
        "{SELECT} WHERE {condition} {ORDER} LIMIT {} OFFSET {}",
        per_page.clamp(1, 500),
        page.max(0).saturating_mul(per_page.clamp(1, 500))
    );
    let mut query = sqlx::query_as::<_, Row>(&page_sql);
    for text in &texts {
        query = query.bind(text);
    }
    let records = query.fetch_all(&db.pool).await?.into_iter().map(Record::try_from).collect::<Result<_, _>>()?;
    Ok(Page { records, total })
}

/// Every organisation of the municipality (in operation or not), by reading: what exports write.
pub async fn all(db: &Db, municipality: &str) -> Result<Vec<Record>, StoreError> {
    let rows: Vec<Row> = sqlx::query_as(&format!("{SELECT} WHERE o.municipality_code = $1 {ORDER}"))
        .bind(municipality)
        .fetch_all(&db.pool)
        .await?;
    rows.into_iter().map(Record::try_from).collect()
}

/// The organisation with this id, if it belongs to the municipality.
pub async fn get(db: &Db, municipality: &str, id: i64) -> Result<Record, StoreError> {
    let row: Option<Row> = sqlx::query_as(&format!("{SELECT} WHERE o.municipality_code = $1 AND o.id = $2"))
        .bind(municipality)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    row.map(Record::try_from).transpose()?.ok_or_else(|| StoreError::NotFound(format!("directory_org {id}")))
}

/// The 地区・圏域 the municipality's records name, sorted (the area filter's choices).
pub async fn areas(db: &Db, municipality: &str) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT area FROM directory_org WHERE municipality_code = $1 AND area <> '' ORDER BY area",
    )
    .bind(municipality)
    .fetch_all(&db.pool)
    .await?)
}

/// The bed finder's hospitals a 精神科病院 record may stand for: (id, name, municipality code),
/// those of the municipality first.
pub async fn hospitals(db: &Db, municipality: &str) -> Result<Vec<(String, String, String)>, StoreError> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT id, name, municipality_code FROM hospital
         ORDER BY CASE WHEN municipality_code = $1 THEN 0 ELSE 1 END, municipality_code, id",
    )
    .bind(municipality)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows)
}
