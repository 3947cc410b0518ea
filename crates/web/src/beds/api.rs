//! The bed finder's JSON API: search, posting a ward's free beds, placing a hold (201, or 409
//! when no bed is left) and answering one. Callers authenticate with `Authorization: Bearer` (an
//! API token acting as its user) or with the session cookie plus the `X-CSRF-Token` header.
//! Bodies are the typed structs of `bodies.rs`; errors are RFC 9457 problem details
//! (`crate::problem`). The `#[utoipa::path]` of each handler is its entry in `/api/openapi.json`.

mod bodies;
mod params;

pub use params::Point;

use super::criteria::{FieldError, SEARCH_LIMIT, parse_criteria};
use super::placing::{HoldFailure, parse_hold, place};
use crate::context::Ctx;
use crate::error::{free_beds_message, posting_message, store_refusal};
use crate::pages::{HoldMissing, Page};
use crate::problem::{ApiPath, Problem};
use crate::{AppState, WebError};
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bodies::{DeclineHold, Hold, PlaceHold, PostAvailability, PostedAvailability, SearchResults};
use nimo_domain::beds::{DeclineReason, check_free_beds};
use nimo_store::StoreError;
use nimo_store::beds;

/// 422 naming each wrong field of the request.
fn invalid(errors: Vec<FieldError>) -> Problem {
    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-input", "入力に誤りがあります")
        .with_errors(errors.into_iter().map(|(field, reason)| (field.to_string(), reason)))
}

/// A store error of answering a hold: a refusal (a hold no longer `held` is `hold-closed`
/// naming its state) as its problem; the rest as every other error.
fn answer_problem(error: StoreError) -> Problem {
    match store_refusal(&error) {
        Some(refusal) => refusal.problem(),
        None => error.into(),
    }
}

/// A JSON body, or a 422 naming the line and column where it could not be read.
fn body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    serde_json::from_slice(bytes).map_err(|e| {
        Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unreadable-body",
            format!("JSON を読み取れません（{}行{}列）", e.line(), e.column()),
        )
    })
}

/// The user the request acts as, for answering holds.
fn user_of(ctx: &Ctx) -> Result<i64, Problem> {
    ctx.0.account.as_ref().map(|a| a.principal.user_id).ok_or_else(|| WebError::Unauthorized.into())
}

/// Search wards with free beds (staff)
///
/// The same criteria as the search page, read by the same code (a wrong value is a 422 naming its
/// parameter in `errors`, as the page names its field). Wards are ranked by the domain's rules
/// (a bed left, then fresh before stale, then fit, then distance); `wards` and `hospitals` count
/// every match before the limit of 50 `results`; wards with no
/// bed left are left out unless `include_full` is given, wards whose hospital's designation does
/// not allow `admission` (措置・緊急措置: 国等の設置 or 指定病院; 応急: 応急入院指定病院) always.
/// In the 夜間・休日 band (Japan time; `night_band` names it) hospitals that take no admissions
/// then rank after every one that does (`open_now` is false).
#[utoipa::path(
    get,
    path = "/api/v1/beds/search",
    tag = "bed finder",
    params(params::SearchQuery),
    responses(
        (status = 200, description = "the ranked wards", body = SearchResults),
        (status = 422, description = "a parameter is wrong or given twice (each named in `errors`)", body = Problem, content_type = "application/problem+json"),
        crate::problem::Refusals,
    )
)]
pub async fn search(State(state): State<AppState>, RawQuery(query): RawQuery) -> Result<Json<SearchResults>, Problem> {
    let now = state.clock.unix();
    let criteria = parse_criteria(&params::read(query.as_deref()).map_err(invalid)?, now).map_err(invalid)?;
    let found = beds::search_at(&state.db, &criteria, state.beds.stale_after_seconds, SEARCH_LIMIT, now).await?;
    let band = nimo_domain::beds::night::band_at(now);
    Ok(Json(SearchResults {
        searched_at: now,
        night_band: band.map(|reason| reason.label()),
        wards: found.wards,
        hospitals: found.hospitals,
        results: found.hits.iter().map(|hit| bodies::SearchResult::of(hit, band.is_some())).collect(),
    }))
}

