//! The embeddable media picker, `/ui/picker`: another app frames it (or opens it as a
//! popup), the user searches, filters, uploads and selects, and the picker posts the
//! selection to the app's window with `postMessage`.
//!
//! The app names its origin in `origin`; the picker answers only if that origin is this
//! server's or one of `ui.picker_origins`, allows only it to frame the page
//! (`frame-ancestors`), and posts messages to it alone.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{OriginalUri, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::pages::{Frame, Problem, SignedIn, percent_encode, render};
use super::{KINDS, allow_framing};
use crate::state::AppState;

/// Query of `/ui/picker`, named as host apps write them.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PickerQuery {
    /// Whether several assets may be chosen. Default false.
    #[serde(default)]
    multiple: bool,
    /// The most that may be chosen when `multiple` (0 or absent: no limit).
    max_items: Option<u32>,
    /// Kinds offered, comma-separated (`image,video`). Default: every kind.
    media_types: Option<String>,
    /// Slug of the namespace to pick from; the user signs in to it if needed.
    namespace: Option<String>,
    /// The host page's origin (`https://cms.example.com`), which receives the selection.
    /// Default: this server's own origin.
    origin: Option<String>,
}

#[derive(Template)]
#[template(path = "picker.html")]
struct Picker {
    frame: Frame,
    multiple: bool,
    max_items: u32,
    /// The kinds offered: value and name.
    kinds: Vec<(&'static str, &'static str)>,
    /// The same values, comma-separated, for the page's script.
    kinds_csv: String,
    /// The origin messages go to; empty means this page's own.
    origin: String,
}

/// `GET /ui/picker`: the picker page.
///
/// Errors (an HTML page): 400 for an unknown media type, or an origin that is not this
/// server's and not in `ui.picker_origins`.
pub(super) async fn page(
    State(state): State<AppState>,
    query: Result<Query<PickerQuery>, QueryRejection>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    me: Result<SignedIn, Response>,
) -> Response {
    let query = match query {
        Ok(Query(query)) => query,
        Err(e) => {
            return Problem {
                title: "The picker was opened with a wrong option",
                message: e.body_text(),
            }
            .respond(StatusCode::BAD_REQUEST);
        }
    };
    let origins = &state.catalog.settings.ui.picker_origins;
    let origin = query.origin.clone().unwrap_or_default();
    if !origin.is_empty() && !origins.contains(&origin) && !is_own(&origin, &headers) {
        let mut refusal = Problem {
            title: "This site may not use the picker",
            message: format!(
                "{origin} is not allowed to embed the media picker. An administrator can \
                 add it to ui.picker_origins in medialib.toml."
            ),
        }
        .respond(StatusCode::BAD_REQUEST);
        // The site that framed it sees why, instead of the browser's "refused to
        // connect": the page holds no action and no data. Only a well-formed origin goes
        // into the policy.
        if is_origin(&origin) {
            allow_framing(&mut refusal, &state.catalog.settings, &[origin]);
        }
        return refusal;
    }
    let kinds = match kinds(query.media_types.as_deref()) {
        Ok(kinds) => kinds,
        Err(message) => {
            return Problem {
                title: "The picker was opened with a wrong option",
                message,
            }
            .respond(StatusCode::BAD_REQUEST);
        }
    };
    let me = match me {
        Ok(me) => me,
        Err(to_login) => return with_login_namespace(to_login, query.namespace.as_deref()),
    };
    if let Some(wanted) = query.namespace.as_deref().filter(|n| *n != me.0.namespace) {
        let next = percent_encode(uri.path_and_query().map_or("/ui/picker", |p| p.as_str()));
        let wanted_q = percent_encode(wanted);
        return Redirect::to(&format!("/ui/login?next={next}&namespace={wanted_q}"))
            .into_response();
    }
    let picker = Picker {
        frame: Frame {
            me: me.0,
            section: "",
        },
        multiple: query.multiple,
        max_items: if query.multiple {
            query.max_items.unwrap_or(0)
        } else {
            1
        },
        kinds_csv: kinds.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(","),
        kinds,
        origin: origin.clone(),
    };
    let mut response = render(&picker);
    let host: &[String] = if origin.is_empty() {
        &[]
    } else {
        std::slice::from_ref(&origin)
    };
    allow_framing(&mut response, &state.catalog.settings, host);
    response
}

/// Whether `origin` is exactly an origin (`https://cms.example.com[:port]`): nothing that
/// could add to a Content-Security-Policy.
fn is_origin(origin: &str) -> bool {
    url::Url::parse(origin)
        .is_ok_and(|url| url.origin().is_tuple() && url.origin().ascii_serialization() == origin)
}

/// The kinds named in `mediaTypes`, or all. Errors name the unknown one.
fn kinds(raw: Option<&str>) -> Result<Vec<(&'static str, &'static str)>, String> {
    let Some(raw) = raw.filter(|r| !r.trim().is_empty()) else {
        return Ok(KINDS.to_vec());
    };
    raw.split(',')
        .map(|k| {
            let k = k.trim();
            KINDS
                .iter()
                .copied()
                .find(|(known, _)| *known == k)
                .ok_or_else(|| {
                    let known: Vec<&str> = KINDS.iter().map(|(k, _)| *k).collect();
                    format!("mediaTypes: {k:?} is not one of {}", known.join(", "))
                })
        })
        .collect()
}

/// Whether `origin` is this server's own (by the `Host` the browser used).
fn is_own(origin: &str, headers: &HeaderMap) -> bool {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let authority = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    host.is_some_and(|h| authority == Some(h))
}

/// The login redirect of a signed-out picker, asking for the picker's namespace.
fn with_login_namespace(to_login: Response, namespace: Option<&str>) -> Response {
    let (Some(namespace), Some(location)) = (
        namespace,
        to_login
            .headers()
            .get(header::LOCATION)
            .and_then(|l| l.to_str().ok()),
    ) else {
        return to_login;
    };
    Redirect::to(&format!(
        "{location}&namespace={}",
        percent_encode(namespace)
    ))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::is_origin;

    #[test]
    fn only_exact_origins_reach_the_policy() {
        assert!(is_origin("https://cms.example.com"));
        assert!(is_origin("http://127.0.0.1:8080"));
        for not in [
            "https://cms.example.com/",
            "https://cms.example.com; script-src *",
            "https://cms.example.com 'unsafe-inline'",
            "javascript:alert(1)",
            "*",
            "",
        ] {
            assert!(!is_origin(not), "{not}");
        }
    }
}
