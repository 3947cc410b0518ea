//! The directory's JSON API: a search (the list page's query, a page at a time) and one
//! organisation. Errors are problem details; an unknown type or a page that is no number is a
//! 422 naming the parameter.

use super::{ListQuery, PER_PAGE};
use crate::AppState;
use crate::pages::{MunicipalityMissing, Record};
use crate::problem::{ApiPath, Problem};
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use nimo_domain::MunicipalityCode;
use nimo_store::directory;
use serde::Serialize;
use utoipa::ToSchema;

/// One organisation of the directory.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiOrganisation {
    /// nimo's id of the record (the path of `/directory/{org_id}`).
    pub id: i64,
    /// The record's id in files (CSV, HSDS).
    pub reference: String,
    /// The type's code (`soudan_shien`, `psych_hospital` …).
    #[serde(rename = "type")]
    pub org_type: String,
    /// The type in Japanese.
    pub type_label: String,
    /// The name (a 精神科病院's is the bed finder's hospital name).
    pub name: String,
    /// The reading in kana.
    pub name_kana: String,
    /// The bed finder's hospital of a 精神科病院.
    pub hospital_id: Option<String>,
    /// Member of the 医師会.
    pub ishikai: bool,
    /// Member of the 歯科医師会.
    pub shikaishikai: bool,
    /// Member of the 薬剤師会.
    pub yakuzaishikai: bool,
    /// Gives 一般相談支援 (地域移行・地域定着).
    pub soudan_ippan: bool,
    /// Gives 特定相談支援 (計画相談).
    pub soudan_tokutei: bool,
    /// Specialty codes (`alcohol`, `brain_injury` …).
    pub specialties: Vec<String>,
    /// Description.
    pub description: String,
    /// Address.
    pub address: String,
    /// Telephone.
    pub phone: String,
    /// Fax.
    pub fax: String,
    /// E-mail.
    pub email: String,
    /// Website.
    pub url: String,
    /// 地区・圏域.
    pub area: String,
    /// Capacity.
    pub capacity: Option<i64>,
    /// Opening hours as text.
    pub hours: String,
    /// Latitude (WGS84).
    pub latitude: Option<f64>,
    /// Longitude (WGS84).
    pub longitude: Option<f64>,
    /// In operation.
    pub active: bool,
}

impl From<directory::Record> for ApiOrganisation {
    fn from(record: directory::Record) -> Self {
        let org = record.org;
        ApiOrganisation {
            id: record.id,
            reference: org.reference,
            org_type: org.org_type.code().to_string(),
            type_label: org.org_type.label().to_string(),
            name: org.name,
            name_kana: org.name_kana,
            hospital_id: org.hospital_id,
            ishikai: org.memberships.ishikai,
            shikaishikai: org.memberships.shikaishikai,
            yakuzaishikai: org.memberships.yakuzaishikai,
            soudan_ippan: org.soudan_ippan,
            soudan_tokutei: org.soudan_tokutei,
            specialties: org.specialties.iter().map(|s| s.code().to_string()).collect(),
            description: org.description,
            address: org.address,
            phone: org.phone,
            fax: org.fax,
            email: org.email,
            url: org.url,
            area: org.area,
            capacity: org.capacity,
            hours: org.hours,
            latitude: org.coordinates.map(|c| c.0),
            longitude: org.coordinates.map(|c| c.1),
            active: org.active,
        }
    }
}

/// A page of a directory search.
#[derive(Debug, Serialize, ToSchema)]
pub struct DirectoryPage {
    /// How many organisations match in all.
    pub total: i64,
    /// This page, from 1.
    pub page: i64,
    /// Organisations per page.
    pub per_page: i64,
    /// The page's organisations, by reading.
    pub organizations: Vec<ApiOrganisation>,
}

fn invalid(field: &str, reason: &str) -> Problem {
    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-input", "入力に誤りがあります")
        .with_errors([(field.to_string(), reason.to_string())])
}

/// Search the directory
///
/// The municipality's organisations in operation (or all, with `inactive=1`) whose name or
/// reading contains `q` in any kana or width, filtered by type, area and かかりつけ, by reading,
/// 50 a page.
#[utoipa::path(
    get,
    path = "/api/v1/municipalities/{code}/directory",
    operation_id = "directory_search",
    tag = "directory",
    params(("code" = String, Path, description = "the 地方公共団体コード", example = "131105"), ListQuery),
    responses(
        (status = 200, description = "a page of organisations", body = DirectoryPage),
        (status = 404, description = "not a valid municipality code", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "an unknown type or a page that is no number (named in `errors`)", body = Problem, content_type = "application/problem+json"),
        crate::problem::Refusals,
    )
)]
pub async fn search(
    State(state): State<AppState>,
    ApiPath(code, ..): ApiPath<MunicipalityCode, MunicipalityMissing>,
    RawQuery(raw): RawQuery,
) -> Result<Json<DirectoryPage>, Problem> {
    let query: ListQuery = serde_urlencoded::from_str(raw.as_deref().unwrap_or_default())
        .map_err(|_| invalid("page", "page: 1以上の整数で指定してください"))?;
    let filter = query.filter().ok_or_else(|| invalid("type", "type: 知らない種別です"))?;
    let index = query.page_index();
    let found = directory::search(&state.db, code.as_str(), &filter, index, PER_PAGE).await?;
    Ok(Json(DirectoryPage {
        total: found.total,
        page: index + 1,
        per_page: PER_PAGE,
        organizations: found.records.into_iter().map(ApiOrganisation::from).collect(),
    }))
}

/// One organisation
#[utoipa::path(
    get,
    path = "/api/v1/municipalities/{code}/directory/{org_id}",
    operation_id = "directory_organisation",
    tag = "directory",
    params(
        ("code" = String, Path, description = "the 地方公共団体コード", example = "131105"),
        ("org_id" = i64, Path, description = "the record's id", example = 1),
    ),
    responses(
        (status = 200, description = "the organisation", body = ApiOrganisation),
        (status = 404, description = "no such record in the municipality", body = Problem, content_type = "application/problem+json"),
        crate::problem::Refusals,
    )
)]
pub async fn show(
    State(state): State<AppState>,
    ApiPath((code, id), ..): ApiPath<(MunicipalityCode, i64), Record>,
) -> Result<Json<ApiOrganisation>, Problem> {
    Ok(Json(directory::get(&state.db, code.as_str(), id).await?.into()))
}
