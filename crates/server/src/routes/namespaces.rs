//! `/api/v1/namespaces`: tenants. The instance owner lists, creates, changes and deletes
//! any; a namespace's admins read theirs and change its name and retention.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use medialib_app::access::namespaces::{self, NewNamespace};
use medialib_core::AppError;
use medialib_core::analysis::ModerationPolicy;
use medialib_core::store::{Namespace, NamespaceChange};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::assets::nullable;
use super::extract::{ApiJson, ApiQuery};
use crate::auth::Auth;
use crate::dto::schema;
use crate::dto::{Items, rfc3339};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// A namespace (workspace).
#[derive(Serialize, ToSchema)]
pub(crate) struct NamespaceDto {
    id: i64,
    /// URL-safe unique name.
    slug: String,
    name: String,
    /// Byte quota of originals; `null` follows the server's `quotas.bytes`.
    quota_bytes: Option<u64>,
    /// Asset quota; `null` follows `quotas.assets`.
    quota_assets: Option<u64>,
    /// Days after which media used nowhere and not viewed goes to the trash; 0 is off,
    /// `null` follows `retention.unused_days`.
    retention_days: Option<u32>,
    /// What happens to pictures scored as not safe for work (at or above
    /// `analysis.moderation_threshold`): `off`, `flag` (tagged `nsfw`, found by
    /// `moderation=flagged`), `private` (private until an admin clears it) or `reject`
    /// (the asset fails).
    #[schema(pattern = "^(off|flag|private|reject)$")]
    moderation: &'static str,
    created_at: String,
}

impl From<Namespace> for NamespaceDto {
    fn from(n: Namespace) -> Self {
        Self {
            id: n.id.0,
            slug: n.slug,
            name: n.name,
            quota_bytes: n.quota_bytes,
            quota_assets: n.quota_assets,
            retention_days: n.retention_days,
            moderation: n.moderation.as_str(),
            created_at: rfc3339(n.created_at),
        }
    }
}

/// Body of `POST /api/v1/namespaces`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewNamespaceBody {
    /// Lower-case letters and digits joined by `-`, at most 100 bytes.
    #[schema(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 100)]
    slug: String,
    /// Display name (default: the slug), 1 to 200 characters, not blank.
    #[schema(schema_with = schema::optional::name_200)]
    name: Option<String>,
    /// Most bytes of originals the namespace may hold (default `quotas.bytes`).
    #[schema(maximum = 9_223_372_036_854_775_807_u64)]
    quota_bytes: Option<u64>,
    /// Most assets the namespace may hold (default `quotas.assets`).
    #[schema(maximum = 9_223_372_036_854_775_807_u64)]
    quota_assets: Option<u64>,
    #[schema(maximum = 36500)]
    retention_days: Option<u32>,
}

/// Body of `PATCH /api/v1/namespaces/{slug}`; absent fields stay, `null` returns a
/// quota or the retention to the server's default.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PatchNamespaceBody {
    /// 1 to 200 characters, not blank.
    #[schema(schema_with = schema::optional::name_200)]
    name: Option<String>,
    /// The instance owner only.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<u64>, maximum = 9_223_372_036_854_775_807_u64)]
    quota_bytes: Option<Option<u64>>,
    /// The instance owner only.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<u64>, maximum = 9_223_372_036_854_775_807_u64)]
    quota_assets: Option<Option<u64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<u32>, maximum = 36500)]
    retention_days: Option<Option<u32>>,
    /// `off`, `flag`, `private` or `reject` (see the namespace's `moderation`).
    #[schema(pattern = "^(off|flag|private|reject)$")]
    moderation: Option<String>,
}

/// Query of `DELETE /api/v1/namespaces/{slug}`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct DeleteQuery {
    /// Purge every asset and upload in it first (they cannot be restored).
    #[serde(default)]
    purge: bool,
}

/// `GET /api/v1/namespaces`: every namespace for the instance owner, their own for a
/// namespace admin.
#[utoipa::path(
    operation_id = "namespaces_list",
    get,
    path = "/namespaces",
    tag = "namespaces",
    responses(
        (status = 200, description = "namespaces, oldest first", body = Items<NamespaceDto>),
        (status = 403, description = "not an admin", body = ErrorBody),
    )
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Items<NamespaceDto>>, ApiError> {
    let all = namespaces::list(&state.catalog, &auth).await?;
    Ok(Json(Items {
        items: all.into_iter().map(Into::into).collect(),
    }))
}

