//! `/api/v1/session`: password login and logout for the browser (the web UI), and who the
//! caller is. The cookie and its protections are [`crate::session`].

use axum::Json;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use medialib_app::access::sessions::{self, SignedIn};
use medialib_core::ErrorCode;
use medialib_core::access::Principal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::Caller;
use crate::auth::Auth;
use crate::error::{ApiError, ErrorBody};
use crate::session;
use crate::state::AppState;

/// Body of `POST /api/v1/session`, as a form (`application/x-www-form-urlencoded`) or
/// JSON.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Login {
    /// Login name.
    name: String,
    password: String,
    /// Slug of the namespace to work in (default: the first one the user has a role in).
    #[schema(value_type = String)]
    namespace: Option<String>,
    /// A path on this server to go to after login (`/ui/`): the answer is then
    /// `303 See Other` there instead of JSON, for HTML forms.
    #[schema(value_type = String, pattern = r"^/(?!/)[^\\\r\n]*$")]
    redirect: Option<String>,
}

/// The signed-in caller.
#[derive(Serialize, ToSchema)]
pub(crate) struct SessionDto {
    pub(crate) user_id: i64,
    pub(crate) name: String,
    pub(crate) namespace_id: i64,
    pub(crate) namespace: String,
    /// `viewer`, `editor` or `admin`.
    pub(crate) role: String,
    /// `read,write,admin`, or fewer.
    pub(crate) scopes: String,
    /// `session` (the cookie) or `token`.
    pub(crate) via: &'static str,
}

/// `GET /api/v1/session`: who the caller is, by token or session cookie.
#[utoipa::path(
    operation_id = "session_get",
    get,
    path = "/session",
    tag = "session",
    responses(
        (status = 200, description = "the caller", body = SessionDto),
        (status = 401, description = "no token, and no live session", body = ErrorBody),
    )
)]
pub(crate) async fn get(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
) -> Result<Json<SessionDto>, ApiError> {
    let via = if headers.contains_key(header::AUTHORIZATION) {
        "token"
    } else {
        "session"
    };
    Ok(Json(describe(&state, &auth, via).await?))
}

/// `POST /api/v1/session`: checks the name and password and starts a session: the
/// answer sets the `medialib_session` cookie.
///
/// Errors: 401 `invalid_credentials` for a wrong name or password (the same answer
/// for both, in the same time); 403 `cross_origin_request` from another site's page;
/// 403 when the user has no role in the namespace; 422 for a redirect off this server.
#[utoipa::path(
    operation_id = "session_login",
    post,
    path = "/session",
    tag = "session",
    security(()),
    request_body(content = Login, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "signed in; Set-Cookie: medialib_session", body = SessionDto),
        (status = 303, description = "signed in, to `redirect`; Set-Cookie: medialib_session"),
        (status = 400, description = "malformed body", body = ErrorBody),
        (status = 401, description = "wrong name or password", body = ErrorBody),
        (status = 403, description = "from another site, or no role in the namespace", body = ErrorBody),
        (status = 415, description = "neither a form nor JSON", body = ErrorBody),
        (status = 422, description = "missing field, or a redirect off this server", body = ErrorBody),
    )
)]
pub(crate) async fn login(
    State(state): State<AppState>,
    caller: Option<Extension<Caller>>,
    request: Request,
) -> Result<Response, ApiError> {
    let headers = request.headers().clone();
    session::same_origin(&headers, &state.catalog.settings)?;
    let login = read_login(request).await?;
    if let Some(to) = &login.redirect {
        local_path(to)?;
    }
    let slug = login.namespace.as_deref().filter(|s| !s.is_empty());
    let SignedIn { id, principal } =
        sessions::login(&state.catalog, &login.name, login.password, slug).await?;
    if let Some(Extension(caller)) = caller {
        caller.set(&principal);
    }
    let cookie = session::set_cookie(&state.catalog.settings, &headers, Some(&id));
    let mut response = match &login.redirect {
        Some(to) => Redirect::to(to).into_response(),
        None => Json(describe(&state, &principal, "session").await?).into_response(),
    };
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(response)
}

/// `DELETE /api/v1/session`: ends the session and removes the cookie. Without a session
/// it only removes the cookie.
#[utoipa::path(
    operation_id = "session_logout",
    delete,
    path = "/session",
    tag = "session",
    security(()),
    responses(
        (status = 204, description = "signed out; Set-Cookie removes medialib_session"),
        (status = 403, description = "from another site's page", body = ErrorBody),
    )
)]
pub(crate) async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(id) = session::cookie_id(&headers) {
        session::same_origin(&headers, &state.catalog.settings)?;
        sessions::logout(&state.catalog, &id).await?;
    }
    let cookie = session::set_cookie(&state.catalog.settings, &headers, None);
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}

/// The login fields, from a form or JSON body.
async fn read_login(request: Request) -> Result<Login, ApiError> {
    let json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if json {
        let super::extract::ApiJson(login) =
            super::extract::ApiJson::from_request(request, &()).await?;
        return Ok(login);
    }
    Form::<Login>::from_request(request, &())
        .await
        .map(|Form(login)| login)
        .map_err(|e| {
            // Form's own statuses, each kept with the code it has always had.
            let code = match e.status() {
                StatusCode::UNPROCESSABLE_ENTITY => ErrorCode::InvalidRequest,
                StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::InvalidBodyTooLarge,
                StatusCode::UNSUPPORTED_MEDIA_TYPE => ErrorCode::InvalidBodyType,
                _ => ErrorCode::InvalidBody,
            };
            ApiError::new(code, e.body_text())
        })
}

/// 422 unless `to` is a path on this server (`/…`, not `//host/…`).
fn local_path(to: &str) -> Result<(), ApiError> {
    let local = to.starts_with('/') && !to.starts_with("//") && !to.contains(['\\', '\r', '\n']);
    if local {
        return Ok(());
    }
    Err(ApiError::invalid(format!(
        "redirect must be a path on this server, like /ui/, not {to:?}"
    )))
}

/// The caller as the API and the UI show them: user, namespace, role, scopes; `via` is
/// `session` or `token`.
pub(crate) async fn describe(
    state: &AppState,
    principal: &Principal,
    via: &'static str,
) -> Result<SessionDto, ApiError> {
    let (user, namespace) = sessions::whoami(&state.catalog, principal).await?;
    Ok(SessionDto {
        user_id: user.id.0,
        name: user.name,
        namespace_id: namespace.id.0,
        namespace: namespace.slug,
        role: principal.role.to_string(),
        scopes: principal.scopes.to_string(),
        via,
    })
}
