//! The web app's one error type: not found → 404 page, invalid input → 422 with the message,
//! conflict → 409, anything unexpected → logged, generic 500 page without details.

use askama::Template;
use axum::http::StatusCode;
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
    Conflict(String),
    #[error("{0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for WebError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound(_) => WebError::NotFound("お探しのページは見つかりません".into()),
            StoreError::Conflict(_) => {
                WebError::Conflict("他の職員が先に更新しました。最新の内容を確認してからやり直してください".into())
            }
            other => WebError::Internal(with_causes(&other)),
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
    title: &'a str,
    message: &'a str,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, title, message) = match &self {
            WebError::NotFound(m) => (StatusCode::NOT_FOUND, "見つかりません", m.as_str()),
            WebError::BadRequest(m) => (StatusCode::UNPROCESSABLE_ENTITY, "入力に誤りがあります", m.as_str()),
            WebError::Conflict(m) => (StatusCode::CONFLICT, "更新が競合しました", m.as_str()),
            WebError::Unavailable(m) => (StatusCode::SERVICE_UNAVAILABLE, "利用できません", m.as_str()),
            WebError::Internal(detail) => {
                tracing::error!(%detail, "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "エラーが発生しました",
                    "時間をおいてもう一度お試しください。続く場合はシステム管理者に連絡してください。",
                )
            }
        };
        let body = ErrorPage { title, message }.render().unwrap_or_else(|_| message.to_string());
        (status, Html(body)).into_response()
    }
}
