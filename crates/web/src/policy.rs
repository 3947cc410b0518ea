//! The policy table: every route of the app with the one permission it needs. The enforcement
//! middleware looks each request up by its matched route and method and asks
//! `nimo_domain::access::authorize`; a route missing from the table is refused (deny by
//! default). Routes whose record is named in the body (a new sheet, an import) check the scope
//! again in their handler once they know the municipality ([`check_target`]).
//!
//! A request made with an API token needs the token's scope for the route as well
//! (`crate::tokens`): 403 problem details naming the scope, audited with the detail `scope:CODE`.
//!
//! Every refusal of a signed-in session (at any stage of its sign-in), here and in
//! [`check_target`], is written to the audit log before it is answered (an anonymous request's
//! refusal is counted instead, see `crate::refusals`): action `denied`, outcome `denied`, actor `user:ID` (or `anonymous`), origin the
//! client address. A route refusal has record type `route`, the matched pattern as record id
//! (with `{name}` written `:name`, since audit codes allow no braces) and the permission code as
//! detail (`unlisted` for a route missing from the table); a scope refusal in a handler has
//! record type `municipality`, the code as record id and the permission code as detail.
//! Refusals **fail closed**: when the row cannot be written the answer is a 500 page instead of
//! the refusal, which still lets nothing through (see `crate::audit` for the rules of every
//! other row).

mod offer;

pub use offer::{RouteMatch, allows, route_of};