/// Post a ward's free beds (hospital staff, own hospital)
///
/// A count below the ward's active holds is refused: decline holds first. `seclusion_free`, when
/// given, posts the ward's free 保護室 in the same transaction (0 to the ward's rooms).
#[utoipa::path(
    put,
    path = "/api/v1/wards/{ward}/availability",
    tag = "bed finder",
    params(("ward" = String, Path, description = "the ward's id", example = "h-meguro-1-a")),
    request_body = PostAvailability,
    responses(
        (status = 200, description = "posted", body = PostedAvailability),
        (status = 409, description = "`free_beds` is below the ward's holds waiting for an answer (`below-active-holds`), or `seclusion_free` above the ward's 保護室 (`seclusion-above-rooms`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`free_beds` or `seclusion_free` out of range, or the body is not JSON", body = Problem, content_type = "application/problem+json"),
        crate::problem::Refusals,
        crate::problem::BodyRefusals,
    )
)]
pub async fn put_availability(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(ward, ..): ApiPath<String, Page>,
    bytes: axum::body::Bytes,
) -> Result<Json<PostedAvailability>, Problem> {
    let request: PostAvailability = body(&bytes)?;
    check_free_beds(request.free_beds).map_err(|error| invalid(vec![("free_beds", free_beds_message(error))]))?;
    if request.seclusion_free.is_some_and(|n| !(0..=nimo_domain::beds::MAX_SECLUSION_ROOMS).contains(&n)) {
        let message = format!("保護室の空きは0から{}までの整数です", nimo_domain::beds::MAX_SECLUSION_ROOMS);
        return Err(invalid(vec![("seclusion_free", message)]));
    }
    let actor = crate::audit::actor_of(&ctx.0);
    let origin = crate::audit::origin_of(&ctx.0);
    let now = state.clock.unix();
    let seclusion = request.seclusion_free;
    beds::post_ward_at(&state.db, &ward, request.free_beds, seclusion, &actor, &origin, now).await.map_err(
        |e| match e {
            // Fewer free beds than holds waiting is a conflict with the ward's state, not a
            // malformed value: the same number is accepted once the holds are answered.
            StoreError::Posting { refusal: refusal @ nimo_store::PostingRefusal::BelowActiveHolds { .. }, .. } => {
                let detail = posting_message(&refusal);
                Problem::new(StatusCode::CONFLICT, "below-active-holds", detail.clone())
                    .with_errors([("free_beds".to_string(), detail)])
            }
            // More free 保護室 than the ward has is, like the holds above, a conflict with what the
            // ward is (its rooms), not a malformed value.
            StoreError::Posting { refusal: refusal @ nimo_store::PostingRefusal::SeclusionFree { .. }, .. } => {
                let detail = posting_message(&refusal);
                Problem::new(StatusCode::CONFLICT, "seclusion-above-rooms", detail.clone())
                    .with_errors([("seclusion_free".to_string(), detail)])
            }
            StoreError::Posting { refusal, .. } => invalid(vec![("free_beds", posting_message(&refusal))]),
            other => other.into(),
        },
    )?;
    if let Ok(hospital) = beds::hospital_of_ward(&state.db, &ward).await {
        state.bed_changed(&hospital);
    }
    Ok(Json(PostedAvailability {
        ward_id: ward,
        free_beds: request.free_beds,
        seclusion_free: seclusion,
        posted_at: now,
    }))
}

