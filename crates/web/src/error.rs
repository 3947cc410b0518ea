//! The web app's one error type: not found → 404 page, invalid input → 422 with the message,
//! conflict → 409, anything unexpected → logged, generic 500 page without details. The
//! framework's own refusals (unknown route, wrong method, a body its extractors cannot read) are
//! turned into the same Japanese pages, so that no English plain text reaches a user. For the
//! API the same errors answer RFC 9457 problem details instead ([`problem_of`]). What the
//! store's and the domain's errors mean to a person is written once, in [`refusal`].

pub mod directory;
mod refusal;
#[cfg(test)]
mod tests;

pub use refusal::{
    NO_BED_LEFT, Refusal, account_refusal, admission_not_accepted_message, free_beds_message, hold_not_waiting_message,
    login_refusal, password_message, posting_message, refusal_of, scope_message, sheet_exists_message, stale_refusal,
    store_refusal,
};

use crate::problem::Problem;
use askama::Template;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use nimo_store::StoreError;

/// What a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Forbidden(String),
    /// Nobody is signed in (for a request that cannot be redirected to the login page).
    #[error("sign-in required")]
    Unauthorized,
    #[error("method not allowed: {0}")]
    MethodNotAllowed(Method),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Unavailable(String),
    /// Every renderer is busy: 503 with `Retry-After`.
    #[error("busy")]
    Busy,
    /// A request refused before any handler ran (a wrong `Host`, a body the extractors cannot
    /// read, too large a body), answered with this status.
    #[error("{1}")]
    Rejected(StatusCode, String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for WebError {
    fn from(error: StoreError) -> Self {
        match store_refusal(&error) {
            Some(refusal) => WebError::from(refusal),
            None => WebError::Internal(with_causes(&error)),
        }
    }
}

impl From<Refusal> for WebError {
    /// The error page of a refusal: its status and sentence.
    fn from(refusal: Refusal) -> Self {
        match refusal.status {
            StatusCode::NOT_FOUND => WebError::NotFound(refusal.detail),
            StatusCode::CONFLICT => WebError::Conflict(refusal.detail),
            StatusCode::UNAUTHORIZED => WebError::Unauthorized,
            StatusCode::FORBIDDEN => WebError::Forbidden(refusal.detail),
            StatusCode::UNPROCESSABLE_ENTITY => WebError::BadRequest(refusal.detail),
            status => WebError::Rejected(status, refusal.detail),
        }
    }
}

/// An error with its chain of causes, for the log line of a 500.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

impl From<askama::Error> for WebError {
    fn from(error: askama::Error) -> Self {
        WebError::Internal(format!("template: {error}"))
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    ctx: crate::layout::Layout,
    title: &'a str,
    message: &'a str,
    /// Where a signed-in user can go from here, when the page is refused to their role.
    guidance: String,
    /// The request's id (問い合わせ番号), by which the administrator finds its log lines.
    request_id: String,
}

/// What an error page said, kept on the response so that [`in_frame`] can draw it again inside
/// the signed-in user's frame (their menu), which `IntoResponse` cannot reach.
#[derive(Debug, Clone)]
struct PageError {
    status: StatusCode,
    title: &'static str,
    message: String,
}

/// Draws every error page of a signed-in user again with their menu and a word on where to go
/// (a refusal says which role's pages are in the menu), so that no error page is a dead end.
/// The status and headers stay; an `/api/` answer is problem details and is left alone.
pub async fn in_frame(request: Request, next: Next) -> Response {
    let context = request.extensions().get::<std::sync::Arc<crate::context::RequestContext>>().cloned();
    let api = request.uri().path().starts_with("/api/");
    let reading = request.method() == Method::GET;
    let mut response = next.run(request).await;
    let (Some(context), false) = (context, api) else { return response };
    let Some(error) = response.extensions().get::<PageError>().cloned() else { return response };
    let ctx = crate::layout::Layout::of(&crate::context::Ctx(context));
    let Some((_, role)) = ctx.user.clone() else { return response };
    let guidance = if error.status == StatusCode::FORBIDDEN {
        format!("{role}のアカウントで使える画面は、上のメニューとホームにあります。")
    } else {
        String::new()
    };
    // A page refused to the role is not a refused submission: its heading says so.
    let title = if error.status == StatusCode::FORBIDDEN && reading {
        "このページは使えません"
    } else {
        error.title
    };
    let page = ErrorPage {
        ctx,
        title,
        message: &error.message,
        guidance,
        request_id: crate::request_id::current().unwrap_or_default(),
    };
    if let Ok(body) = page.render() {
        let (mut parts, _) = response.into_parts();
        parts.headers.remove(header::CONTENT_LENGTH);
        response = Response::from_parts(parts, axum::body::Body::from(body));
    }
    response
}

/// The heading of an error page for a status.
fn title_for(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "リクエストを処理できません",
        StatusCode::FORBIDDEN => "送信を受け付けられません",
        StatusCode::NOT_FOUND => "見つかりません",
        StatusCode::METHOD_NOT_ALLOWED => "この操作はできません",
        StatusCode::CONFLICT => "更新が競合しました",
        StatusCode::PAYLOAD_TOO_LARGE => "送信データが大きすぎます",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "送信の形式が正しくありません",
        StatusCode::UNPROCESSABLE_ENTITY => "入力に誤りがあります",
        StatusCode::SERVICE_UNAVAILABLE => "利用できません",
        _ => "エラーが発生しました",
    }
}

/// What a user is told when the framework refused the request with a status.
pub(crate) fn rejection_message(status: StatusCode) -> &'static str {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => "送信されたデータが大きすぎます。ファイルの大きさを確認してください。",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "送信の形式が正しくありません。画面のフォームから送信してください。",
        StatusCode::UNPROCESSABLE_ENTITY => "送信された内容を読み取れません。画面のフォームから送信してください。",
        _ => "リクエストの形式が正しくありません。画面のリンクやフォームからやり直してください。",
    }
}

