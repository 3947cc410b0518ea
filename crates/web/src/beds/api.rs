//! The bed finder's JSON API (documented in `/api/openapi.json`): search, posting a ward's free
//! beds, placing a hold (201, or 409 when no bed is left) and answering one. Callers
//! authenticate with `Authorization: Bearer` (an API token acting as its user) or with the
//! session cookie plus the `X-CSRF-Token` header. Errors are JSON: `{"error": "…",
//! "fields": {"name": "reason"}}`.

use super::hospital::conflict_message;
use super::search::{HoldFailure, SEARCH_LIMIT, parse_criteria, parse_hold, place};
use crate::context::Ctx;
use crate::{AppState, WebError};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use nimo_domain::beds::{DeclineReason, check_free_beds};
use nimo_store::StoreError;
use nimo_store::beds::{self, Hold};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;

/// A JSON error answer.
pub struct ApiError(StatusCode, String, Vec<(String, String)>);

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self(status, message.into(), Vec::new())
    }

    fn fields(errors: Vec<(&'static str, String)>) -> Self {
        Self(
            StatusCode::UNPROCESSABLE_ENTITY,
            "入力に誤りがあります".into(),
            errors.into_iter().map(|(f, m)| (f.to_string(), m)).collect(),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let fields: serde_json::Map<String, Value> = self.2.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
        let mut body = json!({ "error": self.1 });
        if !fields.is_empty() {
            body["fields"] = Value::Object(fields);
        }
        (self.0, Json(body)).into_response()
    }
}

impl From<WebError> for ApiError {
    fn from(error: WebError) -> Self {
        match error {
            WebError::NotFound(m) => ApiError::new(StatusCode::NOT_FOUND, m),
            WebError::Forbidden(m) => ApiError::new(StatusCode::FORBIDDEN, m),
            WebError::Unauthorized => ApiError::new(StatusCode::UNAUTHORIZED, "ログインまたは API トークンが必要です"),
            WebError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, m),
            WebError::BadRequest(m) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, m),
            other => {
                tracing::error!(error = %other, "api request failed");
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "サーバーでエラーが起きました")
            }
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Invalid(reason) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, reason),
            StoreError::Conflict(state) => ApiError::new(StatusCode::CONFLICT, conflict_message(&state)),
            other => WebError::from(other).into(),
        }
    }
}

/// A JSON body, or a JSON 4xx naming what is wrong with it.
fn body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("JSON を読み取れません（{}行{}列）", e.line(), e.column()),
        )
    })
}

/// A hold as the API returns it.
pub fn hold_json(hold: &Hold, now: i64) -> Value {
    json!({
        "id": hold.id,
        "ward_id": hold.ward_id,
        "hospital_id": hold.hospital_id,
        "case_ref": hold.case_ref,
        "admission": hold.admission.code(),
        "state": hold.state_at(now).code(),
        "searched_at": hold.searched_at,
        "held_at": hold.held_at,
        "expires_at": hold.expires_at,
        "decided_at": hold.decided_at,
        "decline_reason": hold.decline_reason.map(|r| r.code()),
    })
}

