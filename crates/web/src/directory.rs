//! The resource directory's pages, files and API (社会資源名簿). What the route modules share
//! lives here and in `form.rs`: the list's query, a record as the pages show it, the page size.
//! Route modules: `pages` (list, one organisation), `edit` (new and edit forms), `files`
//! (CSV/HSDS export and import), `api` (JSON). Reading needs `DirectoryRead` (staff, the
//! 協議の場's members, the administrator), writing `DirectoryWrite` (staff); the records hold no
//! personal data, so reads are not audited, and every write is audited by the store in its
//! transaction.

pub(crate) mod api;
pub(crate) mod edit;
pub(crate) mod files;
pub(crate) mod form;
pub(crate) mod pages;

use nimo_domain::directory::{OrgType, Organisation};
use nimo_store::directory::{Filter, Record};

/// Records on one page of the list (and of the API, unless it asks for fewer).
pub(crate) const PER_PAGE: i64 = 50;

/// The list's query as typed in the search form (or an API client's query string).
#[derive(Debug, Default, Clone, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListQuery {
    /// Name or reading: hiragana, katakana, half or full width, kanji.
    #[serde(default)]
    pub(crate) q: String,
    /// A type code (`soudan_shien`, `psych_hospital` …); another code is refused (422).
    #[serde(default, rename = "type")]
    #[param(schema_with = type_codes)]
    pub(crate) org_type: String,
    /// A 地区・圏域 as the records name it.
    #[serde(default)]
    pub(crate) area: String,
    /// `1`: only 医師会・歯科医師会・薬剤師会 members (かかりつけ).
    #[serde(default)]
    pub(crate) kakaritsuke: String,
    /// `1`: also records no longer in operation.
    #[serde(default)]
    pub(crate) inactive: String,
    /// The page, from 1.
    #[serde(default)]
    pub(crate) page: Option<i64>,
}

/// The type codes the search knows, as the API document lists them, so that a client (and the
/// API fuzzing) knows which values are refused.
fn type_codes() -> utoipa::openapi::schema::ObjectBuilder {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(OrgType::ALL.into_iter().map(OrgType::code)))
}

impl ListQuery {
    /// The store's filter; an unknown type code is `None` (the caller answers 400 or ignores it).
    pub(crate) fn filter(&self) -> Option<Filter> {
        let org_type = match self.org_type.trim() {
            "" => None,
            code => Some(OrgType::parse(code)?),
        };
        Some(Filter {
            query: self.q.chars().take(100).collect(),
            org_type,
            area: Some(self.area.trim().to_string()).filter(|a| !a.is_empty()),
            kakaritsuke: self.kakaritsuke == "1",
            include_inactive: self.inactive == "1",
        })
    }

    /// The page, from 0.
    pub(crate) fn page_index(&self) -> i64 {
        self.page.unwrap_or(1).clamp(1, 100_000) - 1
    }

    /// The query string of this search on another page.
    pub(crate) fn on_page(&self, page: i64) -> String {
        let pairs = [
            ("q", self.q.as_str()),
            ("type", self.org_type.as_str()),
            ("area", self.area.as_str()),
            ("kakaritsuke", self.kakaritsuke.as_str()),
            ("inactive", self.inactive.as_str()),
        ];
        let mut kept: Vec<(&str, String)> =
            pairs.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| (*k, v.to_string())).collect();
        kept.push(("page", page.to_string()));
        serde_urlencoded::to_string(kept).unwrap_or_default()
    }
}

/// One record as lists and pages show it.
pub(crate) struct OrgView {
    pub(crate) id: i64,
    pub(crate) org: Organisation,
    pub(crate) type_label: &'static str,
    /// 「一般・特定」, the memberships, the specialties: short badges.
    pub(crate) badges: Vec<String>,
    pub(crate) hospital_elsewhere: bool,
}

impl OrgView {
    pub(crate) fn of(record: Record, municipality: &str) -> Self {
        let org = record.org;
        let mut badges = Vec::new();
        if org.soudan_ippan {
            badges.push("一般相談".to_string());
        }
        if org.soudan_tokutei {
            badges.push("特定相談".to_string());
        }
        if org.memberships.any() {
            badges.push(format!("かかりつけ（{}）", org.memberships.label()));
        }
        badges.extend(org.specialties.iter().map(|s| s.label().to_string()));
        if !org.active {
            badges.push("休止・廃止".to_string());
        }
        let hospital_elsewhere = record.hospital_municipality.as_deref().is_some_and(|m| m != municipality);
        OrgView { id: record.id, type_label: org.org_type.label(), org, badges, hospital_elsewhere }
    }
}
