//! The bed finder's search page for staff: the criteria as a typed query (each field at most
//! once, nothing else; every error beside its field, what was typed kept), results ranked by the
//! domain (bed left, freshness, fit, distance), and the one hold form above them. Opened from a
//! case (`?case=ID`), the criteria are filled from the case and the hold is placed for it.

use super::from_case::{self, CaseSought};
use crate::context::Ctx;
use crate::layout::Layout;
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use nimo_domain::beds::{AdmissionChange, AdmissionType, Criteria, Sex, WardType, age_label, centre_of};
use nimo_store::beds::{self, Hit};
use std::collections::HashMap;

pub use super::holds::{HoldFailure, HoldView, parse_hold, place, span};

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

/// Reads search criteria from query parameters (the API's reading); every error names its field.
pub fn parse_criteria(params: &HashMap<String, String>) -> Result<Criteria, Vec<FieldError>> {
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
        ..SearchForm::default()
    };
    criteria_of(&form)
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
    match (given(&form.lat), given(&form.lon), given(&form.from)) {
        (Some(lat), Some(lon), _) => match (lat.parse::<f64>(), lon.parse::<f64>()) {
            (Ok(lat), Ok(lon)) if LATITUDES.contains(&lat) && LONGITUDES.contains(&lon) => {
                criteria.from = Some((lat, lon));
            }
            _ => errors.push(("lat", "地点: 緯度・経度は日本国内の10進数で入力してください".into())),
        },
        (None, None, Some(code)) => match centre_of(&code) {
            Some(point) => criteria.from = Some(point),
            None => errors.push(("from", format!("起点の区市町村: 「{code}」は選べません"))),
        },
        (None, None, None) => {}
        _ => errors.push(("lat", "地点: 緯度と経度の両方を入力してください".into())),
    }
    if errors.is_empty() { Ok(criteria) } else { Err(errors) }
}

/// A search hit as the page shows it.
pub struct HitView {
    pub ward_id: String,
    pub hospital_name: String,
    pub ward_name: String,
    pub ward_type: &'static str,
    pub sex: &'static str,
    pub ages: String,
    pub left: i64,
    pub posted: i64,
    pub age: String,
    pub stale: bool,
    pub phone: String,
    pub distance: String,
    pub designations: String,
    pub admissions: String,
}

impl HitView {
    fn of(hit: &Hit) -> Self {
        let ward = &hit.status.ward;
        let h = &hit.hospital;
        let designations: Vec<&str> =
            [(h.emergency, "精神科救急"), (h.okyu_designated, "応急入院指定"), (h.physical_care, "身体合併症対応")]
                .into_iter()
                .filter_map(|(has, label)| has.then_some(label))
                .collect();
        Self {
            ward_id: ward.id.clone(),
            hospital_name: h.name.clone(),
            ward_name: ward.name.clone(),
            ward_type: ward.ward_type.label(),
            sex: ward.sex.label(),
            ages: format!("{}〜{}歳", ward.min_age, ward.max_age),
            left: hit.status.availability.left(),
            posted: hit.status.availability.posted,
            age: age_label(hit.age_seconds),
            stale: hit.stale,
            phone: h.phone.clone(),
            distance: hit.distance_km.map(|d| format!("{d:.1} km")).unwrap_or_default(),
            designations: designations.join("・"),
            admissions: ward.admissions.iter().map(|a| a.label()).collect::<Vec<_>>().join("・"),
        }
    }
}

/// What the hold form above the results holds: typed values kept after a refusal.
#[derive(Debug, Default, Clone)]
pub(crate) struct HoldValues {
    pub(crate) case_ref: String,
    pub(crate) admission: String,
    pub(crate) admission_reason: String,
    pub(crate) confirm_admission: bool,
}

#[derive(Template)]
#[template(path = "beds_search.html")]
pub(crate) struct SearchPage {
    ctx: Layout,
    form: SearchForm,
    errors: Vec<FieldError>,
    searched: bool,
    hits: Vec<HitView>,
    searched_at: i64,
    admissions: Vec<(&'static str, &'static str)>,
    ward_types: Vec<(&'static str, &'static str)>,
    places: Vec<(&'static str, &'static str)>,
    reasons: Vec<(&'static str, &'static str)>,
    /// The case the bed is sought for, when opened from it.
    case: Option<CaseSought>,
    pub(crate) hold: HoldValues,
    pub(crate) hold_errors: Vec<FieldError>,
    pub(crate) hold_error: Option<String>,
}