const INTERNAL_MESSAGE: &str = "時間をおいてもう一度お試しください。続く場合はシステム管理者に連絡してください。";
const BUSY_MESSAGE: &str = "混み合っています。しばらくしてからもう一度お試しください";

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let method_message;
        let (status, message) = match &self {
            WebError::NotFound(m) => (StatusCode::NOT_FOUND, m.as_str()),
            WebError::BadRequest(m) => (StatusCode::UNPROCESSABLE_ENTITY, m.as_str()),
            WebError::Forbidden(m) => (StatusCode::FORBIDDEN, m.as_str()),
            WebError::Unauthorized => (StatusCode::UNAUTHORIZED, "ログインしてください"),
            WebError::MethodNotAllowed(method) => {
                method_message = format!("このページでは {method} の操作は受け付けていません");
                (StatusCode::METHOD_NOT_ALLOWED, method_message.as_str())
            }
            WebError::Conflict(m) => (StatusCode::CONFLICT, m.as_str()),
            WebError::Unavailable(m) => (StatusCode::SERVICE_UNAVAILABLE, m.as_str()),
            WebError::Busy => (StatusCode::SERVICE_UNAVAILABLE, BUSY_MESSAGE),
            WebError::Rejected(status, m) => (*status, m.as_str()),
            WebError::Internal(detail) => {
                tracing::error!(%detail, "request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, INTERNAL_MESSAGE)
            }
        };
        let title = match &self {
            WebError::Busy => "混み合っています",
            _ => title_for(status),
        };
        let body = ErrorPage {
            ctx: crate::layout::Layout::default(),
            title,
            message,
            guidance: String::new(),
            request_id: crate::request_id::current().unwrap_or_default(),
        }
        .render()
        .unwrap_or_else(|_| message.to_string());
        let mut response = (status, Html(body)).into_response();
        response.extensions_mut().insert(PageError { status, title, message: message.to_string() });
        if matches!(self, WebError::Busy) {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("10"));
        }
        // An `/api/` request answers this instead of the page (`problem::api_errors`).
        response.extensions_mut().insert(problem_of(&self));
        response
    }
}

/// The problem details the API answers for an error: the page's status and Japanese message.
/// The one translation of errors for the API; handlers convert with `?` (`From` below).
pub(crate) fn problem_of(error: &WebError) -> Problem {
    match error {
        WebError::NotFound(m) => Problem::new(StatusCode::NOT_FOUND, "not-found", m.as_str()),
        WebError::BadRequest(m) => Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-input", m.as_str()),
        WebError::Forbidden(m) => Problem::new(StatusCode::FORBIDDEN, "forbidden", m.as_str()),
        WebError::Conflict(m) => Problem::new(StatusCode::CONFLICT, "conflict", m.as_str()),
        WebError::Unavailable(m) => Problem::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", m.as_str()),
        WebError::Busy => Problem::new(StatusCode::SERVICE_UNAVAILABLE, "busy", BUSY_MESSAGE),
        WebError::Internal(_) => Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", INTERNAL_MESSAGE),
        // The pages' words for these speak of forms and links: the API says it by the status.
        WebError::Unauthorized => Problem::of_status(StatusCode::UNAUTHORIZED),
        WebError::MethodNotAllowed(_) => Problem::of_status(StatusCode::METHOD_NOT_ALLOWED),
        WebError::Rejected(status, _) => Problem::of_status(*status),
    }
}

impl From<WebError> for Problem {
    fn from(error: WebError) -> Self {
        if let WebError::Internal(detail) = &error {
            tracing::error!(%detail, "api request failed");
        }
        problem_of(&error)
    }
}

impl From<StoreError> for Problem {
    fn from(error: StoreError) -> Self {
        WebError::from(error).into()
    }
}

/// The page for a route that does not exist (the router's fallback).
pub async fn not_found() -> WebError {
    WebError::NotFound("お探しのページは見つかりません".into())
}

/// The page for a route that exists but not with this method (the router's 405 fallback; axum
/// still adds the `Allow` header).
pub async fn method_not_allowed(method: Method) -> WebError {
    WebError::MethodNotAllowed(method)
}

/// Replaces the plain-text error responses that axum's extractors produce (a form without its
/// content type, a broken multipart boundary, a body over the limit, an undecodable path) with
/// the Japanese error page of the same status. The English detail is dropped rather than logged:
/// it can quote what the user sent.
pub async fn rejections_as_pages(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let plain = match response.headers().get(header::CONTENT_TYPE) {
        None => true,
        Some(value) => value.to_str().is_ok_and(|v| v.trim_start().to_ascii_lowercase().starts_with("text/plain")),
    };
    if !plain {
        return response;
    }
    let mut page = if status.is_server_error() {
        tracing::error!(%status, "the framework refused a request with a server error");
        WebError::Rejected(status, INTERNAL_MESSAGE.into()).into_response()
    } else {
        WebError::Rejected(status, rejection_message(status).into()).into_response()
    };
    // Keep what the refusal said about the protocol (`Allow`, `Retry-After`), never its body.
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(value) = response.headers().get(&name) {
            page.headers_mut().insert(name, value.clone());
        }
    }
    page
}
