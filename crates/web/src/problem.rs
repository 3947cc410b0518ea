//! RFC 9457 problem details: how the JSON API answers every error (`application/problem+json`).
//!
//! `type` is a relative URI naming what happened (`/problems/no-bed-left`), `title` its short
//! Japanese name, `detail` the Japanese sentence a person reads, and `errors` the form fields that
//! were wrong, each with its own Japanese reason, so that a client can show them beside its
//! fields exactly as the pages do.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::{IntoResponses, ToSchema};

/// The media type of a problem document.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem document: every error of the API answers one, as
/// `application/problem+json`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
pub struct Problem {
    /// What happened, as a relative URI (`/problems/not-found`); `about:blank` when the status
    /// says it all.
    #[serde(rename = "type")]
    #[schema(example = "/problems/invalid-input")]
    pub kind: String,
    /// A short Japanese name of the problem.
    #[schema(example = "入力に誤りがあります")]
    pub title: String,
    /// The HTTP status, repeated in the body.
    #[schema(example = 422)]
    pub status: u16,
    /// The Japanese sentence a person reads.
    #[schema(example = "入力に誤りがあります")]
    pub detail: String,
    /// The fields that were wrong, each with its reason (absent when there are none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

/// A field of the request that was wrong, and why.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
pub struct FieldProblem {
    /// The field's name as the request spelled it (`free_beds`, `case_ref`).
    #[schema(example = "free_beds")]
    pub field: String,
    /// Why, in Japanese.
    #[schema(example = "空床数: 0以上の整数で入力してください")]
    pub detail: String,
}

impl Problem {
    /// A problem of this status, kind and Japanese detail; the title follows from the status.
    pub fn new(status: StatusCode, kind: &str, detail: impl Into<String>) -> Self {
        Self {
            kind: if kind == "about:blank" { kind.to_string() } else { format!("/problems/{kind}") },
            title: title_of(status).to_string(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    /// The same problem with the fields that were wrong.
    pub fn with_errors(mut self, errors: impl IntoIterator<Item = (String, String)>) -> Self {
        self.errors = errors.into_iter().map(|(field, detail)| FieldProblem { field, detail }).collect();
        self
    }

    /// The problem a status says all of: its kind and a Japanese detail for an API client (the
    /// framework's refusals, and refusals whose page text speaks of forms and links).
    pub fn of_status(status: StatusCode) -> Self {
        let (kind, detail) = match status {
            StatusCode::BAD_REQUEST => ("bad-request", "リクエストの形式が正しくありません"),
            StatusCode::UNAUTHORIZED => ("unauthorized", "認証が必要です（API トークンまたはログイン）"),
            StatusCode::FORBIDDEN => ("forbidden", "この操作を行う権限がありません"),
            StatusCode::NOT_FOUND => ("not-found", "お探しのものは見つかりません"),
            StatusCode::METHOD_NOT_ALLOWED => ("method-not-allowed", "この URL ではこのメソッドは使えません"),
            StatusCode::CONFLICT => ("conflict", "他の操作と競合しました。最新の状態を確認してください"),
            StatusCode::PAYLOAD_TOO_LARGE => ("too-large", "送信されたデータが大きすぎます"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                ("unsupported-media-type", "送信の形式（Content-Type）が正しくありません")
            }
            StatusCode::UNPROCESSABLE_ENTITY => ("invalid-input", "送信された内容を読み取れません"),
            StatusCode::SERVICE_UNAVAILABLE => {
                ("unavailable", "現在利用できません。しばらくしてからもう一度お試しください")
            }
            _ if status.is_server_error() => {
                ("internal", "時間をおいてもう一度お試しください。続く場合はシステム管理者に連絡してください。")
            }
            _ => ("about:blank", title_of(status)),
        };
        Self::new(status, kind, detail)
    }
}

/// The layer that makes every error answer of an `/api/` route a problem document: refusals of
/// the security, session, policy and CSRF layers, the router's 404 and 405, a body over the limit
/// — whatever is not one already. A `WebError` leaves its problem in the response's extensions
/// (`error::problem_of`); any other refusal is described by its status. The headers stay
/// (`Allow`, `Retry-After`, `WWW-Authenticate`, the security headers).
pub async fn api_errors(request: Request, next: Next) -> Response {
    let is_api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    let status = response.status();
    let is_problem = response.headers().get(header::CONTENT_TYPE).is_some_and(|value| value == PROBLEM_JSON);
    if !is_api || is_problem || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let mut problem = response.extensions().get::<Problem>().cloned().unwrap_or_else(|| Problem::of_status(status));
    problem.status = status.as_u16();
    let mut answer = problem.into_response();
    for (name, value) in response.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            answer.headers_mut().append(name, value.clone());
        }
    }
    answer
}

/// The Japanese title of a status.
fn title_of(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "リクエストを処理できません",
        StatusCode::UNAUTHORIZED => "認証が必要です",
        StatusCode::FORBIDDEN => "権限がありません",
        StatusCode::NOT_FOUND => "見つかりません",
        StatusCode::METHOD_NOT_ALLOWED => "この操作はできません",
        StatusCode::CONFLICT => "競合しました",
        StatusCode::PAYLOAD_TOO_LARGE => "送信データが大きすぎます",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "送信の形式が正しくありません",
        StatusCode::UNPROCESSABLE_ENTITY => "入力に誤りがあります",
        StatusCode::SERVICE_UNAVAILABLE => "利用できません",
        _ => "エラーが発生しました",
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (status, body).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        response
    }
}

/// The refusals every operation can answer before its handler runs (the policy layer, the
/// session and token checks, the CSRF check of a cookie-authenticated request), and a failure.
/// Only documentation: the layers answer these through [`Problem`].
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum Refusals {
    /// No credentials, or an unknown, expired or revoked token.
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthorized(Problem),
    /// The account may not do this (role, scope, or a disabled or locked account), the token
    /// lacks the operation's scope (`/problems/missing-scope`, naming it), or a
    /// cookie-authenticated request without its `X-CSRF-Token`.
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(Problem),
    /// The server failed; the detail says nothing of why (the log does).
    #[response(status = 500, content_type = "application/problem+json")]
    Internal(Problem),
}

/// What an operation that reads a body can also answer before its handler runs.
/// Only documentation, like [`Refusals`].
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum BodyRefusals {
    /// The body is over the size limit (2 MiB).
    #[response(status = 413, content_type = "application/problem+json")]
    TooLarge(Problem),
}

/// An API route's path parameters, typed (`MunicipalityCode`, `FiscalYear`, numeric ids): a value
/// that does not parse is a 404 problem with `M`'s message, as a path that names nothing is,
/// so that a typed path keeps the answers the document gives. A path that is not UTF-8 stays
/// axum's 400 (made a problem by [`api_errors`]).
pub(crate) struct ApiPath<T, M = crate::pages::Page>(pub(crate) T, pub(crate) std::marker::PhantomData<M>);

impl<T, M, S> axum::extract::FromRequestParts<S> for ApiPath<T, M>
where
    T: serde::de::DeserializeOwned + Send,
    M: crate::pages::Missing,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Response> {
        use axum::extract::path::ErrorKind;
        use axum::extract::rejection::PathRejection;
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(ApiPath(value, std::marker::PhantomData)),
            Err(PathRejection::FailedToDeserializePathParams(error))
                if matches!(error.kind(), ErrorKind::InvalidUtf8InPathParam { .. }) =>
            {
                Err(PathRejection::FailedToDeserializePathParams(error).into_response())
            }
            Err(PathRejection::FailedToDeserializePathParams(_)) => {
                Err(Problem::new(StatusCode::NOT_FOUND, "not-found", M::MESSAGE).into_response())
            }
            Err(other) => {
                tracing::error!(%other, "api path parameters");
                Err(Problem::of_status(StatusCode::INTERNAL_SERVER_ERROR).into_response())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_serializes_as_rfc_9457() {
        let problem = Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-input", "入力に誤りがあります")
            .with_errors([("free_beds".to_string(), "0以上の整数で入力してください".to_string())]);
        let json = serde_json::to_value(&problem).unwrap();
        assert_eq!(json["type"], "/problems/invalid-input");
        assert_eq!(json["status"], 422);
        assert_eq!(json["errors"][0]["field"], "free_beds");
        let plain = serde_json::to_value(Problem::new(StatusCode::NOT_FOUND, "about:blank", "ない")).unwrap();
        assert_eq!(plain["type"], "about:blank");
        assert!(plain.get("errors").is_none());
    }

    #[test]
    fn a_problem_answers_with_its_media_type() {
        let response = Problem::new(StatusCode::CONFLICT, "no-bed-left", "空床がありません").into_response();
        assert_eq!(response.status(), StatusCode::CONFLICT);
        assert_eq!(response.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
    }
}
