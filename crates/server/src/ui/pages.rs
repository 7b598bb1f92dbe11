//! The UI's pages. Each renders its frame on the server (navigation, who is signed in,
//! forms and their labels); its module in `web/static/js` fills it from the JSON API.

use askama::Template;
use axum::extract::{FromRequestParts, OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::auth::MaybeAuth;
use crate::routes::session::{SessionDto, describe};
use crate::state::AppState;

/// The signed-in user of a page. Without a live session (or token) the page answers
/// `303` to the login page, which comes back here afterwards.
pub(super) struct SignedIn(pub(super) SessionDto);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let next = parts
            .uri
            .path_and_query()
            .map_or_else(|| "/ui/".to_owned(), |p| p.as_str().to_owned());
        let to_login =
            || Redirect::to(&format!("/ui/login?next={}", percent_encode(&next))).into_response();
        let Ok(MaybeAuth(Some(principal))) = MaybeAuth::from_request_parts(parts, state).await
        else {
            return Err(to_login());
        };
        match describe(state, &principal, "session").await {
            Ok(me) => Ok(SignedIn(me)),
            Err(_) => Err(to_login()),
        }
    }
}

/// What every page's frame shows: the user, the namespace and the current section.
pub(super) struct Frame {
    pub(super) me: SessionDto,
    /// The navigation entry to mark current: `library`, `collections`, `tags`,
    /// `analytics`, `trash`, or none.
    pub(super) section: &'static str,
}

impl Frame {
    fn new(SignedIn(me): SignedIn, section: &'static str) -> Self {
        Self { me, section }
    }

    /// Whether the user administers the namespace (and so may change every asset).
    pub(super) fn is_admin(&self) -> bool {
        self.me.role == "admin"
    }

    /// Editors and admins may upload and change; viewers only look.
    pub(super) fn can_write(&self) -> bool {
        self.me.role != "viewer" && self.me.scopes.contains("write")
    }
}

/// Renders a template as an HTML page; a template error (a bug, not the user's) is a
/// plain 500.
pub(super) fn render(page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "UI template failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page could not be drawn",
            )
                .into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "library.html")]
struct Library {
    frame: Frame,
    /// The type filter's options: value and name.
    kinds: [(&'static str, &'static str); 6],
}

/// `GET /ui/`: the media library (search, filters, upload, bulk actions).
pub(super) async fn library(me: SignedIn) -> Response {
    render(&Library {
        frame: Frame::new(me, "library"),
        kinds: super::KINDS,
    })
}

#[derive(Template)]
#[template(path = "trash.html")]
struct Trash {
    frame: Frame,
    /// How long assets stay restorable, in words ("30 days").
    retention: String,
    /// The same in seconds, for each card's "deleted for good" date.
    retention_seconds: u64,
}

/// `GET /ui/trash`: the assets in the trash, when each was deleted and when it goes for
/// good; restore, delete permanently, empty the trash.
pub(super) async fn trash(State(state): State<AppState>, me: SignedIn) -> Response {
    let seconds = state.catalog.settings.maintenance.trash_retention_seconds;
    render(&Trash {
        frame: Frame::new(me, "trash"),
        retention: in_words(seconds),
        retention_seconds: seconds,
    })
}

