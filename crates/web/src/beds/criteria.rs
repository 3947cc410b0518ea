//! The bed search's criteria: the search page's query as typed (`SearchForm`, each field at most
//! once, nothing else) and its reading into the domain's `Criteria` (every error naming its field),
//! shared by the search page, holds, the case's search and the API.

use crate::WebError;
use axum::http::StatusCode;
use nimo_domain::beds::{AdmissionType, Criteria, Sex, WardType, centre_of};
use std::collections::HashMap;

/// How many results a search shows.
pub const SEARCH_LIMIT: usize = 50;

/// The latitudes a search's point may have (decimal degrees; Japan, roughly).
pub const LATITUDES: std::ops::RangeInclusive<f64> = 20.0..=46.0;
/// The longitudes a search's point may have.
pub const LONGITUDES: std::ops::RangeInclusive<f64> = 122.0..=154.0;

/// A field and what is wrong with it.
pub type FieldError = (&'static str, String);

/// The search page's query, as typed: every field a string (so that a wrong value is shown
/// back beside its field), each at most once, nothing else.
#[derive(Debug, Default, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SearchForm {
    /// `1` when the form was sent (results wanted).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) go: String,
    /// The case the bed is sought for (its id), when opened from the case's page.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) case: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) admission: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) sex: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) age: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) ward_type: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) from: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) lat: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) lon: String,
    /// Present (any value): physical comorbidity care is needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) physical: Option<String>,
    /// Present (any value): wards with no bed left are shown too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) include_full: Option<String>,
    /// Present (any value): only wards with a free 保護室.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) seclusion: Option<String>,
}

impl SearchForm {
    /// The form read from a query string: a doubled or unknown field refuses it whole.
    pub(crate) fn from_query(query: Option<&str>) -> Result<Self, WebError> {
        let refused = || {
            WebError::Rejected(
                StatusCode::UNPROCESSABLE_ENTITY,
                "検索条件を読み取れません。画面の検索フォームから検索してください。".into(),
            )
        };
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(query.unwrap_or_default()).map_err(|_| refused())?;
        crate::pages::from_pairs(pairs).map_err(|refusal| {
            tracing::info!(?refusal, "a bed search query was refused");
            refused()
        })
    }

    /// The query string of this search (for the refresh link and the hold form's way back).
    pub(crate) fn query(&self) -> String {
        serde_urlencoded::to_string(self).unwrap_or_default()
    }
}

/// Reads search criteria from query parameters (the API's reading) at a moment (Unix seconds);
/// every error names its field.
pub fn parse_criteria(params: &HashMap<String, String>, now: i64) -> Result<Criteria, Vec<FieldError>> {
    let get = |name: &str| params.get(name).cloned().unwrap_or_default();
    let form = SearchForm {
        admission: get("admission"),
        sex: get("sex"),
        age: get("age"),
        ward_type: get("ward_type"),
        from: get("from"),
        lat: get("lat"),
        lon: get("lon"),
        physical: params.get("physical").cloned(),
        include_full: params.get("include_full").cloned(),
        seclusion: params.get("seclusion").cloned(),
        ..SearchForm::default()
    };
    criteria_at(&form, now)
}

/// The criteria of a search form at a moment (Unix seconds; the 夜間・休日 band is that of the
/// moment in Japan time); every error names its field.
pub(crate) fn criteria_at(form: &SearchForm, now: i64) -> Result<Criteria, Vec<FieldError>> {
    let mut criteria = criteria_of(form)?;
    criteria.night_band = nimo_domain::beds::night::band_at(now).is_some();
    Ok(criteria)
}

/// The criteria of a search form; every error names its field.
pub(crate) fn criteria_of(form: &SearchForm) -> Result<Criteria, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut criteria = Criteria::default();
    let given = |value: &str| Some(value.trim().to_string()).filter(|v| !v.is_empty());
    if let Some(code) = given(&form.admission) {
        match AdmissionType::parse(&code) {
            Some(a) => criteria.admission = Some(a),
            None => errors.push(("admission", format!("入院形態: 「{code}」は選べません"))),
        }
    }
    if let Some(code) = given(&form.sex) {
        match Sex::parse(&code).filter(|s| *s != Sex::Mixed) {
            Some(s) => criteria.sex = Some(s),
            None => errors.push(("sex", "性別: 男性か女性を選んでください".into())),
        }
    }
    if let Some(age) = given(&form.age) {
        match nimo_domain::text::nfkc(&age).parse::<i64>() {
            Ok(a) if (0..=120).contains(&a) => criteria.age = Some(a),
            _ => errors.push(("age", "年齢: 0から120までの整数で入力してください".into())),
        }
    }
    if let Some(code) = given(&form.ward_type) {
        match WardType::parse(&code) {
            Some(w) => criteria.ward_type = Some(w),
            None => errors.push(("ward_type", format!("病棟種別: 「{code}」は選べません"))),
        }
    }
    criteria.needs_physical_care = form.physical.is_some();
    criteria.include_full = form.include_full.is_some();
    criteria.needs_seclusion = form.seclusion.is_some();
    match (given(&form.lat), given(&form.lon), given(&form.from)) {
        (Some(lat), Some(lon), _) => {
            let lat = lat.parse::<f64>().ok().filter(|lat| LATITUDES.contains(lat));
            let lon = lon.parse::<f64>().ok().filter(|lon| LONGITUDES.contains(lon));
            if lat.is_none() {
                errors.push(("lat", "地点: 緯度は日本国内の10進数（20〜46）で入力してください".into()));
            }
            if lon.is_none() {
                errors.push(("lon", "地点: 経度は日本国内の10進数（122〜154）で入力してください".into()));
            }
            criteria.from = lat.zip(lon);
        }
        (None, None, Some(code)) => match centre_of(&code) {
            Some(point) => criteria.from = Some(point),
            None => errors.push(("from", format!("起点の区市町村: 「{code}」は選べません"))),
        },
        (None, None, None) => {}
        (Some(_), None, _) => {
            errors.push(("lon", "地点: 緯度と経度の両方を入力してください（経度がありません）".into()))
        }
        (None, Some(_), _) => {
            errors.push(("lat", "地点: 緯度と経度の両方を入力してください（緯度がありません）".into()))
        }
    }
    if errors.is_empty() { Ok(criteria) } else { Err(errors) }
}
