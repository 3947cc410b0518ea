//! RFC 9457 problem details: how the JSON API answers every error (`application/problem+json`).
//!
//! `type` is a relative URI naming what happened (`/problems/no-bed-left`), `title` its short
//! Japanese name, `detail` the Japanese sentence a person reads, and `errors` the form fields that
//! were wrong, each with its own Japanese reason, so that a client can show them beside its
//! fields exactly as the pages do.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The media type of a problem document.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One problem document.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Problem {
    /// What happened, as a relative URI (`/problems/not-found`); `about:blank` when the status
    /// says it all.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short Japanese name of the problem.
    pub title: String,
    /// The HTTP status, repeated in the body.
    pub status: u16,
    /// The Japanese sentence a person reads.
    pub detail: String,
    /// The fields that were wrong, each with its reason (absent when there are none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

/// A field of the request that was wrong, and why.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FieldProblem {
    /// The field's name as the request spelled it (`free_beds`, `case_ref`).
    pub field: String,
    /// Why, in Japanese.
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
