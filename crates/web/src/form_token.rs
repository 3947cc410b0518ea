//! The CSRF token of a request without a signed-in session (the sign-in form), kept in no
//! database: a signed double-submit cookie. The browser holds a random value in a cookie of its
//! own (`nimo_csrf`, `__Host-nimo_csrf` behind HTTPS; HttpOnly, SameSite=Strict, for the browser
//! session), and the form carries `HMAC-SHA256(key, value)`, where the key is made at random
//! when the app starts without keys ([`FormKey`]). The check in `crate::csrf` compares the form's token with
//! the one the cookie gives, so an anonymous visitor costs no session row: a session is created
//! only when a password has been accepted (`crate::context::sign_in`). With the keys for personal
//! data loaded, the key is derived from them ([`FormKey::derived`]), so that several servers
//! behind one load balancer accept each other's forms.
//!
//! A page on another site can neither read the cookie nor compute the token without the key,
//! and the same-origin check refuses its POSTs anyway. Without keys a restart makes a new key, so a
//! sign-in form left open across one is refused once (the page says to reload it).

use axum::http::{HeaderMap, HeaderValue, header};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::sync::Arc;
use tower_sessions::cookie::{Cookie, SameSite};

/// The purpose under which the keyring signs the anonymous form key.
pub const FORM_KEY_PURPOSE: &str = "anonymous-form-key";

/// The secret that signs anonymous form tokens: derived from the keyring, or random per process.
#[derive(Clone)]
pub struct FormKey(Arc<[u8; 32]>);

impl std::fmt::Debug for FormKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FormKey(..)")
    }
}

impl FormKey {
    /// A fresh random key (two v4 UUIDs: 244 random bits).
    pub fn random() -> Self {
        let mut key = [0u8; 32];
        key[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        key[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        Self(Arc::new(key))
    }

    /// The key made from the keyring's signature for [`FORM_KEY_PURPOSE`] (hex, as
    /// `Keyring::sign` writes it): every server started with the same key file has the same
    /// one, so that behind a load balancer a sign-in form fetched from one server can be posted
    /// to another, and a restart leaves open sign-in forms valid.
    pub fn derived(signature_hex: &str) -> Self {
        let mut key = [0u8; 32];
        for (byte, pair) in key.iter_mut().zip(signature_hex.as_bytes().chunks(2)) {
            *byte = std::str::from_utf8(pair).ok().and_then(|p| u8::from_str_radix(p, 16).ok()).unwrap_or_default();
        }
        Self(Arc::new(key))
    }

    /// The form token of a cookie value.
    fn token_of(&self, value: &str) -> String {
        let mac = <Hmac<Sha256> as KeyInit>::new_from_slice(self.0.as_slice());
        match mac {
            Ok(mut mac) => {
                mac.update(b"nimo anonymous form\0");
                mac.update(value.as_bytes());
                mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
            }
            // HMAC takes a key of any length: not reachable. An empty token matches nothing.
            Err(_) => String::new(),
        }
    }
}

/// The cookie's name: with the `__Host-` prefix behind HTTPS (no subdomain can set it).
fn cookie_name(behind_https: bool) -> &'static str {
    if behind_https { "__Host-nimo_csrf" } else { "nimo_csrf" }
}

/// An anonymous request's token, and the cookie to set when the request brought none (or one
/// that is not ours).
pub(crate) struct Anonymous {
    pub token: String,
    pub set_cookie: Option<HeaderValue>,
}

/// The form token of an anonymous request, from its cookie or from a new one.
pub(crate) fn anonymous(key: &FormKey, behind_https: bool, headers: &HeaderMap) -> Anonymous {
    let name = cookie_name(behind_https);
    let existing = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == name && is_value(cookie.value()))
        .map(|cookie| cookie.value().to_string());
    if let Some(value) = existing {
        return Anonymous { token: key.token_of(&value), set_cookie: None };
    }
    let value = crate::context::random_token();
    let cookie = Cookie::build((name, value.clone()))
        .http_only(true)
        .secure(behind_https)
        .same_site(SameSite::Strict)
        .path("/")
        .build();
    Anonymous { token: key.token_of(&value), set_cookie: HeaderValue::from_str(&cookie.to_string()).ok() }
}

/// Whether a cookie value is one we could have made (64 lower-case hex digits).
fn is_value(value: &str) -> bool {
    value.len() == 64 && value.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_depends_on_the_cookie_and_the_key() {
        let key = FormKey::random();
        let mut headers = HeaderMap::new();
        let first = anonymous(&key, false, &headers);
        let cookie = first.set_cookie.expect("a new cookie").to_str().unwrap().to_string();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"));
        headers.insert(header::COOKIE, HeaderValue::from_str(cookie.split(';').next().unwrap()).unwrap());
        let again = anonymous(&key, false, &headers);
        assert!(again.set_cookie.is_none());
        assert_eq!(again.token, first.token);
        assert_ne!(anonymous(&FormKey::random(), false, &headers).token, first.token, "another key");
        assert!(anonymous(&key, true, &headers).set_cookie.is_some(), "another name behind HTTPS");
    }
}
