//! `/api/v1/users/{user_id}`: a user's personal data, for GDPR access (export, Art. 15 and 20)
//! and erasure (anonymize, Art. 17).
//!
//! Who may act on whom: a user on themself (export only); the instance owner on anyone;
//! a namespace admin on the members of their namespace, seeing only that namespace's
//! part of the data. Anyone else gets 403 (not an admin) or 404 (not their member), so
//! that users of other namespaces stay invisible.

use axum::Json;
use axum::extract::{Path, State};
use medialib_app::access::users;
use medialib_core::store::User;
use medialib_core::{Asset, Timestamp, UserId};
use serde::Serialize;
use utoipa::ToSchema;

use super::audit::AuditEventDto;
use super::extract::parse_id;
use super::tokens::TokenDto;
use crate::auth::Auth;
use crate::dto::{original_path, rfc3339};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// A user's own record.
#[derive(Serialize, ToSchema)]
pub(crate) struct UserDto {
    id: i64,
    /// Login name; `deleted-user-{id}` once anonymized.
    name: String,
    email: Option<String>,
    is_owner: bool,
    /// Whether a password is set (the hash is never exported).
    has_password: bool,
    created_at: String,
    anonymized_at: Option<String>,
    /// Set while the user is disabled: their tokens, sessions and password do not work.
    disabled_at: Option<String>,
}

impl From<&User> for UserDto {
    fn from(u: &User) -> Self {
        Self {
            id: u.id.0,
            name: u.name.clone(),
            email: u.email.clone(),
            is_owner: u.is_owner,
            has_password: u.has_password,
            created_at: rfc3339(u.created_at),
            anonymized_at: u.anonymized_at.map(rfc3339),
            disabled_at: u.disabled_at.map(rfc3339),
        }
    }
}

/// A role in a namespace.
#[derive(Serialize, ToSchema)]
pub(crate) struct MembershipDto {
    namespace: i64,
    /// `viewer`, `editor` or `admin`.
    role: String,
}

/// An asset the user uploaded, as far as the export goes: what it is and where to get it.
#[derive(Serialize, ToSchema)]
pub(crate) struct UploadedAssetDto {
    id: String,
    namespace: i64,
    title: String,
    original_filename: String,
    mime: String,
    /// Bytes of the original.
    bytes: u64,
    created_at: String,
    /// Set when the asset is in the trash.
    deleted_at: Option<String>,
    /// The original's delivery URL (needs a token or a signed URL when private).
    original: String,
}

/// Everything medialib holds about a user.
#[derive(Serialize, ToSchema)]
pub(crate) struct UserExport {
    exported_at: String,
    user: UserDto,
    memberships: Vec<MembershipDto>,
    /// Their API tokens (never the secrets), revoked ones included.
    tokens: Vec<TokenDto>,
    /// The assets they uploaded, trashed ones included, newest first.
    assets: Vec<UploadedAssetDto>,
    /// What they did, newest first, with the IP addresses recorded.
    audit: Vec<AuditEventDto>,
}

/// `GET /api/v1/users/{user_id}/export`: everything held about a user, as one JSON document.
#[utoipa::path(
    operation_id = "users_export",
    get,
    path = "/users/{user_id}/export",
    tag = "users",
    params(("user_id" = i64, Path, description = "user id")),
    responses(
        (status = 200, description = "the user's data (a namespace admin sees their namespace's part)", body = UserExport),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 403, description = "neither the user nor an admin", body = ErrorBody),
        (status = 404, description = "no such user in the caller's namespace", body = ErrorBody),
    )
)]
pub(crate) async fn export(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<UserExport>, ApiError> {
    let export = users::export(&state.catalog, &auth, user_id(&id)?).await?;
    let memberships = export
        .memberships
        .into_iter()
        .map(|m| MembershipDto {
            namespace: m.namespace.0,
            role: m.role.to_string(),
        })
        .collect();
    let tokens = export.tokens.into_iter().map(Into::into).collect();
    let assets = export
        .assets
        .iter()
        .map(|a| uploaded_dto(&state, a))
        .collect();
    let audit = export.audit;
    let user = export.user;
    Ok(Json(UserExport {
        exported_at: rfc3339(Timestamp::now_utc()),
        user: (&user).into(),
        memberships,
        tokens,
        assets,
        audit: audit.into_iter().map(Into::into).collect(),
    }))
}

/// `POST /api/v1/users/{user_id}/anonymize`: erases a user's personal data. The name becomes
/// `deleted-user-{id}`; email, password, tokens, roles and the IPs in their audit events
/// are removed. Their assets stay, attributed to the anonymized user. Repeating it
/// changes nothing.
///
/// Errors: 403 for a namespace admin when the user also has roles elsewhere (only the
/// instance owner may then); 422 for oneself or the instance owner.
#[utoipa::path(
    operation_id = "users_anonymize",
    post,
    path = "/users/{user_id}/anonymize",
    tag = "users",
    params(("user_id" = i64, Path, description = "user id")),
    responses(
        (status = 200, description = "the anonymized user", body = UserDto),
        (status = 401, description = "no or unknown token", body = ErrorBody),
        (status = 403, description = "not an admin, or the user has roles in other namespaces", body = ErrorBody),
        (status = 404, description = "no such user in the caller's namespace", body = ErrorBody),
        (status = 422, description = "oneself or the instance owner", body = ErrorBody),
    )
)]
pub(crate) async fn anonymize(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<UserDto>, ApiError> {
    let anonymized = users::anonymize(&state.catalog, &auth, user_id(&id)?).await?;
    Ok(Json((&anonymized).into()))
}

fn uploaded_dto(state: &AppState, a: &Asset) -> UploadedAssetDto {
    UploadedAssetDto {
        id: a.id.to_string(),
        namespace: a.namespace.0,
        title: a.title.clone(),
        original_filename: a.original_filename.clone(),
        mime: a.mime.clone(),
        bytes: a.size,
        created_at: rfc3339(a.created_at),
        deleted_at: a.deleted_at.map(rfc3339),
        original: state.urls.url(&original_path(a)),
    }
}

fn user_id(raw: &str) -> Result<UserId, ApiError> {
    parse_id(raw, "user").map(UserId)
}
