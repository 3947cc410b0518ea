//! The checks made before any handler runs, and the browser security headers on every response.
//!
//! **Host allow-list.** When [`AppState::allowed_hosts`] is set, a request (of any method) whose
//! `Host` is not listed gets 400. This is what defeats DNS rebinding: a page on `evil.example`
//! whose name is re-pointed at 127.0.0.1 can reach a local server, but its requests still say
//! `Host: evil.example` (and `Origin: http://evil.example`, so the same-origin check below
//! cannot catch them). `nimo serve` allows only the loopback names when it listens on loopback.
//!
//! **Same-origin check** on every request that is not GET, HEAD or OPTIONS (GETs change
//! nothing), in the order browsers give us evidence:
//!
//! 1. `Sec-Fetch-Site`, which browsers set and pages cannot forge: only `same-origin` and `none`
//!    (the user's own action, e.g. a bookmark) pass; `same-site` does not, since a sibling
//!    subdomain of a municipality's domain is not this app.
//! 2. Without it (older browsers), the `Origin` must name the same host and port as `Host`;
//!    `Origin: null` (sandboxed frames, `file:` pages, some redirects) is refused.
//! 3. Without an `Origin` either, the `Referer` must name the same host and port.
//! 4. A request with none of the three is allowed. Every browser that a foreign page could use
//!    to send a cross-site POST sets `Origin` on POSTs (and current ones `Sec-Fetch-Site`), so
//!    such a request comes from curl, a script or a test: a program acting with its own
//!    network access, which cross-site request forgery is not about. The gap left is a very old
//!    browser that sends no `Origin` on a form POST while the attacking page suppresses its
//!    `Referer`; token-based CSRF protection closes it when accounts and sessions arrive.
//!
//! Behind a reverse proxy, the proxy must pass the browser's `Host` through (nginx:
//! `proxy_set_header Host $host;`) and the public name must be in the allow-list, or every POST
//! from an older browser is refused.
//!
//! **HSTS.** `Strict-Transport-Security: max-age=31536000` is added to every response when the
//! app is configured as reached over HTTPS (`behind_https = true`, `NIMO_BEHIND_HTTPS=1`). The
//! app itself speaks plain HTTP and does not trust `X-Forwarded-Proto`, so the operator states it.

use crate::{AppState, WebError};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                   object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const HSTS: &str = "max-age=31536000";

/// Refuses requests for a host that is not allowed (400) and cross-site POSTs (403), and adds
/// the security headers to every response, refusals included.
pub async fn headers_and_same_origin(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let host = request_host(&request);
    let mut response = if !host_allowed(state.allowed_hosts.as_deref(), host) {
        tracing::warn!(host = host.unwrap_or("(none)"), "request for a host that is not allowed");
        WebError::Rejected(StatusCode::BAD_REQUEST, "このホスト名ではアクセスできません".into()).into_response()
    } else if !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) && is_cross_site(&request) {
        tracing::warn!("cross-site request refused");
        WebError::Forbidden("他のサイトからの送信は受け付けません".into()).into_response()
    } else {
        next.run(request).await
    };
    add_headers(&mut response, state.behind_https);
    response
}

/// The `Host` header, or the authority of the URI (HTTP/2 carries the host there).
fn request_host(request: &Request) -> Option<&str> {
    match request.headers().get(header::HOST) {
        Some(host) => host.to_str().ok(),
        None => request.uri().authority().map(|a| a.as_str()),
    }
}

/// Whether `host` is one of `allowed` (any host when there is no list).
fn host_allowed(allowed: Option<&[String]>, host: Option<&str>) -> bool {
    let Some(allowed) = allowed else {
        return true;
    };
    let Some((name, port)) = host.map(split_host_port) else {
        return false;
    };
    allowed.iter().any(|entry| {
        let (entry_name, entry_port) = split_host_port(entry);
        entry_name == name && (entry_port.is_none() || entry_port == port)
    })
}

