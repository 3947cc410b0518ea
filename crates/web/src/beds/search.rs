//! The bed finder for staff: the search page (results ranked by bed left, freshness, fit and
//! distance, refreshed by polling), placing a hold, the staff member's holds, and the
//! placement-time statistics.

use crate::context::Ctx;
use crate::layout::Layout;
use crate::pages::{HoldMissing, Missing, PagePath};
use crate::{AppState, WebError};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use nimo_domain::beds::{AdmissionType, CaseRef, Criteria, Sex, WardType, age_label, centre_of};
use nimo_store::StoreError;
use nimo_store::audit::Outcome;
use nimo_store::beds::{self, Hit, NewHold};
use std::collections::HashMap;

/// How many results a search shows.
pub const SEARCH_LIMIT: usize = 50;

/// The latitudes a search's point may have (decimal degrees; Japan, roughly).
pub const LATITUDES: std::ops::RangeInclusive<f64> = 20.0..=46.0;
/// The longitudes a search's point may have.
pub const LONGITUDES: std::ops::RangeInclusive<f64> = 122.0..=154.0;

/// A field and what is wrong with it.
pub type FieldError = (&'static str, String);

/// Reads search criteria from query parameters; every error names its field.
pub fn parse_criteria(params: &HashMap<String, String>) -> Result<Criteria, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut criteria = Criteria::default();
    let get = |name: &str| params.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
    if let Some(code) = get("admission") {
        match AdmissionType::parse(code) {
            Some(a) => criteria.admission = Some(a),
            None => errors.push(("admission", format!("入院形態: 「{code}」は選べません"))),
        }
    }
    if let Some(code) = get("sex") {
        match Sex::parse(code).filter(|s| *s != Sex::Mixed) {
            Some(s) => criteria.sex = Some(s),
            None => errors.push(("sex", "性別: 男性か女性を選んでください".into())),
        }
    }
    if let Some(age) = get("age") {
        match nimo_domain::text::nfkc(age).parse::<i64>() {
            Ok(a) if (0..=120).contains(&a) => criteria.age = Some(a),
            _ => errors.push(("age", "年齢: 0から120までの整数で入力してください".into())),
        }
    }
    if let Some(code) = get("ward_type") {
        match WardType::parse(code) {
            Some(w) => criteria.ward_type = Some(w),
            None => errors.push(("ward_type", format!("病棟種別: 「{code}」は選べません"))),
        }
    }
    criteria.needs_physical_care = get("physical").is_some();
    criteria.include_full = get("include_full").is_some();
    match (get("lat"), get("lon"), get("from")) {
        (Some(lat), Some(lon), _) => match (lat.parse::<f64>(), lon.parse::<f64>()) {
            (Ok(lat), Ok(lon)) if LATITUDES.contains(&lat) && LONGITUDES.contains(&lon) => {
                criteria.from = Some((lat, lon));
            }
            _ => errors.push(("lat", "地点: 緯度・経度は日本国内の10進数で入力してください".into())),
        },
        (None, None, Some(code)) => match centre_of(code) {
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
    pub admissions: Vec<(&'static str, &'static str)>,
}

impl HitView {
    fn of(hit: &Hit) -> Self {
        let ward = &hit.status.ward;
        let h = &hit.hospital;
        let mut designations = Vec::new();
        if h.emergency {
            designations.push("精神科救急");
        }
        if h.okyu_designated {
            designations.push("応急入院指定");
        }
        if h.physical_care {
            designations.push("身体合併症対応");
        }
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
            admissions: ward.admissions.iter().map(|a| (a.code(), a.label())).collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "beds_search.html")]
struct SearchPage {
    ctx: Layout,
    values: HashMap<String, String>,
    errors: Vec<FieldError>,
    searched: bool,
    hits: Vec<HitView>,
    searched_at: i64,
    admissions: Vec<(&'static str, &'static str)>,
    ward_types: Vec<(&'static str, &'static str)>,
    places: Vec<(&'static str, &'static str)>,
    hold_error: Option<String>,
}

impl SearchPage {
    fn value(&self, name: &str) -> &str {
        self.values.get(name).map_or("", String::as_str)
    }

    fn error(&self, name: &str) -> Option<&str> {
        self.errors.iter().find(|(field, _)| *field == name).map(|(_, message)| message.as_str())
    }

    /// The query string of the current search (for the refresh link).
    fn query(&self) -> String {
        let mut pairs: Vec<(&String, &String)> = self.values.iter().filter(|(k, _)| k.as_str() != "csrf").collect();
        pairs.sort();
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

fn search_page(state: &AppState, ctx: &Ctx, values: HashMap<String, String>) -> SearchPage {
    SearchPage {
        ctx: Layout::of(ctx),
        values,
        errors: Vec::new(),
        searched: false,
        hits: Vec::new(),
        searched_at: state.clock.unix(),
        admissions: AdmissionType::ALL.iter().map(|a| (a.code(), a.label())).collect(),
        ward_types: WardType::ALL.iter().map(|w| (w.code(), w.label())).collect(),
        places: nimo_domain::beds::TOKYO_WARD_CENTRES.iter().map(|(code, name, ..)| (*code, *name)).collect(),
        hold_error: None,
    }
}

/// GET /beds: the search form, and results when the form was sent (`go=1`).
pub async fn search(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let searched = params.contains_key("go");
    let mut page = search_page(&state, &ctx, params);
    if !searched {
        return Ok(Html(page.render()?).into_response());
    }
    match parse_criteria(&page.values) {
        Ok(criteria) => {
            let hits =
                beds::search_at(&state.db, &criteria, state.beds.stale_after_seconds, SEARCH_LIMIT, page.searched_at)
                    .await?;
            page.searched = true;
            page.hits = hits.iter().map(HitView::of).collect();
            Ok(Html(page.render()?).into_response())
        }
        Err(errors) => {
            page.errors = errors;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response())
        }
    }
}

/// A hold request, from the form or the API.
pub struct HoldRequest {
    pub ward_id: String,
    pub case_ref: CaseRef,
    pub admission: AdmissionType,
    pub searched_at: Option<i64>,
}

/// Checks a hold request's fields; every error names its field.
pub fn parse_hold(
    ward_id: Option<&str>,
    case_ref: Option<&str>,
    admission: Option<&str>,
    searched_at: Option<i64>,
) -> Result<HoldRequest, Vec<FieldError>> {
    let mut errors = Vec::new();
    let ward_id = ward_id.map(str::trim).unwrap_or_default();
    if !beds::is_id(ward_id) {
        errors.push(("ward_id", "病棟: 病棟を選んでください".to_string()));
    }
    let case_ref = CaseRef::parse(case_ref.unwrap_or_default())
        .map_err(|reason| errors.push(("case_ref", format!("受付番号: {reason}"))))
        .ok();
    let admission = match admission.map(str::trim).filter(|a| !a.is_empty()) {
        Some(code) => AdmissionType::parse(code)
            .ok_or_else(|| errors.push(("admission", format!("入院形態: 「{code}」は選べません"))))
            .ok(),
        None => {
            errors.push(("admission", "入院形態: 入院形態を選んでください".to_string()));
            None
        }
    };
    match (case_ref, admission) {
        (Some(case_ref), Some(admission)) if errors.is_empty() => {
            Ok(HoldRequest { ward_id: ward_id.to_string(), case_ref, admission, searched_at })
        }
        _ => Err(errors),
    }
}

/// Why a hold could not be placed.
pub enum HoldFailure {
    /// The input is wrong (field, reason).
    Invalid(Vec<FieldError>),
    /// No bed is left on the ward.
    NoBedLeft,
    /// The ward does not exist.
    UnknownWard,
    /// Anything else.
    Web(WebError),
}

/// Places a hold for the request's user, with its audit rows (the hold's own in its
/// transaction; a refusal for lack of beds before the refusal is answered, failing closed).
pub async fn place(state: &AppState, ctx: &Ctx, request: &HoldRequest) -> Result<beds::Hold, HoldFailure> {
    let Some(account) = &ctx.0.account else {
        return Err(HoldFailure::Web(WebError::Unauthorized));
    };
    let now = state.clock.unix();
    let (ward, hospital) = match beds::hospital_of_ward(&state.db, &request.ward_id).await {
        Ok(hospital) => (request.ward_id.clone(), hospital),
        Err(e) if e.is_not_found() => return Err(HoldFailure::UnknownWard),
        Err(e) => return Err(HoldFailure::Web(e.into())),
    };
    let new = NewHold {
        ward_id: ward.clone(),
        case_ref: request.case_ref.clone(),
        admission: request.admission,
        placed_by: account.principal.user_id,
        searched_at: request.searched_at.unwrap_or(now),
    };
    let origin = crate::audit::origin_of(&ctx.0);
    match beds::place_hold_at(&state.db, &new, state.beds.hold_ttl_seconds, &origin, now).await {
        Ok(hold) => {
            state.bed_changed(&hospital);
            Ok(hold)
        }
        Err(StoreError::NoBedLeft { .. }) => {
            let event = crate::audit::event(&ctx.0, "hold_place", Outcome::Failed)
                .with_record("ward", ward)
                .with_detail("no_bed_left");
            if let Err(error) = crate::audit::before(&state.db, &event).await {
                return Err(HoldFailure::Web(error));
            }
            Err(HoldFailure::NoBedLeft)
        }
        Err(e) if e.is_not_found() => Err(HoldFailure::UnknownWard),
        Err(e) => Err(HoldFailure::Web(e.into())),
    }
}

/// POST /beds/holds: places a hold from a search result.
pub async fn create_hold(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let searched_at = form.get("searched_at").and_then(|s| s.parse::<i64>().ok());
    let parsed = parse_hold(
        form.get("ward_id").map(String::as_str),
        form.get("case_ref").map(String::as_str),
        form.get("admission").map(String::as_str),
        searched_at,
    );
    let failure = match parsed {
        Ok(request) => match place(&state, &ctx, &request).await {
            Ok(hold) => return Ok(Redirect::to(&format!("/beds/holds?placed={}", hold.id)).into_response()),
            Err(failure) => failure,
        },
        Err(errors) => HoldFailure::Invalid(errors),
    };
    let (status, message) = match failure {
        HoldFailure::Invalid(errors) => {
            (StatusCode::UNPROCESSABLE_ENTITY, errors.into_iter().map(|(_, m)| m).collect::<Vec<_>>().join("。"))
        }
        HoldFailure::NoBedLeft => (StatusCode::CONFLICT, crate::error::NO_BED_LEFT.into()),
        HoldFailure::UnknownWard => (StatusCode::NOT_FOUND, "病棟が見つかりません".into()),
        HoldFailure::Web(e) => return Err(e),
    };
    // Back to the search with the same criteria and the reason.
    let mut values: HashMap<String, String> = form
        .into_iter()
        .filter(|(k, _)| k.starts_with("q_"))
        .map(|(k, v)| (k.trim_start_matches("q_").to_string(), v))
        .collect();
    values.insert("go".into(), "1".into());
    let criteria = parse_criteria(&values).unwrap_or_default();
    let mut page = search_page(&state, &ctx, values);
    page.hits = beds::search_at(&state.db, &criteria, state.beds.stale_after_seconds, SEARCH_LIMIT, page.searched_at)
        .await?
        .iter()
        .map(HitView::of)
        .collect();
    page.searched = true;
    page.hold_error = Some(message);
    Ok((status, Html(page.render()?)).into_response())
}

/// A hold as the staff's list and the hospital's inbox show it.
pub struct HoldView {
    pub id: i64,
    pub hospital_name: String,
    pub ward_name: String,
    pub case_ref: String,
    pub admission: &'static str,
    pub state: &'static str,
    pub waiting: bool,
    pub held: String,
    pub remaining: String,
    pub reason: String,
}

impl HoldView {
    pub fn of(hold: &beds::Hold, now: i64) -> Self {
        let state = hold.state_at(now);
        let waiting = state == nimo_domain::beds::HoldState::Held;
        Self {
            id: hold.id,
            hospital_name: hold.hospital_name.clone(),
            ward_name: hold.ward_name.clone(),
            case_ref: hold.case_ref.clone(),
            admission: hold.admission.label(),
            state: state.label(),
            waiting,
            held: age_label(now - hold.held_at),
            remaining: if waiting { format!("残り{}分", (hold.expires_at - now + 59) / 60) } else { String::new() },
            reason: hold.decline_reason.map(|r| r.label().to_string()).unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "beds_holds.html")]
struct HoldsPage {
    ctx: Layout,
    holds: Vec<HoldView>,
    placed: Option<i64>,
    notice: Option<&'static str>,
    error: Option<String>,
}

async fn holds_page(state: &AppState, ctx: &Ctx, user_id: i64) -> Result<HoldsPage, WebError> {
    let now = state.clock.unix();
    let holds = beds::holds_placed_by(&state.db, user_id, 50).await?;
    Ok(HoldsPage {
        ctx: Layout::of(ctx),
        holds: holds.iter().map(|h| HoldView::of(h, now)).collect(),
        placed: None,
        notice: None,
        error: None,
    })
}

/// The query of the holds page: the hold just placed (`?placed=ID`) or what just happened.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct HoldsQuery {
    placed: Option<String>,
    notice: Option<String>,
}

/// GET /beds/holds: the staff member's holds, newest first (refreshed by polling).
pub async fn my_holds(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(params): Query<HoldsQuery>,
) -> Result<Response, WebError> {
    let user_id = ctx.0.account.as_ref().map(|a| a.principal.user_id).ok_or(WebError::Unauthorized)?;
    let mut page = holds_page(&state, &ctx, user_id).await?;
    page.placed = params.placed.as_deref().and_then(|p| p.parse().ok());
    if params.notice.as_deref() == Some("cancelled") {
        page.notice = Some("仮押さえを取り消しました。病床は他の検索で使えるようになりました。");
    }
    Ok(Html(page.render()?).into_response())
}

/// POST /beds/holds/{own}/cancel: the staff member withdraws a hold she placed (the patient was
/// placed elsewhere, or no admission is needed): the bed is free again at once and the hospital's
/// page updates. Someone else's hold is a 404 (the try audited as `denied`); one already answered or expired comes back with
/// its state (409) and nothing changes.
pub async fn cancel_hold(
    State(state): State<AppState>,
    ctx: Ctx,
    PagePath(id, ..): PagePath<i64, HoldMissing>,
) -> Result<Response, WebError> {
    let not_found = || WebError::NotFound(HoldMissing::MESSAGE.into());
    let user_id = ctx.0.account.as_ref().map(|a| a.principal.user_id).ok_or(WebError::Unauthorized)?;
    let origin = crate::audit::origin_of(&ctx.0);
    match beds::cancel_at(&state.db, id, user_id, &origin, state.clock.unix()).await {
        Ok(hold) => {
            state.bed_changed(&hold.hospital_id);
            Ok(Redirect::to("/beds/holds?notice=cancelled").into_response())
        }
        // Someone else's hold, or none: a refused attempt, audited before the same 404.
        Err(error) if error.is_not_found() => {
            let event = crate::audit::event(&ctx.0, "denied", Outcome::Denied)
                .with_record("bed_hold", id.to_string())
                .with_detail(nimo_domain::access::Permission::BedHold.code());
            crate::audit::before(&state.db, &event).await?;
            Err(not_found())
        }
        // Withdrawing is not answering: the page names the state rather than the hospital's words.
        Err(StoreError::HoldNotWaiting { state: hold_state, .. }) => {
            let label = hold_state.label();
            let mut page = holds_page(&state, &ctx, user_id).await?;
            page.error = Some(format!("番号 {id} の仮押さえは「{label}」のため取り消せません"));
            Ok((StatusCode::CONFLICT, Html(page.render()?)).into_response())
        }
        Err(error) => Err(error.into()),
    }
}

/// A row of the statistics page.
pub struct StatsRow {
    pub month: String,
    pub hospital: String,
    pub placements: usize,
    pub median: String,
    pub p90: String,
    pub declines: usize,
    pub expiries: usize,
}

fn minutes(seconds: Option<i64>) -> String {
    seconds.map_or_else(|| "—".into(), |s| format!("{:.1}分", s as f64 / 60.0))
}

#[derive(Template)]
#[template(path = "beds_stats.html")]
struct StatsPage {
    ctx: Layout,
    rows: Vec<StatsRow>,
}

/// GET /beds/stats: time from search to acceptance per hospital and month (median, p90), with
/// declines and expiries. Aggregates only: no case reference is shown.
pub async fn stats(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let rows = beds::placement_stats(&state.db)
        .await?
        .into_iter()
        .map(|m| StatsRow {
            month: m.month.wareki(),
            hospital: m.hospital_name,
            placements: m.placements,
            median: minutes(m.median_seconds),
            p90: minutes(m.p90_seconds),
            declines: m.declines,
            expiries: m.expiries,
        })
        .collect();
    Ok(Html(StatsPage { ctx: Layout::of(&ctx), rows }.render()?).into_response())
}
