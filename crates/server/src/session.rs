//! Browser sessions over HTTP: the session cookie, and protection against cross-site
//! request forgery. Signing in and out, and passwords, are `medialib_app::access`.
//!
//! - **The cookie** `medialib_session` holds a 256-bit random id; the store keeps only its
//!   SHA-256. It is `HttpOnly`, `SameSite=Lax`, `Path=/`, `Secure` when the server is
//!   reached over TLS (`public_base_url` is https, or the proxy says
//!   `X-Forwarded-Proto: https`), and lives `sessions.max_age_seconds`; the store also ends
//!   it after `sessions.idle_timeout_seconds` unused.
//! - **CSRF**: a write authenticated by the cookie (and the login itself) must come from
//!   a page of this origin. Browsers say where a request comes from in `Sec-Fetch-Site`
//!   (Fetch Metadata) or, failing that, `Origin`; a request from another site is refused
//!   with 403. This is the check of Go's `net/http.CrossOriginProtection`, and works for
//!   HTML form posts and scripts alike without a token to thread through every form.
//!   Requests with neither header do not come from a browser, so carry no ambient
//!   cookie to abuse. `SameSite=Lax` stops most cross-site cookies before that.

use axum::http::{HeaderMap, HeaderValue, header};
use axum_extra::extract::cookie::{Cookie, SameSite};
use medialib_core::ErrorCode;
use medialib_core::Settings;

use crate::error::ApiError;

/// The session cookie's name.
pub const COOKIE: &str = "medialib_session";

/// The session id in the request's cookies, if any.
pub fn cookie_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty())
}

/// `Set-Cookie` for a new session (`Some(id)`), or one that removes it (`None`).
pub fn set_cookie(settings: &Settings, headers: &HeaderMap, id: Option<&str>) -> HeaderValue {
    let secure = settings
        .public_base_url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://"))
        || headers
            .get("x-forwarded-proto")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
    let max_age = match id {
        Some(_) => settings.sessions.max_age_seconds,
        None => 0,
    };
    let cookie = Cookie::build((COOKIE, id.unwrap_or_default().to_owned()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(time::Duration::seconds(
            i64::try_from(max_age).unwrap_or(i64::MAX),
        ))
        .build();
    HeaderValue::from_str(&cookie.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// 403 unless the request comes from a page of this origin (or not from a browser at
/// all): see the module documentation.
pub fn same_origin(headers: &HeaderMap, settings: &Settings) -> Result<(), ApiError> {
    let refuse = || {
        Err(ApiError::new(
            ErrorCode::CrossOriginRequest,
            "a request made with the session cookie must come from medialib's own pages; \
             other sites and apps use an API token",
        ))
    };
    if let Some(site) = headers.get("sec-fetch-site") {
        return match site.as_bytes() {
            b"same-origin" | b"none" => Ok(()),
            _ => refuse(),
        };
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = origin.split_once("://").map(|(_, rest)| rest);
    let public = settings
        .public_base_url
        .as_deref()
        .map(|u| u.trim_end_matches('/'));
    if origin_host.is_some() && origin_host == host || Some(origin) == public {
        return Ok(());
    }
    refuse()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| {
                (
                    header::HeaderName::from_static(k),
                    HeaderValue::from_static(v),
                )
            })
            .collect()
    }

    #[test]
    fn writes_from_other_sites_are_refused() {
        let s = Settings::default();
        let ok = |h: &[(&'static str, &'static str)]| same_origin(&headers(h), &s).is_ok();
        assert!(ok(&[("sec-fetch-site", "same-origin")]));
        assert!(ok(&[("sec-fetch-site", "none")]));
        assert!(!ok(&[("sec-fetch-site", "cross-site")]));
        assert!(!ok(&[("sec-fetch-site", "same-site")]));
        // Fetch Metadata wins over Origin.
        assert!(!ok(&[
            ("sec-fetch-site", "cross-site"),
            ("origin", "http://media.test"),
            ("host", "media.test"),
        ]));
        assert!(ok(&[
            ("origin", "http://media.test"),
            ("host", "media.test")
        ]));
        assert!(!ok(&[
            ("origin", "http://evil.test"),
            ("host", "media.test")
        ]));
        assert!(!ok(&[("origin", "null"), ("host", "media.test")]));
        // Not a browser: no ambient cookie to abuse.
        assert!(ok(&[]));
    }

    #[test]
    fn the_cookie_is_http_only_lax_and_secure_over_tls() {
        let mut s = Settings::default();
        let plain = set_cookie(&s, &HeaderMap::new(), Some("abc"));
        let plain = plain.to_str().unwrap();
        assert!(plain.starts_with("medialib_session=abc;"), "{plain}");
        for part in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=604800"] {
            assert!(plain.contains(part), "{plain} lacks {part}");
        }
        assert!(!plain.contains("Secure"));
        let proxied = set_cookie(&s, &headers(&[("x-forwarded-proto", "https")]), Some("abc"));
        assert!(proxied.to_str().unwrap().contains("Secure"));
        s.public_base_url = Some("https://media.example.org".into());
        let gone = set_cookie(&s, &HeaderMap::new(), None);
        let gone = gone.to_str().unwrap();
        assert!(
            gone.contains("Secure") && gone.contains("Max-Age=0"),
            "{gone}"
        );
    }

    #[test]
    fn the_session_id_is_read_among_other_cookies() {
        let h = headers(&[("cookie", "theme=dark; medialib_session=f00d; lang=en")]);
        assert_eq!(cookie_id(&h).as_deref(), Some("f00d"));
        assert_eq!(cookie_id(&headers(&[("cookie", "theme=dark")])), None);
    }
}
