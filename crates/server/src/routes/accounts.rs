//! `/api/v1/users` and `/api/v1/users/{user_id}`: user accounts. The instance owner
//! manages everyone; a namespace's admins manage its members (a user they create joins
//! their namespace); a user reads and changes themself. Data export and anonymization
//! are [`super::users`].

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use medialib_app::access::accounts::{self, NewUser, UserUpdate};
use medialib_app::access::users;
use medialib_core::UserId;
use medialib_core::access::Role;
use serde::Deserialize;
use utoipa::ToSchema;

use super::assets::nullable;
use super::extract::{ApiJson, parse_id};
use super::users::UserDto;
use crate::auth::Auth;
use crate::dto::Items;
use crate::dto::schema;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// Body of `POST /api/v1/users`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewUserBody {
    /// Unique login name, 1 to 100 characters, no spaces at either end, no control
    /// characters.
    #[schema(schema_with = schema::user_name)]
    name: String,
    /// `local@domain.tld`: one `@` after a non-empty local part, a `.` in the domain, no
    /// spaces; at most 254 characters.
    #[schema(pattern = r"^[^\s@]+@\S*\.\S*$", max_length = 254)]
    email: Option<String>,
    /// A password for the web UI.
    #[schema(min_length = 8, max_length = 256)]
    password: Option<String>,
    /// `viewer`, `editor` or `admin` in the caller's namespace. A namespace admin's new
    /// user is a viewer when absent; the owner's has no role.
    #[schema(schema_with = schema::optional::role)]
    role: Option<String>,
}

/// Body of `PATCH /api/v1/users/{user_id}`; absent fields stay as they are.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PatchUserBody {
    /// As when created.
    #[schema(schema_with = schema::optional::user_name)]
    name: Option<String>,
    /// `null` removes it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, pattern = r"^[^\s@]+@\S*\.\S*$", max_length = 254)]
    email: Option<Option<String>>,
    /// A disabled user's tokens, sessions and password stop working until enabled again.
    disabled: Option<bool>,
    /// The user themself or the instance owner only; `null` removes it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, min_length = 8, max_length = 256)]
    password: Option<Option<String>>,
}

/// `GET /api/v1/users`: every user for the instance owner, the namespace's members for
/// its admins.
#[utoipa::path(
    operation_id = "users_list",
    get,
    path = "/users",
    tag = "users",
    responses(
        (status = 200, description = "users, by id", body = Items<UserDto>),
        (status = 403, description = "not an admin", body = ErrorBody),
    )
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Items<UserDto>>, ApiError> {
    let all = accounts::list(&state.catalog, &auth).await?;
    Ok(Json(Items {
        items: all.iter().map(Into::into).collect(),
    }))
}

/// `POST /api/v1/users` with `{name, email?, password?, role?}`.
#[utoipa::path(
    operation_id = "users_create",
    post,
    path = "/users",
    tag = "users",
    request_body = NewUserBody,
    responses(
        (status = 201, description = "the user", body = UserDto),
        (status = 400, description = "the body is not JSON", body = ErrorBody),
        (status = 403, description = "not an admin", body = ErrorBody),
        (status = 409, description = "the name or email is taken", body = ErrorBody),
        (status = 422, description = "a bad name, email, password or role", body = ErrorBody),
    )
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<NewUserBody>,
) -> Result<(StatusCode, Json<UserDto>), ApiError> {
    let role = body
        .role
        .map(|r| r.parse::<Role>())
        .transpose()
        .map_err(ApiError::invalid)?;
    let new = NewUser {
        name: body.name,
        email: body.email,
        password: body.password,
        role,
    };
    let user = accounts::create(&state.catalog, &auth, new).await?;
    Ok((StatusCode::CREATED, Json((&user).into())))
}

/// `GET /api/v1/users/{user_id}`.
#[utoipa::path(
    operation_id = "users_get",
    get,
    path = "/users/{user_id}",
    tag = "users",
    params(("user_id" = i64, Path, description = "user id")),
    responses(
        (status = 200, description = "the user", body = UserDto),
        (status = 403, description = "someone else, and not an admin", body = ErrorBody),
        (status = 404, description = "no such user in the caller's namespace", body = ErrorBody),
    )
)]
pub(crate) async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<UserDto>, ApiError> {
    let user = accounts::get(&state.catalog, &auth, user_id(&id)?).await?;
    Ok(Json((&user).into()))
}

/// `PATCH /api/v1/users/{user_id}` with `{name?, email?, disabled?, password?}`.
#[utoipa::path(
    operation_id = "users_patch",
    patch,
    path = "/users/{user_id}",
    tag = "users",
    params(("user_id" = i64, Path, description = "user id")),
    request_body = PatchUserBody,
    responses(
        (status = 200, description = "the changed user", body = UserDto),
        (status = 400, description = "the body is not JSON", body = ErrorBody),
        (status = 403, description = "not allowed: someone else without admin, a user with roles in other namespaces, or another's password", body = ErrorBody),
        (status = 404, description = "no such user in the caller's namespace", body = ErrorBody),
        (status = 409, description = "the name or email is taken", body = ErrorBody),
        (status = 422, description = "bad values, disabling oneself or the owner, or an anonymized user", body = ErrorBody),
    )
)]
pub(crate) async fn patch(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PatchUserBody>,
) -> Result<Json<UserDto>, ApiError> {
    let update = UserUpdate {
        name: body.name,
        email: body.email,
        disabled: body.disabled,
        password: body.password,
    };
    let user = accounts::update(&state.catalog, &auth, user_id(&id)?, update).await?;
    Ok(Json((&user).into()))
}

/// `DELETE /api/v1/users/{user_id}`: erases the user's personal data, as
/// `POST …/anonymize` does; their assets stay, attributed to `deleted-user-{id}`.
#[utoipa::path(
    operation_id = "users_delete",
    delete,
    path = "/users/{user_id}",
    tag = "users",
    params(("user_id" = i64, Path, description = "user id")),
    responses(
        (status = 204, description = "erased"),
        (status = 403, description = "not an admin, or the user has roles in other namespaces", body = ErrorBody),
        (status = 404, description = "no such user in the caller's namespace", body = ErrorBody),
        (status = 422, description = "oneself or the instance owner", body = ErrorBody),
    )
)]
pub(crate) async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    users::anonymize(&state.catalog, &auth, user_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn user_id(raw: &str) -> Result<UserId, ApiError> {
    parse_id(raw, "user").map(UserId)
}
