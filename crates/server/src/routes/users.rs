//! `/api/v1/users/{user_id}`: a user's personal data, for GDPR access (export, Art. 15 and 20)
//! and erasure (anonymize, Art. 17).
//!
//! Who may act on whom: a user on themself (export only); the instance owner on anyone;
//! a namespace admin on the members of their namespace, seeing only that namespace's
//! part of the data. Anyone else gets 403 (not an admin) or 404 (not their member), so
//! that users of other namespaces stay invisible.

use axum::Json;
use axum::extract::{Path, State};
use medialib_core::access::Access;
use medialib_core::store::{AssetQuery, AuditFilter, User};
use medialib_core::{Asset, NamespaceId, Timestamp, UserId};
use serde::Serialize;
use utoipa::ToSchema;

use super::audit::AuditEventDto;
use super::extract::parse_id;
use super::tokens::TokenDto;
use crate::auth::{Auth, require};
use crate::dto::{original_path, rfc3339};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// Page size used to read a user's assets and audit events for an export.
const PAGE: u32 = 200;

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

/// What part of a user's data the caller sees.
#[derive(Clone, Copy)]
enum Scope {
    /// All of it: the user themself, or the instance owner.
    All,
    /// What concerns this namespace: its admin.
    Namespace(NamespaceId),
}

impl Scope {
    fn covers(self, namespace: NamespaceId) -> bool {
        match self {
            Scope::All => true,
            Scope::Namespace(n) => n == namespace,
        }
    }
}

/// The user `raw` names and the caller's view of them: the caller themself, the owner,
/// or an admin of a namespace the user belongs to. 404 for an unknown user or one of
/// another namespace; 403 for a caller who is neither themself nor an admin.
async fn subject(state: &AppState, auth: &Auth, raw: &str) -> Result<(User, Scope), ApiError> {
    let id = UserId(parse_id(raw, "user")?);
    let not_found = || ApiError::not_found(format!("user {}", id.0));
    if id == auth.user {
        let user = state.store.get_user(id).await?.ok_or_else(not_found)?;
        return Ok((user, Scope::All));
    }
    require(auth, Access::Admin)?;
    let caller = state.store.get_user(auth.user).await?;
    let user = state.store.get_user(id).await?.ok_or_else(not_found)?;
    if caller.is_some_and(|c| c.is_owner) {
        return Ok((user, Scope::All));
    }
    let member = state
        .store
        .memberships(id)
        .await?
        .iter()
        .any(|m| m.namespace == auth.namespace);
    if !member {
        return Err(not_found());
    }
    Ok((user, Scope::Namespace(auth.namespace)))
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
    let (user, scope) = subject(&state, &auth, &id).await?;
    let memberships = state
        .store
        .memberships(user.id)
        .await?
        .into_iter()
        .filter(|m| scope.covers(m.namespace))
        .map(|m| MembershipDto {
            namespace: m.namespace.0,
            role: m.role.to_string(),
        })
        .collect();
    let tokens = state
        .store
        .list_tokens(user.id)
        .await?
        .into_iter()
        .filter(|t| scope.covers(t.namespace))
        .map(Into::into)
        .collect();
    let mut assets = Vec::new();
    for namespace in state.store.list_namespaces().await? {
        if scope.covers(namespace.id) {
            for asset in uploaded(&state, namespace.id, user.id).await? {
                assets.push(uploaded_dto(&state, &asset));
            }
        }
    }
    let audit = audit_of(&state, user.id, scope).await?;
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
    let (user, scope) = subject(&state, &auth, &id).await?;
    if user.id == auth.user {
        return Err(ApiError::invalid(
            "you cannot anonymize yourself; ask an admin of your namespace",
        ));
    }
    if user.is_owner {
        return Err(ApiError::invalid("the instance owner cannot be anonymized"));
    }
    if let Scope::Namespace(namespace) = scope {
        let elsewhere = state
            .store
            .memberships(user.id)
            .await?
            .iter()
            .any(|m| m.namespace != namespace);
        if elsewhere {
            return Err(ApiError::forbidden(format!(
                "user {} also has roles in other namespaces; only the instance owner can \
                 anonymize them",
                user.id.0
            )));
        }
    }
    let anonymized = state
        .store
        .anonymize_user(user.id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("user {}", user.id.0)))?;
    tracing::info!(user = user.id.0, by = auth.user.0, "user anonymized");
    Ok(Json((&anonymized).into()))
}

/// The user's assets in `namespace`, live and trashed.
async fn uploaded(
    state: &AppState,
    namespace: NamespaceId,
    user: UserId,
) -> Result<Vec<Asset>, ApiError> {
    let mut assets = Vec::new();
    for deleted in [false, true] {
        let mut query = AssetQuery::newest(namespace, PAGE);
        query.filter.uploaded_by = Some(user);
        query.filter.deleted = deleted;
        loop {
            let page = state.store.list_assets(&query).await?;
            assets.extend(page.items);
            match page.next_cursor {
                Some(cursor) => query.cursor = Some(cursor),
                None => break,
            }
        }
    }
    Ok(assets)
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

/// Every audit event of the user's within `scope`, newest first.
async fn audit_of(
    state: &AppState,
    user: UserId,
    scope: Scope,
) -> Result<Vec<medialib_core::store::AuditEvent>, ApiError> {
    let mut filter = AuditFilter {
        namespace: match scope {
            Scope::All => None,
            Scope::Namespace(n) => Some(n),
        },
        action: None,
        user: Some(user),
        before: None,
        limit: PAGE,
    };
    let mut events = Vec::new();
    loop {
        let page = state.store.audit_events(&filter).await?;
        let full = page.len() == PAGE as usize;
        filter.before = page.last().map(|e| e.id);
        events.extend(page);
        if !full {
            return Ok(events);
        }
    }
}