/// Place a hold on a ward's bed (staff)
///
/// The bed stays reserved until the hospital answers or the hold expires.
#[utoipa::path(
    post,
    path = "/api/v1/holds",
    tag = "bed finder",
    request_body = PlaceHold,
    responses(
        (status = 201, description = "held", body = Hold),
        (status = 409, description = "no bed is left on the ward", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "a field is wrong (each named in `errors`; `admission` when the ward does not take that 入院形態, or 応急入院 outside an 応急入院指定病院), or the body is not JSON", body = Problem, content_type = "application/problem+json"),
        crate::problem::Refusals,
        crate::problem::BodyRefusals,
    )
)]
pub async fn create_hold(
    State(state): State<AppState>,
    ctx: Ctx,
    bytes: axum::body::Bytes,
) -> Result<Response, Problem> {
    let request: PlaceHold = body(&bytes)?;
    let parsed = parse_hold(
        request.ward_id.as_deref(),
        request.case_ref.as_deref(),
        request.admission.as_deref(),
        request.searched_at,
    )
    .map_err(invalid)?;
    match place(&state, &ctx, &parsed).await {
        Ok(hold) => Ok((StatusCode::CREATED, Json(Hold::of(&hold, state.clock.unix()))).into_response()),
        Err(HoldFailure::NoBedLeft) => {
            Err(Problem::new(StatusCode::CONFLICT, "no-bed-left", "この病棟に空床は残っていません"))
        }
        Err(HoldFailure::UnknownWard) => Err(invalid(vec![("ward_id", "病棟: 登録されていません".into())])),
        Err(HoldFailure::Invalid(errors)) => Err(invalid(errors)),
        Err(HoldFailure::Web(e)) => Err(e.into()),
    }
}

/// Accept a hold: the admission is recorded (hospital staff)
#[utoipa::path(
    post,
    path = "/api/v1/holds/{hold}/accept",
    tag = "bed finder",
    params(("hold" = i64, Path, description = "the hold's id", example = 1)),
    responses(
        (status = 200, description = "the hold, accepted", body = Hold),
        (status = 404, description = "no such hold", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "the hold expired or was answered already", body = Problem, content_type = "application/problem+json"),
        crate::problem::Refusals,
    )
)]
pub async fn accept(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id, ..): ApiPath<i64, HoldMissing>,
) -> Result<Json<Hold>, Problem> {
    let user_id = user_of(&ctx)?;
    let now = state.clock.unix();
    let hold =
        beds::accept_at(&state.db, id, user_id, &crate::audit::origin_of(&ctx.0), now).await.map_err(answer_problem)?;
    state.bed_changed(&hold.hospital_id);
    Ok(Json(Hold::of(&hold, now)))
}

/// Decline a hold with a reason: the bed is free again (hospital staff)
#[utoipa::path(
    post,
    path = "/api/v1/holds/{hold}/decline",
    tag = "bed finder",
    params(("hold" = i64, Path, description = "the hold's id", example = 1)),
    request_body = DeclineHold,
    responses(
        (status = 200, description = "the hold, declined", body = Hold),
        (status = 404, description = "no such hold", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "the hold expired or was answered already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`reason` is not one of the codes, or the body is not JSON", body = Problem, content_type = "application/problem+json"),
        crate::problem::Refusals,
        crate::problem::BodyRefusals,
    )
)]
pub async fn decline(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id, ..): ApiPath<i64, HoldMissing>,
    bytes: axum::body::Bytes,
) -> Result<Json<Hold>, Problem> {
    let request: DeclineHold = body(&bytes)?;
    let reason = DeclineReason::parse(&request.reason).ok_or_else(|| {
        let codes: Vec<&str> = DeclineReason::ALL.iter().map(|r| r.code()).collect();
        invalid(vec![("reason", format!("理由: {} のどれかにしてください", codes.join(", ")))])
    })?;
    let user_id = user_of(&ctx)?;
    let now = state.clock.unix();
    let hold = beds::decline_at(&state.db, id, user_id, reason, &crate::audit::origin_of(&ctx.0), now)
        .await
        .map_err(answer_problem)?;
    state.bed_changed(&hold.hospital_id);
    Ok(Json(Hold::of(&hold, now)))
}
