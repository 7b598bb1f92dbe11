//! `/api/v1/members`: the users with a role in the caller's namespace, managed by its
//! admins. Users themselves are created by the instance owner (`medialib user create`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use medialib_core::UserId;
use medialib_core::access::Role;
use medialib_core::store::User;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::{ApiJson, parse_id};
use crate::auth::{Admin, Auth};
use crate::dto::Items;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// A member: a user and their role here.
#[derive(Serialize, ToSchema)]
pub(crate) struct MemberDto {
    user_id: i64,
    name: String,
    email: Option<String>,
    /// `viewer`, `editor` or `admin`.
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
    auth: Auth<Admin>,
) -> Result<Json<Items<MemberDto>>, ApiError> {
    let members = state.store.members(auth.namespace).await?;
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
    auth: Auth<Admin>,
    Path(user_id): Path<String>,
    ApiJson(body): ApiJson<RoleBody>,
) -> Result<Json<MemberDto>, ApiError> {
    let user = user(&state, &user_id).await?;
    let role: Role = body.role.parse().map_err(ApiError::invalid)?;
    not_self(&auth, user.id)?;
    state
        .store
        .set_role(user.id, auth.namespace, Some(role))
        .await?;
    tracing::info!(user = user.id.0, namespace = auth.namespace.0, %role, by = auth.user.0, "role set");
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
    auth: Auth<Admin>,
    Path(user_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let user = user(&state, &user_id).await?;
    not_self(&auth, user.id)?;
    let members = state.store.members(auth.namespace).await?;
    if !members.iter().any(|(u, _)| u.id == user.id) {
        return Err(ApiError::not_found(format!("member {}", user.id.0)));
    }
    state.store.set_role(user.id, auth.namespace, None).await?;
    tracing::info!(
        user = user.id.0,
        namespace = auth.namespace.0,
        by = auth.user.0,
        "member removed"
    );
    Ok(StatusCode::NO_CONTENT)
}

async fn user(state: &AppState, raw: &str) -> Result<User, ApiError> {
    let id = UserId(parse_id(raw, "user")?);
    state
        .store
        .get_user(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("user {}", id.0)))
}

fn not_self(auth: &Auth<Admin>, user: UserId) -> Result<(), ApiError> {
    if auth.user == user {
        return Err(ApiError::invalid(
            "you cannot change your own role; ask another admin",
        ));
    }
    Ok(())
}
