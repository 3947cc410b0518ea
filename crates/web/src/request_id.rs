//! A request id on every request: taken from a reverse proxy's `X-Request-Id` when it is a short
//! token (letters, digits, `-`, `_`, `.`; at most 64), otherwise made here (16 hex digits). It is
//! in the request's log span, answered in the `X-Request-Id` header, and shown on every error
//! page as the 問い合わせ番号 that staff give the administrator, who finds the log lines by it.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

/// The header that carries the id, in and out.
pub const HEADER: &str = "x-request-id";

/// The id of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestId(pub String);

tokio::task_local! {
    static CURRENT: RequestId;
}

/// The id of the request being answered (error pages show it); `None` outside a request.
pub fn current() -> Option<String> {
    CURRENT.try_with(|id| id.0.clone()).ok()
}

/// Whether a proxy's id may be used as it is (nothing that could forge a log line or a header).
fn acceptable(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// A new id: 64 random bits as 16 hex digits.
fn fresh() -> String {
    format!("{:016x}", rand::random::<u64>())
}

/// The outermost layer: gives the request its id (as an extension, which the log span reads),
/// runs the rest within it, and answers it in the header.
pub async fn assign(mut request: Request, next: Next) -> Response {
    let given = request.headers().get(HEADER).and_then(|v| v.to_str().ok()).filter(|id| acceptable(id));
    let id = RequestId(given.map_or_else(fresh, str::to_string));
    request.extensions_mut().insert(id.clone());
    let header = HeaderValue::from_str(&id.0).ok();
    let mut response = CURRENT.scope(id, next.run(request)).await;
    if let Some(header) = header {
        response.headers_mut().insert(HEADER, header);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::{acceptable, fresh};

    #[test]
    fn a_proxy_id_is_kept_only_when_it_is_a_short_plain_token() {
        assert!(acceptable("req-42_a.b"));
        assert!(acceptable(&fresh()));
        assert!(!acceptable(""));
        assert!(!acceptable(&"a".repeat(65)));
        assert!(!acceptable("a b"));
        assert!(!acceptable("a\nb"));
        assert!(!acceptable("氏名"));
    }
}