/// GET /api/v1/beds/search: the same criteria as the search page, as query parameters.
pub async fn search(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let criteria = parse_criteria(&params).map_err(ApiError::fields)?;
    let now = state.clock.unix();
    let hits = beds::search_at(&state.db, &criteria, state.beds.stale_after_seconds, SEARCH_LIMIT, now).await?;
    let results: Vec<Value> = hits
        .iter()
        .map(|hit| {
            let ward = &hit.status.ward;
            json!({
                "ward_id": ward.id,
                "ward_name": ward.name,
                "ward_type": ward.ward_type.code(),
                "sex": ward.sex.code(),
                "min_age": ward.min_age,
                "max_age": ward.max_age,
                "admissions": ward.admissions.iter().map(|a| a.code()).collect::<Vec<_>>(),
                "hospital_id": hit.hospital.id,
                "hospital_name": hit.hospital.name,
                "phone": hit.hospital.phone,
                "free_beds": hit.status.availability.left(),
                "posted_free_beds": hit.status.availability.posted,
                "posted_at": hit.status.posted_at,
                "age_seconds": hit.age_seconds,
                "stale": hit.stale,
                "distance_km": hit.distance_km,
            })
        })
        .collect();
    Ok(Json(json!({ "searched_at": now, "results": results })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AvailabilityBody {
    free_beds: i64,
}

/// PUT /api/v1/wards/{ward}/availability: `{"free_beds": 3}`.
pub async fn put_availability(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(ward): Path<String>,
    bytes: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    let request: AvailabilityBody = body(&bytes)?;
    check_free_beds(request.free_beds).map_err(|reason| ApiError::fields(vec![("free_beds", reason)]))?;
    let actor = crate::audit::actor_of(&ctx.0);
    let origin = crate::audit::origin_of(&ctx.0);
    let now = state.clock.unix();
    beds::post_availability_at(&state.db, &ward, request.free_beds, &actor, &origin, now).await.map_err(
        |e| match e {
            StoreError::Invalid(reason) => {
                ApiError::fields(vec![("free_beds", reason.trim_start_matches("1件目: ").to_string())])
            }
            other => other.into(),
        },
    )?;
    if let Ok(hospital) = beds::hospital_of_ward(&state.db, &ward).await {
        state.bed_changed(&hospital);
    }
    Ok(Json(json!({ "ward_id": ward, "free_beds": request.free_beds, "posted_at": now })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HoldBody {
    ward_id: Option<String>,
    case_ref: Option<String>,
    admission: Option<String>,
    searched_at: Option<i64>,
}

/// POST /api/v1/holds: 201 with the hold, 409 when no bed is left.
pub async fn create_hold(
    State(state): State<AppState>,
    ctx: Ctx,
    bytes: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let request: HoldBody = body(&bytes)?;
    let parsed = parse_hold(
        request.ward_id.as_deref(),
        request.case_ref.as_deref(),
        request.admission.as_deref(),
        request.searched_at,
    )
    .map_err(ApiError::fields)?;
    match place(&state, &ctx, &parsed).await {
        Ok(hold) => Ok((StatusCode::CREATED, Json(hold_json(&hold, state.clock.unix()))).into_response()),
        Err(HoldFailure::NoBedLeft) => Err(ApiError::new(StatusCode::CONFLICT, "この病棟に空床は残っていません")),
        Err(HoldFailure::UnknownWard) => Err(ApiError::fields(vec![("ward_id", "病棟: 登録されていません".into())])),
        Err(HoldFailure::Invalid(errors)) => Err(ApiError::fields(errors)),
        Err(HoldFailure::Web(e)) => Err(e.into()),
    }
}

fn hold_id(text: &str) -> Result<i64, ApiError> {
    text.parse().map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "仮押さえが見つかりません"))
}

/// POST /api/v1/holds/{hold}/accept.
pub async fn accept(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(hold): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = hold_id(&hold)?;
    let user_id = ctx.0.account.as_ref().map(|a| a.principal.user_id).ok_or(ApiError::from(WebError::Unauthorized))?;
    let now = state.clock.unix();
    let hold = beds::accept_at(&state.db, id, user_id, &crate::audit::origin_of(&ctx.0), now).await?;
    state.bed_changed(&hold.hospital_id);
    Ok(Json(hold_json(&hold, now)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeclineBody {
    reason: String,
}

/// POST /api/v1/holds/{hold}/decline: `{"reason": "full"}`.
pub async fn decline(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(hold): Path<String>,
    bytes: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    let id = hold_id(&hold)?;
    let request: DeclineBody = body(&bytes)?;
    let reason = DeclineReason::parse(&request.reason).ok_or_else(|| {
        let codes: Vec<&str> = DeclineReason::ALL.iter().map(|r| r.code()).collect();
        ApiError::fields(vec![("reason", format!("理由: {} のどれかにしてください", codes.join(", ")))])
    })?;
    let user_id = ctx.0.account.as_ref().map(|a| a.principal.user_id).ok_or(ApiError::from(WebError::Unauthorized))?;
    let now = state.clock.unix();
    let hold = beds::decline_at(&state.db, id, user_id, reason, &crate::audit::origin_of(&ctx.0), now).await?;
    state.bed_changed(&hold.hospital_id);
    Ok(Json(hold_json(&hold, now)))
}
