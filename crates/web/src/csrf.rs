//! The forgery checks of every state-changing request, after the policy table and before the
//! handler: the body limit, the same-origin check (`crate::security::is_cross_site`), then the
//! CSRF token. The token must come back in the body, as the `csrf` field of a URL-encoded form or
//! of a multipart upload, or (for a JSON body sent by a script of the page) in the
//! `X-CSRF-Token` header: the signed-in session's synchronizer token, or for an anonymous request
//! the signed double-submit token of `crate::form_token`. Requests to `/api/v1` that authenticate
//! with an API token instead of the cookie are exempt (a token is refused everywhere else, and the
//! exemption is checked against the path too). This applies to every route, so that a new form cannot
//! forget it.
//!
//! **Body limits before any body is read.** An anonymous request (no signed-in session, no API
//! token) may send at most `routes::ANONYMOUS_LIMIT` (16 KiB: the sign-in forms are tiny); a
//! signed-in one the route's own limit (`routes::body_limit`: 2 MiB for forms, more for the
//! upload routes). A `Content-Length` over the limit is refused (413) without reading anything,
//! and the body is read through the same limit, so a chunked body is cut off while it streams.
//! Routes that need a sign-in never get here for an anonymous request: the policy refuses it
//! first, unread.
//!
//! **Refusals.** A refused token or cross-site request of a signed-in session (at any stage of
//! its sign-in) writes an audit row before it is answered (action `denied`, record `route` with
//! the route's pattern, detail `csrf` or `cross_site`; nothing of the body), failing closed; an
//! anonymous one is counted (`crate::refusals`).

use crate::AppState;
use crate::context::RequestContext;
use crate::refusals::Reason;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use nimo_store::audit::Outcome;
use std::sync::Arc;

/// The header a script sends the session's token in (for JSON bodies).
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Checks a POST (or other unsafe method): size, origin, then the token in its header or body.
pub async fn check(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    let Some(context) = request.extensions().get::<Arc<RequestContext>>().cloned() else {
        return expired();
    };
    // A request authenticated by an API token carries no cookie: a forged cross-site request
    // cannot attach the token, so there is nothing for a synchronizer token to protect.
    if context.token.is_some() && request.uri().path().starts_with(crate::tokens::API_PREFIX) {
        return next.run(request).await;
    }
    let route = request.extensions().get::<MatchedPath>().map_or_else(String::new, |m| m.as_str().to_string());
    let signed_in = context.account.is_some();
    let limit = if signed_in { crate::routes::body_limit(&route) } else { crate::routes::ANONYMOUS_LIMIT };
    let declared =
        request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return too_large(&state, signed_in);
    }
    if crate::security::is_cross_site(&request) {
        let message = "他のサイトからの送信は受け付けません";
        return refuse(&state, &context, &route, Reason::CrossSite, message).await;
    }
    // The request's token, or that of a session that ended with this request (see `ended_csrf`).
    let expected: Vec<String> = std::iter::once(context.csrf.clone()).chain(context.ended_csrf.clone()).collect();
    let matches =
        |given: &[u8]| expected.iter().any(|token| !token.is_empty() && constant_time_eq(given, token.as_bytes()));
    // JSON requests of a signed-in browser (fetch) send the token in a header instead of the body.
    let in_header = request.headers().get(CSRF_HEADER).map(|v| matches(v.as_bytes()));
    if in_header == Some(false) {
        return refuse(&state, &context, &route, Reason::Csrf, EXPIRED).await;
    }
    if in_header == Some(true) && signed_in {
        // The handler reads the body through the route's own limit, the same as `limit`.
        return next.run(request).await;
    }
    let content_type =
        request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
        return too_large(&state, signed_in);
    };
    if in_header.is_none() {
        let given = if content_type.starts_with("application/x-www-form-urlencoded") {
            serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
                .ok()
                .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "csrf").map(|(_, v)| v))
        } else if content_type.starts_with("multipart/form-data") {
            multipart_token(&content_type, bytes.clone()).await
        } else {
            None
        };
        if !given.is_some_and(|token| matches(token.as_bytes())) {
            return refuse(&state, &context, &route, Reason::Csrf, EXPIRED).await;
        }
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

async fn multipart_token(content_type: &str, bytes: bytes::Bytes) -> Option<String> {
    let boundary = multer::parse_boundary(content_type).ok()?;
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(bytes) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some("csrf") {
            return field.text().await.ok();
        }
    }
    None
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

const EXPIRED: &str =
    "フォームの有効期限が切れたか、正しくない送信です。ページを読み込み直してからもう一度お試しください";

fn expired() -> Response {
    crate::WebError::Forbidden(EXPIRED.into()).into_response()
}

/// 413 for a body over the limit (counted when anonymous).
fn too_large(state: &AppState, signed_in: bool) -> Response {
    if !signed_in {
        state.anonymous_refusals.count(Reason::TooLarge);
    }
    let status = StatusCode::PAYLOAD_TOO_LARGE;
    crate::WebError::Rejected(status, crate::error::rejection_message(status).into()).into_response()
}

/// 403 with `message`, after the audit row of a signed-in session (failing closed: a 500 when it
/// cannot be written) or the count of an anonymous refusal.
async fn refuse(state: &AppState, context: &RequestContext, route: &str, reason: Reason, message: &str) -> Response {
    if context.account.is_none() {
        state.anonymous_refusals.count(reason);
    } else {
        let event = crate::audit::event(context, "denied", Outcome::Denied)
            .with_record("route", crate::audit::route_code(route))
            .with_detail(reason.code());
        if let Err(failure) = crate::audit::before(&state.db, &event).await {
            return failure.into_response();
        }
    }
    tracing::debug!(reason = reason.code(), "forged or cross-site request refused");
    crate::WebError::Forbidden(message.into()).into_response()
}
