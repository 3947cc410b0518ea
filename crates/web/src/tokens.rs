//! Where API tokens count and what each use needs: a token is accepted only on the JSON API
//! (`/api/v1/…`, and the public `/api/openapi.json`); on any other route a request carrying
//! `Authorization` is refused with 401 before a page is made. On the API a request needs the
//! user's role permission (the policy table, as for a session) and the token's scope for the
//! route ([`API_SCOPES`]); a missing scope is 403 problem details naming it.
//!
//! A token is a second-factor-equivalent credential: it can only be made by a session that
//! passed the second factor (or by the operator on the server with `nimo token create`), it is
//! a long random secret stored only as its SHA-256, it expires, and it is shown once. The pages
//! to make, list and revoke one are in [`pages`] (the user's own) and [`admin`] (any user's).

pub(crate) mod admin;
pub(crate) mod pages;

use crate::AppState;
use crate::context::RequestContext;
use crate::problem::Problem;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use nimo_domain::api_scope::ApiScope;
use nimo_store::audit::Outcome;

/// The prefix of the routes a token works on.
pub const API_PREFIX: &str = "/api/v1/";

/// Every `/api/v1` route with the token scope it needs (beside its policy permission).
pub const API_SCOPES: &[(&str, &str, ApiScope)] = &[
    ("GET", "/api/v1/municipalities/{code}/sheets/{fy}", ApiScope::SheetsRead),
    ("GET", "/api/v1/municipalities/{code}/events", ApiScope::SheetsRead),
    ("GET", "/api/v1/beds/search", ApiScope::BedsRead),
    ("PUT", "/api/v1/wards/{ward}/availability", ApiScope::BedsWrite),
    ("POST", "/api/v1/holds", ApiScope::HoldsWrite),
    ("POST", "/api/v1/holds/{hold}/accept", ApiScope::HoldsAnswer),
    ("POST", "/api/v1/holds/{hold}/decline", ApiScope::HoldsAnswer),
    ("GET", "/api/v1/municipalities/{code}/meetings", ApiScope::CouncilRead),
    ("GET", "/api/v1/municipalities/{code}/meetings/{meeting_id}", ApiScope::CouncilRead),
    ("GET", "/api/v1/municipalities/{code}/directory", ApiScope::DirectoryRead),
    ("GET", "/api/v1/municipalities/{code}/directory/{org_id}", ApiScope::DirectoryRead),
];

/// Whether a request to this path may authenticate with a token.
pub fn accepts_token(path: &str) -> bool {
    path.starts_with(API_PREFIX) || path == "/api/openapi.json"
}

/// The scope a route needs, if it is an API route of [`API_SCOPES`].
pub fn scope_of(method: &str, path: &str) -> Option<ApiScope> {
    API_SCOPES.iter().find(|(m, p, _)| *m == method && *p == path).map(|(_, _, scope)| *scope)
}

/// Checks a token-authenticated request that the policy allowed against the token's scopes:
/// `None` lets it through; otherwise the answer (403 naming the scope, after its `denied` audit
/// row with the detail `scope:CODE`; 401 for a route no token may use).
pub async fn refusal(
    state: &AppState,
    context: &RequestContext,
    method: &Method,
    path: &str,
    public: bool,
) -> Option<Response> {
    let token = context.token.as_ref()?;
    if !accepts_token(path) {
        return Some(Problem::of_status(StatusCode::UNAUTHORIZED).into_response());
    }
    let needed = match scope_of(method.as_str(), path) {
        Some(scope) => scope,
        None if public => return None,
        // An API route without a scope of its own: no token may use it (deny by default).
        None => return Some(Problem::of_status(StatusCode::FORBIDDEN).into_response()),
    };
    if token.scopes.contains(&needed) {
        return None;
    }
    let event = crate::audit::event(context, "denied", Outcome::Denied)
        .with_record("route", crate::audit::route_code(path))
        .with_detail(format!("scope:{needed}"));
    if let Err(failure) = crate::audit::before(&state.db, &event).await {
        return Some(failure.into_response());
    }
    let problem = Problem::new(
        StatusCode::FORBIDDEN,
        "missing-scope",
        format!("このトークンにはスコープ {needed}（{}）がありません", needed.label()),
    );
    Some(problem.into_response())
}

/// A token as the lists show it (never the token itself).
pub(crate) struct TokenRow {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) scopes: Vec<&'static str>,
    pub(crate) created: String,
    pub(crate) expires: String,
    pub(crate) last_used: Option<String>,
    pub(crate) state: &'static str,
    /// Neither revoked nor expired: it can be revoked.
    pub(crate) live: bool,
}

/// The rows of a user's tokens at `now`.
pub(crate) async fn rows(state: &AppState, user_id: i64) -> Result<Vec<TokenRow>, crate::WebError> {
    let now = state.clock.unix();
    let tokens = nimo_store::tokens::list_tokens(&state.db, user_id).await?;
    Ok(tokens
        .into_iter()
        .map(|t| {
            let (state, live) = if t.revoked {
                ("失効", false)
            } else if now >= t.expires_at {
                ("期限切れ", false)
            } else {
                ("有効", true)
            };
            TokenRow {
                id: t.id,
                name: t.name,
                scopes: t.scopes.iter().map(|s| s.code()).collect(),
                created: shown(t.created_at),
                expires: shown(t.expires_at),
                last_used: t.last_used_at.map(shown),
                state,
                live,
            }
        })
        .collect())
}

/// A Unix time as the token pages show it: `2026-05-01 18:30` (JST, to the minute).
pub(crate) fn shown(at: i64) -> String {
    crate::display::unix_minute(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_api_route_of_the_policy_has_a_scope_whose_permission_is_the_routes() {
        let api: Vec<_> = crate::policy::POLICY.iter().filter(|(_, path, _)| path.starts_with(API_PREFIX)).collect();
        assert_eq!(api.len(), API_SCOPES.len(), "one scope per /api/v1 route");
        for (method, path, permission) in api {
            let scope = scope_of(method, path).unwrap_or_else(|| panic!("{method} {path} has no token scope"));
            assert_eq!(scope.permission(), *permission, "{method} {path}");
        }
    }

    #[test]
    fn tokens_count_only_on_the_api() {
        assert!(accepts_token("/api/v1/beds/search"));
        assert!(accepts_token("/api/openapi.json"));
        for path in ["/admin/audit.csv", "/municipalities/131105/people/1", "/api/v1", "/apix/v1/", "/"] {
            assert!(!accepts_token(path), "{path}");
        }
    }
}