/// Splits `host[:port]` (`[v6]:port` too; a bare IPv6 address is taken as a host) into the
/// lower-cased name without a trailing dot, and the port.
fn split_host_port(authority: &str) -> (String, Option<&str>) {
    let authority = authority.trim();
    let (name, port) = if authority.starts_with('[') {
        match authority.find(']') {
            Some(end) => (authority[..=end].to_string(), authority[end + 1..].strip_prefix(':')),
            None => (authority.to_string(), None),
        }
    } else if authority.matches(':').count() > 1 {
        (format!("[{authority}]"), None)
    } else {
        match authority.rsplit_once(':') {
            Some((name, port)) => (name.to_string(), Some(port)),
            None => (authority.to_string(), None),
        }
    };
    (name.trim_end_matches('.').to_ascii_lowercase(), port)
}

/// Whether a state-changing request comes from another site, by the rules of the module doc.
fn is_cross_site(request: &Request) -> bool {
    let headers = request.headers();
    if let Some(site) = headers.get("sec-fetch-site") {
        return !matches!(site.to_str(), Ok("same-origin" | "none"));
    }
    let Some(source) = headers.get(header::ORIGIN).or_else(|| headers.get(header::REFERER)) else {
        return false;
    };
    let (Ok(source), Some(host)) = (source.to_str(), request_host(request)) else {
        return true;
    };
    !same_host_and_port(source, host)
}

/// Whether the URL or origin `source` (`scheme://host[:port]…`) names the host and port of the
/// `Host` header `host`. `null`, anything without a scheme and anything with user info are not.
fn same_host_and_port(source: &str, host: &str) -> bool {
    let Some((scheme, rest)) = source.split_once("://") else {
        return false;
    };
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    if authority.is_empty() || authority.contains('@') {
        return false;
    }
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "http" => "80",
        "https" => "443",
        _ => return false,
    };
    let (source_name, source_port) = split_host_port(authority);
    let (host_name, host_port) = split_host_port(host);
    source_name == host_name && source_port.unwrap_or(default_port) == host_port.unwrap_or(default_port)
}

fn add_headers(response: &mut Response, behind_https: bool) {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    if behind_https {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(list: &[&str]) -> Vec<String> {
        list.iter().map(|h| h.to_string()).collect()
    }

    #[test]
    fn an_entry_without_a_port_allows_every_port_and_case_does_not_matter() {
        let allowed = hosts(&["localhost", "127.0.0.1", "[::1]", "Nimo.City.example:8443"]);
        let allowed = Some(allowed.as_slice());
        for host in ["localhost", "LOCALHOST:8080", "127.0.0.1:3000", "[::1]:8080", "nimo.city.example:8443"] {
            assert!(host_allowed(allowed, Some(host)), "{host}");
        }
        for host in ["evil.example", "localhost.evil.example", "nimo.city.example", "nimo.city.example:80", "[::2]"] {
            assert!(!host_allowed(allowed, Some(host)), "{host}");
        }
        assert!(!host_allowed(allowed, None));
        assert!(host_allowed(None, Some("anything.example")));
    }

    #[test]
    fn a_bare_ipv6_entry_is_taken_as_a_host() {
        let allowed = hosts(&["::1"]);
        assert!(host_allowed(Some(allowed.as_slice()), Some("[::1]:8080")));
    }

    #[test]
    fn an_origin_matches_its_host_with_default_ports() {
        assert!(same_host_and_port("http://localhost:8080", "localhost:8080"));
        assert!(same_host_and_port("https://Nimo.example", "nimo.example"));
        assert!(same_host_and_port("https://nimo.example", "nimo.example:443"));
        assert!(same_host_and_port("http://127.0.0.1:8080/municipalities?x=1", "127.0.0.1:8080"));
        assert!(!same_host_and_port("http://localhost:8081", "localhost:8080"));
        assert!(!same_host_and_port("http://localhost", "localhost:8080"));
        assert!(!same_host_and_port("null", "localhost:8080"));
        assert!(!same_host_and_port("http://evil.example@localhost:8080", "localhost:8080"));
        assert!(!same_host_and_port("http://localhost:8080.evil.example", "localhost:8080"));
    }
}