/// A duration in the largest whole unit that fits: "30 days", "1 hour", "45 seconds".
fn in_words(seconds: u64) -> String {
    let (n, unit) = [(86_400, "day"), (3_600, "hour"), (60, "minute")]
        .into_iter()
        .find(|(size, _)| seconds >= *size)
        .map_or((seconds, "second"), |(size, unit)| (seconds / size, unit));
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

#[derive(Template)]
#[template(path = "asset.html")]
struct AssetPage {
    frame: Frame,
    id: String,
}

/// `GET /ui/assets/{id}`: one asset: preview, variants, metadata, usage, editing.
/// An id that is not a UUID is a 404 page.
pub(super) async fn asset(me: SignedIn, uri: OriginalUri, Path(id): Path<String>) -> Response {
    if uuid::Uuid::parse_str(&id).is_err() {
        return not_found(uri).await;
    }
    render(&AssetPage {
        frame: Frame::new(me, "library"),
        id,
    })
}

#[derive(Template)]
#[template(path = "collections.html")]
struct Collections {
    frame: Frame,
}

/// `GET /ui/collections`: the namespace's collections; create one.
pub(super) async fn collections(me: SignedIn) -> Response {
    render(&Collections {
        frame: Frame::new(me, "collections"),
    })
}

#[derive(Template)]
#[template(path = "collection.html")]
struct CollectionPage {
    frame: Frame,
    id: String,
}

/// `GET /ui/collections/{id}`: one collection: edit it, add, remove and reorder items.
/// An id that is not a number is a 404 page.
pub(super) async fn collection(me: SignedIn, uri: OriginalUri, Path(id): Path<String>) -> Response {
    if id.parse::<i64>().is_err() {
        return not_found(uri).await;
    }
    render(&CollectionPage {
        frame: Frame::new(me, "collections"),
        id,
    })
}

#[derive(Template)]
#[template(path = "tags.html")]
struct Tags {
    frame: Frame,
}

/// `GET /ui/tags`: the namespace's tags; create, rename, delete.
pub(super) async fn tags(me: SignedIn) -> Response {
    render(&Tags {
        frame: Frame::new(me, "tags"),
    })
}

#[derive(Template)]
#[template(path = "analytics.html")]
struct Analytics {
    frame: Frame,
}

/// `GET /ui/analytics`: storage by kind, uploads over time, top and unused assets.
pub(super) async fn analytics(me: SignedIn) -> Response {
    render(&Analytics {
        frame: Frame::new(me, "analytics"),
    })
}

#[derive(Template)]
#[template(path = "login.html")]
struct Login {
    next: String,
    namespace: String,
}

/// Query of the login page.
#[derive(Deserialize)]
pub(super) struct LoginQuery {
    /// Where to go after login: a path on this server (anything else means `/ui/`).
    next: Option<String>,
    /// The namespace to sign in to (the picker asks for one).
    namespace: Option<String>,
}

/// `GET /ui/login`: the login form. It posts to `POST /api/v1/session`. On the way to
/// the picker, the origins allowed to frame the picker may frame this page too, so that
/// a signed-out user can sign in inside the host app's iframe.
pub(super) async fn login(
    State(state): State<AppState>,
    Query(query): Query<LoginQuery>,
) -> Response {
    let next = query
        .next
        .filter(|n| n.starts_with("/ui") && !n.contains(['\\', '\r', '\n']))
        .unwrap_or_else(|| "/ui/".into());
    let to_picker = next.starts_with("/ui/picker");
    let mut response = render(&Login {
        next,
        namespace: query.namespace.unwrap_or_default(),
    });
    if to_picker {
        super::allow_framing(
            &mut response,
            &state.catalog.settings,
            &state.catalog.settings.ui.picker_origins,
        );
    }
    response
}

/// A page that says what went wrong and links back to the library.
#[derive(Template)]
#[template(path = "problem.html")]
pub(super) struct Problem {
    pub(super) title: &'static str,
    pub(super) message: String,
}

impl Problem {
    /// The page, with `status`.
    pub(super) fn respond(self, status: StatusCode) -> Response {
        (status, render(&self)).into_response()
    }
}

/// Any other `/ui/…` path: an HTML 404 with a way back.
pub(super) async fn not_found(OriginalUri(uri): OriginalUri) -> Response {
    Problem {
        title: "Page not found",
        message: format!("There is no page at {}.", uri.path()),
    }
    .respond(StatusCode::NOT_FOUND)
}

/// Everything but RFC 3986's unreserved characters, which stay readable.
const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `s` as one query-string value.
pub(super) fn percent_encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, QUERY_VALUE).to_string()
}

#[cfg(test)]
mod tests {
    use super::in_words;

    #[test]
    fn durations_read_in_their_largest_whole_unit() {
        assert_eq!(in_words(30 * 86_400), "30 days");
        assert_eq!(in_words(86_400 + 5), "1 day");
        assert_eq!(in_words(7_200), "2 hours");
        assert_eq!(in_words(90), "1 minute");
        assert_eq!(in_words(2), "2 seconds");
    }
}