/// `POST /api/v1/namespaces` with `{slug, name?, quota_bytes?, quota_assets?,
/// retention_days?}`: a new namespace (the instance owner only). Give users roles in it
/// with a token of the namespace (`PUT /api/v1/members/{user_id}`).
#[utoipa::path(
    operation_id = "namespaces_create",
    post,
    path = "/namespaces",
    tag = "namespaces",
    request_body = NewNamespaceBody,
    responses(
        (status = 201, description = "the namespace", body = NamespaceDto),
        (status = 400, description = "the body is not JSON", body = ErrorBody),
        (status = 403, description = "not the instance owner", body = ErrorBody),
        (status = 409, description = "the slug is taken", body = ErrorBody),
        (status = 422, description = "a bad slug, name or retention", body = ErrorBody),
    )
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<NewNamespaceBody>,
) -> Result<(StatusCode, Json<NamespaceDto>), ApiError> {
    let new = NewNamespace {
        slug: body.slug,
        name: body.name,
        quota_bytes: body.quota_bytes,
        quota_assets: body.quota_assets,
        retention_days: body.retention_days,
    };
    let created = namespaces::create(&state.catalog, &auth, new).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// `GET /api/v1/namespaces/{slug}`.
#[utoipa::path(
    operation_id = "namespaces_get",
    get,
    path = "/namespaces/{slug}",
    tag = "namespaces",
    params(("slug" = String, Path, description = "namespace slug")),
    responses(
        (status = 200, description = "the namespace", body = NamespaceDto),
        (status = 403, description = "not an admin", body = ErrorBody),
        (status = 404, description = "no such namespace, or another than the admin's", body = ErrorBody),
    )
)]
pub(crate) async fn get(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
) -> Result<Json<NamespaceDto>, ApiError> {
    Ok(Json(
        namespaces::get(&state.catalog, &auth, &slug).await?.into(),
    ))
}

/// `PATCH /api/v1/namespaces/{slug}` with `{name?, quota_bytes?, quota_assets?,
/// retention_days?, moderation?}`.
#[utoipa::path(
    operation_id = "namespaces_patch",
    patch,
    path = "/namespaces/{slug}",
    tag = "namespaces",
    params(("slug" = String, Path, description = "namespace slug")),
    request_body = PatchNamespaceBody,
    responses(
        (status = 200, description = "the changed namespace", body = NamespaceDto),
        (status = 400, description = "the body is not JSON", body = ErrorBody),
        (status = 403, description = "not an admin, or a quota change by other than the instance owner", body = ErrorBody),
        (status = 404, description = "no such namespace, or another than the admin's", body = ErrorBody),
        (status = 422, description = "a bad name, retention or moderation policy", body = ErrorBody),
    )
)]
pub(crate) async fn patch(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<PatchNamespaceBody>,
) -> Result<Json<NamespaceDto>, ApiError> {
    let change = NamespaceChange {
        name: body.name,
        quota_bytes: body.quota_bytes,
        quota_assets: body.quota_assets,
        retention_days: body.retention_days,
        moderation: body
            .moderation
            .map(|m| {
                m.parse::<ModerationPolicy>().map_err(|_| {
                    AppError::invalid(format!(
                        "moderation {m:?} is not a policy: use off, flag, private or reject"
                    ))
                })
            })
            .transpose()?,
    };
    let updated = namespaces::update(&state.catalog, &auth, &slug, change).await?;
    Ok(Json(updated.into()))
}

/// `DELETE /api/v1/namespaces/{slug}[?purge=true]`: deletes a namespace with its tags,
/// collections, roles, tokens, sessions, audit log and webhooks (the instance owner
/// only). One holding media or uploads answers 409 `namespace_not_empty` unless
/// `purge=true`, which purges them first, for good.
#[utoipa::path(
    operation_id = "namespaces_delete",
    delete,
    path = "/namespaces/{slug}",
    tag = "namespaces",
    params(("slug" = String, Path, description = "namespace slug"), DeleteQuery),
    responses(
        (status = 204, description = "deleted"),
        (status = 400, description = "an unknown query parameter", body = ErrorBody),
        (status = 403, description = "not the instance owner", body = ErrorBody),
        (status = 404, description = "no such namespace", body = ErrorBody),
        (status = 409, description = "it holds media or uploads (namespace_not_empty)", body = ErrorBody),
        (status = 422, description = "the default namespace, or the one the caller works in", body = ErrorBody),
    )
)]
pub(crate) async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    ApiQuery(query): ApiQuery<DeleteQuery>,
) -> Result<StatusCode, ApiError> {
    namespaces::delete(&state.catalog, &state.uploads, &auth, &slug, query.purge).await?;
    Ok(StatusCode::NO_CONTENT)
}
