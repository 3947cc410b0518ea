//! The checks made before any handler runs, and the browser security headers on every response.
//!
//! **Host allow-list.** When [`AppState::allowed_hosts`] is set, a request (of any method) whose
//! `Host` is not listed gets 400. This is what defeats DNS rebinding: a page on `evil.example`
//! whose name is re-pointed at 127.0.0.1 can reach a local server, but its requests still say
//! `Host: evil.example` (and `Origin: http://evil.example`, so the same-origin check below
//! cannot catch them). `nimo serve` allows only the loopback names when it listens on loopback.
//! The `Host` is parsed strictly as an authority (`host[:port]`, a port of digits only, IPv6 in
//! brackets) and its name compared whole, so `127.0.0.1:8080.evil.example` is refused.
//!
//! **Same-origin check** ([`is_cross_site`], made by `crate::csrf` once the session is known, so
//! that a refusal of a signed-in session is audited) on every request that is not GET, HEAD or
//! OPTIONS (GETs change nothing), in the order browsers give us evidence:
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
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                   object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const HSTS: &str = "max-age=31536000";

/// Refuses requests for a host that is not allowed (400; counted as an anonymous refusal, since
/// no session is loaded yet), and adds the security headers to every response, refusals included.
pub async fn headers_and_host(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let host = request_host(&request);
    let mut response = if !host_allowed(state.allowed_hosts.as_deref(), host) {
        tracing::debug!("request for a host that is not allowed");
        state.anonymous_refusals.count(crate::refusals::Reason::Host);
        WebError::Rejected(StatusCode::BAD_REQUEST, "このホスト名ではアクセスできません".into()).into_response()
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

/// Whether `host` is one of `allowed` (any host when there is no list). Both sides are parsed as
/// an authority ([`parse_authority`]); a `Host` that does not parse is never allowed, and the
/// names are compared whole (so `127.0.0.1:8080.evil.example` is not `127.0.0.1`).
fn host_allowed(allowed: Option<&[String]>, host: Option<&str>) -> bool {
    let Some(allowed) = allowed else {
        return true;
    };
    let Some((name, port)) = host.and_then(parse_authority) else {
        return false;
    };
    allowed.iter().any(|entry| {
        let parsed = parse_authority(entry).or_else(|| bare_ipv6(entry));
        parsed
            .is_some_and(|(entry_name, entry_port)| entry_name == name && (entry_port.is_none() || entry_port == port))
    })
}

/// Parses an authority as `Host` carries it, strictly: `host[:port]`, where the host is a DNS
/// name (ASCII letters, digits, `-` and `.`), an IPv4 address or an IPv6 address in brackets,
/// and the port is 1–5 digits (at most 65535). Returns the lower-cased host (one trailing dot
/// dropped) and the port; `None` for anything else (user info, a path, spaces, a port that is
/// not a number, an empty label, a bare IPv6 address).
fn parse_authority(authority: &str) -> Option<(String, Option<u16>)> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (address, after) = rest.split_once(']')?;
        let address = address.parse::<std::net::Ipv6Addr>().ok()?;
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':')?),
        };
        (format!("[{address}]"), port)
    } else {
        let (host, port) = match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        };
        let host = host.strip_suffix('.').unwrap_or(host);
        let labels_ok = !host.is_empty()
            && host.split('.').all(|label| {
                !label.is_empty() && label.len() <= 63 && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        if !labels_ok || host.len() > 253 {
            return None;
        }
        (host.to_ascii_lowercase(), port)
    };
    let port = match port {
        None => None,
        Some(digits) if (1..=5).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) => {
            Some(digits.parse::<u16>().ok()?)
        }
        Some(_) => return None,
    };
    Some((host, port))
}

/// An allow-list entry written as a bare IPv6 address (`::1`), taken as that host on any port.
fn bare_ipv6(entry: &str) -> Option<(String, Option<u16>)> {
    let address = entry.parse::<std::net::Ipv6Addr>().ok()?;
    Some((format!("[{address}]"), None))
}

/// Whether a state-changing request comes from another site, by the rules of the module doc.
pub(crate) fn is_cross_site(request: &Request) -> bool {
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
    let default_port: u16 = match scheme.to_ascii_lowercase().as_str() {
        "http" => 80,
        "https" => 443,
        _ => return false,
    };
    let (Some((source_name, source_port)), Some((host_name, host_port))) =
        (parse_authority(authority), parse_authority(host))
    else {
        return false;
    };
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
    fn a_host_is_parsed_as_an_authority_and_compared_whole() {
        let allowed = hosts(&["127.0.0.1", "localhost:8080", "[::1]"]);
        let allowed = Some(allowed.as_slice());
        for host in ["127.0.0.1", "127.0.0.1:3000", "127.0.0.1.:3000", "localhost:8080", "[::1]:80", "[0:0::1]"] {
            assert!(host_allowed(allowed, Some(host)), "{host}");
        }
        for host in [
            "127.0.0.1:3000.evil.example",
            "127.0.0.1:3000:4000",
            "127.0.0.1:",
            "127.0.0.1:99999",
            "127.0.0.1:+80",
            "127.0.0.1:0x50",
            "127.0.0.1 ",
            " 127.0.0.1",
            "127.0.0.1/evil",
            "127.0.0.1?x",
            "127.0.0.1#x",
            "evil@127.0.0.1",
            "127.0.0.1%2e",
            "127..0.0.1",
            "localhost:08080x",
            "localhost:8080.evil.example",
            "[::1",
            "[::1]evil",
            "[::1]:80.evil.example",
            "[::1%25eth0]",
            "::1",
            "",
        ] {
            assert!(!host_allowed(allowed, Some(host)), "{host:?}");
        }
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