impl SearchPage {
    fn error(&self, name: &str) -> Option<&str> {
        self.errors.iter().find(|(field, _)| *field == name).map(|(_, message)| message.as_str())
    }

    fn hold_error_of(&self, name: &str) -> Option<&str> {
        self.hold_errors.iter().find(|(field, _)| *field == name).map(|(_, message)| message.as_str())
    }

    /// The query string of the current search (for the refresh link and the hold form).
    fn query(&self) -> String {
        self.form.query()
    }

    /// The criteria in one line, for the folded form after a search.
    fn summary(&self) -> String {
        let label = |list: &[(&'static str, &'static str)], code: &str| {
            list.iter().find(|(c, _)| *c == code.trim()).map(|(_, l)| *l)
        };
        let mut parts = Vec::new();
        parts.extend(label(&self.admissions, &self.form.admission));
        parts.extend(match self.form.sex.as_str() {
            "male" => Some("男性"),
            "female" => Some("女性"),
            _ => None,
        });
        let age = (!self.form.age.trim().is_empty()).then(|| format!("{}歳", self.form.age.trim()));
        let mut parts: Vec<String> = parts.into_iter().map(str::to_string).chain(age).collect();
        parts.extend(label(&self.ward_types, &self.form.ward_type).map(str::to_string));
        parts.extend(label(&self.places, &self.form.from).map(|p| format!("{p}から")));
        if self.form.physical.is_some() {
            parts.push("身体合併症あり".into());
        }
        if parts.is_empty() { "指定なし".into() } else { parts.join("・") }
    }

    /// The 入院形態 the hold form starts with: what was typed, the case's, or the search's.
    fn hold_admission(&self) -> &str {
        if !self.hold.admission.is_empty() {
            &self.hold.admission
        } else if let Some(code) = self.case.as_ref().and_then(|c| c.admission) {
            code.code()
        } else {
            self.form.admission.trim()
        }
    }
}

/// An empty search page.
pub(crate) fn search_page(state: &AppState, ctx: &Ctx, form: SearchForm) -> SearchPage {
    SearchPage {
        ctx: Layout::of(ctx),
        form,
        errors: Vec::new(),
        searched: false,
        hits: Vec::new(),
        searched_at: state.clock.unix(),
        admissions: AdmissionType::ALL.iter().map(|a| (a.code(), a.label())).collect(),
        ward_types: WardType::ALL.iter().map(|w| (w.code(), w.label())).collect(),
        places: nimo_domain::beds::TOKYO_WARD_CENTRES.iter().map(|(code, name, ..)| (*code, *name)).collect(),
        reasons: AdmissionChange::ALL.iter().map(|r| (r.code(), r.label())).collect(),
        case: None,
        hold: HoldValues::default(),
        hold_errors: Vec::new(),
        hold_error: None,
    }
}

/// The page for a search form: the case it is for (loaded within the viewer's scope and
/// audited), the criteria checked and, when they are right, the results.
pub(crate) async fn run(
    state: &AppState,
    ctx: &Ctx,
    mut form: SearchForm,
) -> Result<(StatusCode, SearchPage), WebError> {
    let case = match form.case.trim() {
        "" => None,
        id => Some(from_case::load(state, ctx, id).await?),
    };
    // Opened from the case (not yet searched): the criteria are the case's, and the search runs.
    if let Some(case) = case.as_ref().filter(|_| form.go.is_empty()) {
        form = from_case::criteria_form(case);
    }
    let searched = !form.go.is_empty();
    let mut page = search_page(state, ctx, form);
    page.case = case;
    if !searched {
        return Ok((StatusCode::OK, page));
    }
    match criteria_of(&page.form) {
        Ok(criteria) => {
            let hits =
                beds::search_at(&state.db, &criteria, state.beds.stale_after_seconds, SEARCH_LIMIT, page.searched_at)
                    .await?;
            page.searched = true;
            page.hits = hits.iter().map(HitView::of).collect();
            Ok((StatusCode::OK, page))
        }
        Err(errors) => {
            page.errors = errors;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page))
        }
    }
}

/// GET /beds: the search form, and results when the form was sent (`go=1`) or the page was
/// opened from a case (`case=ID`).
pub async fn search(State(state): State<AppState>, ctx: Ctx, RawQuery(query): RawQuery) -> Result<Response, WebError> {
    let form = SearchForm::from_query(query.as_deref())?;
    let (status, page) = run(&state, &ctx, form).await?;
    Ok((status, Html(page.render()?)).into_response())
}