use crate::context::RequestContext;
use crate::problem::Problem;
use crate::{AppState, WebError};
use axum::extract::{MatchedPath, RawPathParams, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use nimo_domain::MunicipalityCode;
use nimo_domain::access::{Denial, Permission, Target, authorize};
use nimo_store::audit::Outcome;
use std::sync::Arc;

/// Every route: method, path pattern (as registered), permission.
pub const POLICY: &[(&str, &str, Permission)] = &[
    ("GET", "/", Permission::Public),
    ("GET", "/healthz", Permission::Public),
    ("GET", "/readyz", Permission::Public),
    // Its own bearer token, checked by the handler (`metrics.rs`); 404 when none is configured.
    ("GET", "/metrics", Permission::Public),
    ("GET", "/assets/style.css", Permission::Public),
    ("GET", "/login", Permission::Public),
    ("POST", "/login", Permission::Public),
    ("GET", "/login/totp", Permission::Public),
    ("POST", "/login/totp", Permission::Public),
    ("GET", "/account/2fa", Permission::Public),
    ("POST", "/account/2fa", Permission::Public),
    ("POST", "/logout", Permission::Public),
    ("POST", "/account/logout-everywhere", Permission::SignedIn),
    ("GET", "/account/password", Permission::SignedIn),
    ("POST", "/account/password", Permission::SignedIn),
    ("GET", "/account/tokens", Permission::SignedIn),
    ("POST", "/account/tokens", Permission::TokenCreate),
    ("POST", "/account/tokens/{token}/revoke", Permission::SignedIn),
    ("GET", "/municipalities", Permission::SheetRead),
    ("POST", "/municipalities", Permission::SheetWrite),
    ("GET", "/municipalities/{code}", Permission::SheetRead),
    ("GET", "/municipalities/{code}/sheets/{fy}", Permission::SheetRead),
    ("GET", "/municipalities/{code}/sheets/{fy}/edit/{section}", Permission::SheetWrite),
    ("POST", "/municipalities/{code}/sheets/{fy}/edit/{section}", Permission::SheetWrite),
    ("POST", "/municipalities/{code}/sheets/{fy}/copy", Permission::SheetWrite),
    ("POST", "/municipalities/{code}/sheets/{fy}/figures.csv", Permission::SheetImport),
    ("GET", "/municipalities/{code}/sheets/{fy}/{file}", Permission::SheetRead),
    ("GET", "/municipalities/{code}/sheets/{fy}/figures/{key}", Permission::SheetRead),
    ("POST", "/municipalities/{code}/sheets/{fy}/figures/{key}/override", Permission::SheetWrite),
    ("POST", "/municipalities/{code}/sheets/{fy}/figures/{key}/derive", Permission::SheetWrite),
    ("GET", "/api/v1/municipalities/{code}/sheets/{fy}", Permission::SheetRead),
    ("GET", "/api/v1/municipalities/{code}/events", Permission::SheetRead),
    ("GET", "/municipalities/{code}/events", Permission::SheetRead),
    ("POST", "/municipalities/{code}/events", Permission::NetworkWrite),
    ("GET", "/municipalities/{code}/events/new", Permission::NetworkWrite),
    ("GET", "/municipalities/{code}/events/{event_id}", Permission::SheetRead),
    ("POST", "/municipalities/{code}/events/{event_id}", Permission::NetworkWrite),
    ("GET", "/municipalities/{code}/actions/{fy}", Permission::SheetRead),
    ("POST", "/municipalities/{code}/actions/{fy}/from-sheet", Permission::NetworkWrite),
    ("GET", "/municipalities/{code}/actions/{fy}/{action_id}", Permission::SheetRead),
    ("POST", "/municipalities/{code}/actions/{fy}/{action_id}", Permission::NetworkWrite),
    ("GET", "/municipalities/{code}/calendar/{fy}", Permission::SheetRead),
    ("GET", "/municipalities/{code}/calendar.ics", Permission::SheetRead),
    ("GET", "/municipalities/{code}/sheets/{fy}/history", Permission::SheetWrite),
    ("POST", "/municipalities/{code}/sheets/{fy}/history", Permission::SheetWrite),
    ("GET", "/municipalities/{code}/council", Permission::CouncilRead),
    ("POST", "/municipalities/{code}/council", Permission::CouncilWrite),
    ("GET", "/municipalities/{code}/council/{body_id}", Permission::CouncilRead),
    ("POST", "/municipalities/{code}/council/{body_id}", Permission::CouncilWrite),
    ("POST", "/municipalities/{code}/council/{body_id}/members", Permission::CouncilWrite),
    ("GET", "/municipalities/{code}/meetings", Permission::CouncilRead),
    ("POST", "/municipalities/{code}/meetings", Permission::CouncilWrite),
    ("GET", "/municipalities/{code}/meetings/{meeting_id}", Permission::CouncilRead),
    ("POST", "/municipalities/{code}/meetings/{meeting_id}", Permission::CouncilWrite),
    ("POST", "/municipalities/{code}/meetings/{meeting_id}/actions", Permission::CouncilWrite),
    ("GET", "/municipalities/{code}/action-items", Permission::CouncilRead),
    ("POST", "/municipalities/{code}/action-items/{action_id}", Permission::CouncilWrite),
    ("GET", "/api/v1/municipalities/{code}/meetings", Permission::CouncilRead),
    ("GET", "/api/v1/municipalities/{code}/meetings/{meeting_id}", Permission::CouncilRead),
    ("GET", "/municipalities/{code}/directory", Permission::DirectoryRead),
    ("POST", "/municipalities/{code}/directory", Permission::DirectoryWrite),
    ("GET", "/municipalities/{code}/directory/new", Permission::DirectoryWrite),
    ("GET", "/municipalities/{code}/directory/import", Permission::DirectoryWrite),
    ("POST", "/municipalities/{code}/directory/import", Permission::DirectoryWrite),
    ("GET", "/municipalities/{code}/directory/export.csv", Permission::DirectoryRead),
    ("GET", "/municipalities/{code}/directory/hsds.json", Permission::DirectoryRead),
    ("GET", "/municipalities/{code}/directory/{org_id}", Permission::DirectoryRead),
    ("POST", "/municipalities/{code}/directory/{org_id}", Permission::DirectoryWrite),
    ("GET", "/municipalities/{code}/directory/{org_id}/edit", Permission::DirectoryWrite),
    ("GET", "/api/v1/municipalities/{code}/directory", Permission::DirectoryRead),
    ("GET", "/api/v1/municipalities/{code}/directory/{org_id}", Permission::DirectoryRead),
    ("GET", "/cases", Permission::CaseRead),
    ("GET", "/municipalities/{code}/cases", Permission::CaseRead),
    ("POST", "/municipalities/{code}/cases", Permission::CaseWrite),
    ("GET", "/municipalities/{code}/cases/new", Permission::CaseWrite),
    ("POST", "/municipalities/{code}/cases/search", Permission::CaseRead),
    ("GET", "/municipalities/{code}/cases/{case_id}", Permission::CaseRead),
    ("GET", "/municipalities/{code}/cases/{case_id}/print.pdf", Permission::CaseRead),
    ("POST", "/municipalities/{code}/cases/{case_id}/events", Permission::CaseWrite),
    ("POST", "/municipalities/{code}/cases/{case_id}/protection", Permission::CaseWrite),
    ("POST", "/municipalities/{code}/cases/{case_id}/person", Permission::CaseWrite),
    ("GET", "/municipalities/{code}/districts", Permission::DistrictRead),
    ("POST", "/municipalities/{code}/districts", Permission::DistrictManage),
    ("POST", "/municipalities/{code}/districts/{district_id}", Permission::DistrictManage),
    ("POST", "/municipalities/{code}/districts/{district_id}/assign", Permission::DistrictManage),
    ("POST", "/municipalities/{code}/districts/{district_id}/unassign", Permission::DistrictManage),
    ("GET", "/municipalities/{code}/health-centre", Permission::DistrictManage),
    ("POST", "/municipalities/{code}/health-centre", Permission::DistrictManage),
    ("GET", "/municipalities/{code}/caseload", Permission::CaseRead),
    ("GET", "/municipalities/{code}/people/{person_id}", Permission::CaseRead),
    ("POST", "/municipalities/{code}/people/{person_id}/visits", Permission::CaseWrite),
    ("GET", "/municipalities/{code}/people/{person_id}/merge", Permission::CaseWrite),
    ("POST", "/municipalities/{code}/people/{person_id}/merge", Permission::CaseWrite),
    ("GET", "/municipalities/{code}/cases/{case_id}/admissions", Permission::CaseWrite),
    ("POST", "/municipalities/{code}/cases/{case_id}/admissions", Permission::CaseWrite),
    ("GET", "/municipalities/{code}/admissions/{admission_id}", Permission::CaseRead),
    ("POST", "/municipalities/{code}/admissions/{admission_id}/events", Permission::CaseWrite),
    ("GET", "/municipalities/{code}/clocks", Permission::CaseRead),
    ("GET", "/municipalities/{code}/clocks/moves", Permission::ClockMove),
    ("POST", "/municipalities/{code}/clocks/moves", Permission::ClockMove),
    ("GET", "/plans", Permission::CaseRead),
    ("GET", "/clocks", Permission::CaseRead),
    ("GET", "/clocks/rules", Permission::CaseRead),
    ("GET", "/consents", Permission::CaseRead),
    ("GET", "/municipalities/{code}/plans", Permission::CaseRead),
    ("GET", "/municipalities/{code}/plans/{plan_id}", Permission::CaseRead),
    ("GET", "/municipalities/{code}/plans/{plan_id}/print.pdf", Permission::CaseRead),
    ("POST", "/municipalities/{code}/plans/{plan_id}/events", Permission::CaseWrite),
    ("POST", "/municipalities/{code}/plans/{plan_id}/meetings", Permission::CaseWrite),
    ("POST", "/municipalities/{code}/plans/{plan_id}/contents", Permission::CaseWrite),
    ("GET", "/municipalities/{code}/people/{person_id}/plans", Permission::CaseRead),
    ("POST", "/municipalities/{code}/people/{person_id}/plans", Permission::CaseWrite),
    ("GET", "/municipalities/{code}/consents", Permission::CaseRead),
    ("GET", "/municipalities/{code}/consents/{consent_id}", Permission::CaseRead),
    ("POST", "/municipalities/{code}/consents/{consent_id}/events", Permission::CaseWrite),
    ("POST", "/municipalities/{code}/consents/{consent_id}/decisions", Permission::ConsentDecide),
    ("GET", "/municipalities/{code}/people/{person_id}/consents", Permission::CaseRead),
    ("POST", "/municipalities/{code}/people/{person_id}/consents", Permission::CaseWrite),
    ("GET", "/import", Permission::SheetImport),
    ("POST", "/import", Permission::SheetImport),
    ("GET", "/admin/users", Permission::UserAdmin),
    ("POST", "/admin/users", Permission::UserAdmin),
    ("POST", "/admin/users/{id}/reset-password", Permission::UserAdmin),
    ("POST", "/admin/users/{id}/disable", Permission::UserAdmin),
    ("POST", "/admin/users/{id}/enable", Permission::UserAdmin),
    ("POST", "/admin/users/{id}/unlock", Permission::UserAdmin),
    ("GET", "/admin/users/{id}/tokens", Permission::UserAdmin),
    ("POST", "/admin/users/{id}/tokens/{token}/revoke", Permission::UserAdmin),
    ("GET", "/admin/audit", Permission::AuditRead),
    ("GET", "/admin/audit.csv", Permission::AuditRead),
    ("GET", "/api/openapi.json", Permission::Public),
    ("GET", "/assets/live.js", Permission::Public),
    ("GET", "/beds/events", Permission::BedSearch),
    ("GET", "/hospital/events", Permission::WardUpdate),
    ("GET", "/beds", Permission::BedSearch),
    ("GET", "/beds/holds", Permission::BedHold),
    ("POST", "/beds/holds", Permission::BedHold),
    ("POST", "/beds/holds/{own}/cancel", Permission::BedHold),
    ("GET", "/beds/stats", Permission::BedStats),
    ("GET", "/hospital", Permission::WardUpdate),
    ("POST", "/hospital/import", Permission::WardUpdate),
    ("POST", "/hospital/wards/{ward}/availability", Permission::WardUpdate),
    ("GET", "/hospital/settings", Permission::WardUpdate),
    ("POST", "/hospital/settings", Permission::WardUpdate),
    ("POST", "/hospital/wards/{ward}/rooms", Permission::WardUpdate),
    ("POST", "/hospital/holds/{hold}/accept", Permission::WardUpdate),
    ("POST", "/hospital/holds/{hold}/decline", Permission::WardUpdate),
    ("GET", "/api/v1/beds/search", Permission::BedSearch),
    ("PUT", "/api/v1/wards/{ward}/availability", Permission::WardUpdate),
    ("POST", "/api/v1/holds", Permission::BedHold),
    ("POST", "/api/v1/holds/{hold}/accept", Permission::WardUpdate),
    ("POST", "/api/v1/holds/{hold}/decline", Permission::WardUpdate),
];

/// The permission a route needs, if the table declares it.
pub fn permission_of(method: &Method, path: &str) -> Option<Permission> {
    POLICY.iter().find(|(m, p, _)| *m == method.as_str() && *p == path).map(|(_, _, permission)| *permission)
}

/// Checks the request's principal against a permission and a municipality named in the body
/// (new sheet, import), for handlers that learn the target after parsing. A refusal is audited
/// (failing closed) and answered 403.
pub async fn check_target(
    state: &AppState,
    ctx: &RequestContext,
    permission: Permission,
    code: &MunicipalityCode,
) -> Result<(), WebError> {
    if authorize(ctx.principal().as_ref(), permission, &Target::Municipality(code.clone())).is_ok() {
        return Ok(());
    }
    let event = crate::audit::event(ctx, "denied", Outcome::Denied)
        .with_record("municipality", code.as_str())
        .with_detail(permission.code());
    crate::audit::before(&state.db, &event).await?;
    Err(WebError::Forbidden(format!("自治体 {code} のシートを扱う権限がありません")))
}

/// The scope of the record a route's path names: `{code}` a municipality; `{ward}` and `{hold}`
/// the hospital of the ward (of the hold). An id that names nothing gets a hospital nobody's
/// scope holds, so that it is refused exactly like another hospital's record (403 either way:
/// the answer does not tell which ids exist).
async fn target_of(state: &AppState, params: &[(String, String)]) -> Result<Target, WebError> {
    let nowhere = || Target::Hospital(String::new());
    for (name, value) in params {
        match name.as_str() {
            "code" => return Ok(MunicipalityCode::parse(value).map_or(Target::Nothing, Target::Municipality)),
            "ward" => {
                return match nimo_store::beds::hospital_of_ward(&state.db, value).await {
                    Ok(hospital) => Ok(Target::Hospital(hospital)),
                    Err(error) if error.is_not_found() => Ok(nowhere()),
                    Err(error) => Err(error.into()),
                };
            }
            "hold" => {
                let Ok(id) = value.parse::<i64>() else { return Ok(nowhere()) };
                return match nimo_store::beds::hospital_of_hold(&state.db, id).await {
                    Ok(hospital) => Ok(Target::Hospital(hospital)),
                    Err(error) if error.is_not_found() => Ok(nowhere()),
                    Err(error) => Err(error.into()),
                };
            }
            _ => {}
        }
    }
    Ok(Target::Nothing)
}

/// Checks the request's principal against a permission on a hospital named in the body (a bulk
/// import's wards are checked by the store); a refusal is audited (failing closed) and answered
/// 403.
pub async fn check_hospital(
    state: &AppState,
    ctx: &RequestContext,
    permission: Permission,
    hospital: &str,
) -> Result<(), WebError> {
    if authorize(ctx.principal().as_ref(), permission, &Target::Hospital(hospital.to_string())).is_ok() {
        return Ok(());
    }
    let record = if nimo_store::beds::is_id(hospital) { hospital } else { "invalid" };
    let event = crate::audit::event(ctx, "denied", Outcome::Denied)
        .with_record("hospital", record)
        .with_detail(permission.code());
    crate::audit::before(&state.db, &event).await?;
    Err(WebError::Forbidden("この病院の病棟を扱う権限がありません".into()))
}

/// Writes the audit row of a route refused by the policy; `None` when it was written, the 500
/// to answer instead when it could not be. A refusal of an anonymous request is only counted
/// (`crate::refusals`).
async fn audit_refusal(state: &AppState, ctx: &RequestContext, route: &str, detail: &str) -> Option<Response> {
    if ctx.account.is_none() {
        state.anonymous_refusals.count(crate::refusals::Reason::Route);
        return None;
    }
    let event = crate::audit::event(ctx, "denied", Outcome::Denied)
        .with_record("route", crate::audit::route_code(route))
        .with_detail(detail);
    crate::audit::before(&state.db, &event).await.err().map(IntoResponse::into_response)
}

/// The route layer that enforces [`POLICY`].
pub async fn enforce(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let matched = request.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string());
    let context = request.extensions().get::<Arc<RequestContext>>().cloned();
    let (Some(path), Some(context)) = (matched, context) else {
        // Not reachable for a registered route (both are always there): refused unaudited, as
        // there is neither a route nor a client to name.
        return WebError::Forbidden("このページは利用できません".into()).into_response();
    };
    let Some(permission) = permission_of(&method, &path) else {
        tracing::error!(%method, %path, "route missing from the policy table: refused");
        if let Some(failure) = audit_refusal(&state, &context, &path, "unlisted").await {
            return failure;
        }
        return WebError::Forbidden("このページは利用できません".into()).into_response();
    };
    let (mut parts, body) = request.into_parts();
    let params: Vec<(String, String)> = match axum::RequestPartsExt::extract::<RawPathParams>(&mut parts).await {
        Ok(params) => params.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect(),
        Err(_) => Vec::new(),
    };
    let target = match target_of(&state, &params).await {
        Ok(target) => target,
        Err(failure) => return failure.into_response(),
    };
    let principal = context.principal();
    if let Some(account) = &context.account
        && account.must_change_password
        && account.stage == crate::context::Stage::Full
        && permission != Permission::Public
        && path != "/account/password"
    {
        return Redirect::to("/account/password").into_response();
    }
    let denial = match authorize(principal.as_ref(), permission, &target) {
        Ok(()) => {
            // A token also needs its scope for the route (and works on the API only).
            let public = permission == Permission::Public;
            if let Some(refused) = crate::tokens::refusal(&state, &context, &method, &path, public).await {
                return refused;
            }
            return next.run(Request::from_parts(parts, body)).await;
        }
        Err(denial) => denial,
    };
    if let Some(failure) = audit_refusal(&state, &context, &path, permission.code()).await {
        return failure;
    }
    if path.starts_with("/api/") {
        return api_refusal(denial);
    }
    match denial {
        Denial::SignInRequired if method == Method::GET => {
            let next_path = parts.uri.path();
            let to = if next_path.starts_with('/') && !next_path.starts_with("//") {
                format!("/login?next={}", urlencode(next_path))
            } else {
                "/login".into()
            };
            Redirect::to(&to).into_response()
        }
        Denial::SignInRequired => WebError::Unauthorized.into_response(),
        Denial::AccountState(account_state) => {
            let message = match account_state {
                nimo_domain::access::AccountState::Disabled => "このアカウントは利用停止中です",
                _ => "二要素認証の設定またはワンタイムコードの入力が済んでいません",
            };
            WebError::Forbidden(message.into()).into_response()
        }
        Denial::Role | Denial::Scope => {
            WebError::Forbidden("このページを表示する権限がありません".into()).into_response()
        }
    }
}

/// A refusal of an API route: problem details with 401 (no credentials) or 403, never a
/// redirect to the login page that a hospital's system could not follow.
fn api_refusal(denial: Denial) -> Response {
    let problem = match denial {
        Denial::SignInRequired => Problem::of_status(StatusCode::UNAUTHORIZED),
        Denial::AccountState(_) => {
            Problem::new(StatusCode::FORBIDDEN, "account-unavailable", "このアカウントは現在利用できません")
        }
        Denial::Role | Denial::Scope => Problem::of_status(StatusCode::FORBIDDEN),
    };
    problem.into_response()
}

/// Percent-encodes a path for the `next` parameter.
pub(crate) fn urlencode(path: &str) -> String {
    serde_urlencoded::to_string([("", path)]).map(|s| s.trim_start_matches('=').to_string()).unwrap_or_default()
}
