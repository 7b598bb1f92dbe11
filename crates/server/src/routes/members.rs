//! `/api/v1/members`: the users with a role in the caller's namespace, managed by its
//! admins. Users themselves are created by the instance owner (`medialib user create`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use medialib_app::access::members;
use medialib_core::UserId;
use medialib_core::access::Role;
use medialib_core::store::User;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::{ApiJson, parse_id};
use crate::auth::Auth;
use crate::dto::Items;
use crate::dto::schema;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// A member: a user and their role here.
#[derive(Serialize, ToSchema)]
pub(crate) struct MemberDto {
    user_id: i64,
    name: String,
    email: Option<String>,
    /// `viewer`, `editor` or `admin`.
    #[schema(schema_with = schema::role)]
    role: String,
}

impl MemberDto {
    fn new(user: &User, role: Role) -> Self {
        Self {
            user_id: user.id.0,
            name: user.name.clone(),
            email: user.email.clone(),
            role: role.to_string(),
        }
    }
}

/// Body of `PUT /api/v1/members/{user_id}`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RoleBody {
    /// `viewer`, `editor` or `admin`.
    #[schema(schema_with = schema::role)]
    role: String,
}

/// `GET /api/v1/members`: the namespace's members and their roles.
#[utoipa::path(
    operation_id = "members_list",
    get,
    path = "/members",
    tag = "members",
    responses(
        (status = 200, description = "members, by user id", body = Items<MemberDto>),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 403, description = "not an admin of the namespace", body = ErrorBody),
    )
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Items<MemberDto>>, ApiError> {
    let members = members::list(&state.catalog, &auth).await?;
    Ok(Json(Items {
        items: members.iter().map(|(u, r)| MemberDto::new(u, *r)).collect(),
    }))
}

/// `PUT /api/v1/members/{user_id}` with `{role}`: gives an existing user a role in the
/// namespace, or changes it.
///
/// Errors: 404 for an unknown user; 422 for an unknown role, or for changing one's own
/// role (so that no admin locks themselves out).
#[utoipa::path(
    operation_id = "members_set",
    put,
    path = "/members/{user_id}",
    tag = "members",
    params(("user_id" = i64, Path, description = "user id")),
    request_body = RoleBody,
    responses(
        (status = 200, description = "the member", body = MemberDto),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 403, description = "not an admin of the namespace", body = ErrorBody),
        (status = 404, description = "no such user", body = ErrorBody),
        (status = 422, description = "unknown role, or one's own", body = ErrorBody),
    )
)]
pub(crate) async fn set(
    State(state): State<AppState>,
    auth: Auth,
    Path(user_id): Path<String>,
    ApiJson(body): ApiJson<RoleBody>,
) -> Result<Json<MemberDto>, ApiError> {
    let role: Role = body.role.parse().map_err(ApiError::invalid)?;
    let user = members::set_role(&state.catalog, &auth, parse_user(&user_id)?, role).await?;
    Ok(Json(MemberDto::new(&user, role)))
}

/// `DELETE /api/v1/members/{user_id}`: removes the user's role here; their tokens for
/// this namespace stop working at once. Their assets stay.
#[utoipa::path(
    operation_id = "members_remove",
    delete,
    path = "/members/{user_id}",
    tag = "members",
    params(("user_id" = i64, Path, description = "user id")),
    responses(
        (status = 204, description = "removed"),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 403, description = "not an admin of the namespace", body = ErrorBody),
        (status = 404, description = "not a member", body = ErrorBody),
        (status = 422, description = "one's own membership", body = ErrorBody),
    )
)]
pub(crate) async fn remove(
    State(state): State<AppState>,
    auth: Auth,
    Path(user_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    members::remove(&state.catalog, &auth, parse_user(&user_id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn parse_user(raw: &str) -> Result<UserId, ApiError> {
    parse_id(raw, "user").map(UserId)
}
