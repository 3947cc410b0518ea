//! Where a sign-in may send the user afterwards (`next`): only a clean local path of a page the
//! route table serves, decided before anything is granted. Everything else goes to the start page.
//!
//! A value is accepted only if it is at most [`MAX_LEN`] bytes, starts with a single `/`, and
//! consists of path characters (RFC 3986 `pchar` and `/`: ASCII letters, digits,
//! `-._~!$&'()*+,;=:@` and `%XX`); no raw control character, whitespace, backslash, `?`, `#` or
//! non-ASCII. Its percent-escapes must be well formed and must not decode to a `/`, a backslash,
//! a control character, whitespace (Unicode's too) or invalid UTF-8, so that no decoding a
//! browser or proxy does later can turn it into `//host` or `/\host`. No segment may be empty
//! (`//`), `.` or `..`, raw or encoded. Finally the path must match a `GET` route of
//! [`crate::policy::POLICY`] (a `{name}` segment matches any one segment).

/// The start page, where a rejected `next` goes.
pub const START: &str = "/";

/// The longest `next` kept.
pub const MAX_LEN: usize = 512;

/// Where to go after signing in: `next` when it is a clean local path of a known page, else
/// [`START`]. The result is always safe to put in a `Location` header as it is.
pub fn after_sign_in(next: Option<&str>) -> String {
    next.filter(|path| is_local_page(path)).map_or_else(|| START.to_string(), str::to_string)
}

/// Whether `path` passes every rule of the module doc.
fn is_local_page(path: &str) -> bool {
    if path.len() > MAX_LEN || !path.starts_with('/') || path.starts_with("//") {
        return false;
    }
    let Some(segments) = path[1..].split('/').map(decoded_segment).collect::<Option<Vec<_>>>() else {
        return false;
    };
    if path == "/" {
        return true;
    }
    if segments.iter().any(|s| s.is_empty() || s == "." || s == "..") {
        return false;
    }
    known_page(path)
}

/// One path segment with its escapes decoded, or `None` when it has a character a clean path
/// does not have (raw or escaped).
fn decoded_segment(segment: &str) -> Option<String> {
    let raw = segment.as_bytes();
    let mut bytes = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if b == b'%' {
            let hex = raw.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            let decoded = u8::from_str_radix(hex, 16).ok()?;
            if !hex.bytes().all(|h| h.is_ascii_hexdigit())
                || decoded == b'/'
                || decoded == b'\\'
                || decoded == b'%'
                || decoded.is_ascii_control()
                || decoded.is_ascii_whitespace()
                || decoded == b' '
            {
                return None;
            }
            bytes.push(decoded);
            i += 3;
        } else if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b) {
            bytes.push(b);
            i += 1;
        } else {
            return None;
        }
    }
    let text = String::from_utf8(bytes).ok()?;
    if text.chars().any(|c| c.is_whitespace() || c.is_control() || is_invisible(c)) {
        return None;
    }
    Some(text)
}

/// Characters that are not whitespace to Rust but render as nothing (zero-width space and joiners,
/// the byte order mark, bidirectional controls).
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}')
}

/// Whether a `GET` route of the policy table serves `path`.
fn known_page(path: &str) -> bool {
    crate::policy::route_of("GET", path).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_local_pages_are_kept() {
        for path in ["/", "/municipalities", "/municipalities/131105/sheets/2022", "/beds", "/cases", "/admin/audit"] {
            assert_eq!(after_sign_in(Some(path)), path);
        }
        assert_eq!(after_sign_in(Some("/municipalities/%E7%9B%AE%E9%BB%92")), "/municipalities/%E7%9B%AE%E9%BB%92");
    }

    #[test]
    fn anything_else_goes_to_the_start_page() {
        let long = format!("/municipalities/{}", "a".repeat(MAX_LEN));
        for path in [
            "",
            "municipalities",
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/%09/evil.example",
            "/\r\nSet-Cookie:x",
            "/%0d%0aSet-Cookie:x",
            "/%2F%2Fevil.example",
            "/%2f/evil.example",
            "/%5C/evil",
            "https://evil.example",
            "https:/evil.example",
            "/ /evil.example",
            "/%20/evil",
            "/\u{3000}/evil",
            "/%E3%80%80/evil",
            "/%E2%80%A8/evil",
            "/%C2%A0/evil",
            "/%EF%BB%BF/evil",
            "/%E2%80%8B/evil",
            "/municipalities?x=1",
            "/municipalities#x",
            "/./municipalities",
            "/municipalities/..",
            "/%2e%2e/municipalities",
            "/municipalities/",
            "/nothing-here",
            "/%zz",
            "/%",
            "/%252F",
            "/%FF",
            &long,
        ] {
            assert_eq!(after_sign_in(Some(path)), START, "{path:?}");
        }
        assert_eq!(after_sign_in(None), START);
    }
}
