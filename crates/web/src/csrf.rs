//! CSRF protection on every state-changing request: the session's synchronizer token must come
//! back in the body, as the `csrf` field of a URL-encoded form or of a multipart upload, or (for
//! a JSON body sent by a script of the page) in the `X-CSRF-Token` header. Requests to
//! `/api/v1` that authenticate with an API token instead of the cookie are exempt (a token is
//! refused everywhere else, and the exemption is checked against the path too). This is
//! on top of the same-origin check in `security.rs`, and applies to every route, so that a new
//! form cannot forget it.

use crate::context::RequestContext;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// The header a script sends the session's token in (for JSON bodies).
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The largest body this check reads (the upload limit of the routes is smaller or equal).
const MAX_BODY: usize = 24 * 1024 * 1024;

/// Refuses a POST (or other unsafe method) whose body does not carry the session's token.
pub async fn check(request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    let Some(context) = request.extensions().get::<Arc<RequestContext>>().cloned() else {
        return refuse();
    };
    // A request authenticated by an API token carries no cookie: a forged cross-site request
    // cannot attach the token, so there is nothing for a synchronizer token to protect.
    if context.token.is_some() && request.uri().path().starts_with(crate::tokens::API_PREFIX) {
        return next.run(request).await;
    }
    let expected = context.csrf.clone();
    // JSON requests of a signed-in browser (fetch) send the token in a header instead of the body.
    if let Some(given) = request.headers().get(CSRF_HEADER) {
        if !expected.is_empty() && constant_time_eq(given.as_bytes(), expected.as_bytes()) {
            return next.run(request).await;
        }
        return refuse();
    }
    let content_type =
        request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return crate::WebError::Rejected(axum::http::StatusCode::PAYLOAD_TOO_LARGE, String::new()).into_response();
        }
    };
    let given = if content_type.starts_with("application/x-www-form-urlencoded") {
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
            .ok()
            .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "csrf").map(|(_, v)| v))
    } else if content_type.starts_with("multipart/form-data") {
        multipart_token(&content_type, bytes.clone()).await
    } else {
        None
    };
    if !given.is_some_and(|token| constant_time_eq(token.as_bytes(), expected.as_bytes())) {
        return refuse();
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

fn refuse() -> Response {
    crate::WebError::Forbidden(
        "フォームの有効期限が切れたか、正しくない送信です。ページを読み込み直してからもう一度お試しください".into(),
    )
    .into_response()
}
