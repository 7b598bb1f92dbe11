//! Namespaces (tenants) over the API: the instance owner creates, changes and deletes
//! any; a namespace's admins read theirs and change its name and retention. Quotas are
//! the owner's to set, so that a tenant cannot raise its own.

use medialib_core::access::{Access, Principal};
use medialib_core::organise::slugify;
use medialib_core::store::{Namespace, NamespaceChange};
use medialib_core::{AppError, ErrorCode, StoreError};

use super::authorize::{is_owner, require, require_owner};
use crate::Catalog;
use crate::purge::purge_each;
use crate::uploads::Uploads;

/// Assets purged per round while a namespace is deleted.
const PURGE_BATCH: u32 = 100;
/// The longest display name, in bytes.
const MAX_NAME: usize = 200;
/// The longest retention accepted, in days (a century).
const MAX_RETENTION_DAYS: u32 = 36_500;

/// What a new namespace is.
#[derive(Debug, Clone, Default)]
pub struct NewNamespace {
    /// URL-safe unique name: lower-case letters and digits joined by `-`, e.g.
    /// `sports-desk`.
    pub slug: String,
    /// Display name (default: the slug).
    pub name: Option<String>,
    /// Byte quota of originals (default: `quotas.bytes`).
    pub quota_bytes: Option<u64>,
    /// Asset quota (default: `quotas.assets`).
    pub quota_assets: Option<u64>,
    /// Retention of unused media in days, 0 off (default: `retention.unused_days`).
    pub retention_days: Option<u32>,
}

/// What deleting a namespace removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deleted {
    /// Assets purged (live and in the trash).
    pub assets: u64,
    /// Upload sessions ended.
    pub uploads: u64,
}

/// The namespaces the caller may see: every one for the instance owner, their own for a
/// namespace admin.
///
/// Errors: `forbidden` without admin access.
pub async fn list(catalog: &Catalog, caller: &Principal) -> Result<Vec<Namespace>, AppError> {
    require(caller, Access::Admin)?;
    let owner = is_owner(catalog, caller).await?;
    let all = catalog.store.list_namespaces().await?;
    Ok(all
        .into_iter()
        .filter(|n| owner || n.id == caller.namespace)
        .collect())
}

/// Creates a namespace with its quotas and retention.
///
/// Errors: `forbidden` unless the caller is the instance owner; `invalid_request` for a
/// bad slug, name, quota or retention; `conflict` when the slug is taken.
pub async fn create(
    catalog: &Catalog,
    caller: &Principal,
    new: NewNamespace,
) -> Result<Namespace, AppError> {
    require_owner(catalog, caller, "create namespaces").await?;
    if new.slug.is_empty() || new.slug.len() > 100 || slugify(&new.slug) != new.slug {
        return Err(AppError::invalid(format!(
            "the slug {:?} must be lower-case letters and digits joined by dashes, like \
             sports-desk",
            new.slug
        )));
    }
    let name = new.name.unwrap_or_else(|| new.slug.clone());
    check_name(&name)?;
    check_retention(new.retention_days)?;
    check_quotas(new.quota_bytes, new.quota_assets)?;
    let created = catalog.store.create_namespace(&new.slug, &name).await?;
    let change = NamespaceChange {
        name: None,
        quota_bytes: Some(new.quota_bytes),
        quota_assets: Some(new.quota_assets),
        retention_days: Some(new.retention_days),
        moderation: None,
    };
    let namespace = catalog
        .store
        .update_namespace(created.id, &change)
        .await?
        .unwrap_or(created);
    tracing::info!(namespace = %namespace.slug, by = caller.user.0, "namespace created");
    Ok(namespace)
}

/// The namespace `slug`, when the caller may see it.
///
/// Errors: `forbidden` without admin access; `not_found` for an unknown slug or another
/// namespace than the admin's own.
pub async fn get(catalog: &Catalog, caller: &Principal, slug: &str) -> Result<Namespace, AppError> {
    require(caller, Access::Admin)?;
    let owner = is_owner(catalog, caller).await?;
    catalog
        .store
        .list_namespaces()
        .await?
        .into_iter()
        .find(|n| n.slug == slug && (owner || n.id == caller.namespace))
        .ok_or_else(|| AppError::not_found(format!("namespace {slug:?}")))
}

/// Changes the namespace `slug`.
///
/// Errors: those of [`get`]; `forbidden` when a namespace admin changes a quota;
/// `invalid_request` for a bad name, quota or retention.
pub async fn update(
    catalog: &Catalog,
    caller: &Principal,
    slug: &str,
    change: NamespaceChange,
) -> Result<Namespace, AppError> {
    let namespace = get(catalog, caller, slug).await?;
    if (change.quota_bytes.is_some() || change.quota_assets.is_some())
        && !is_owner(catalog, caller).await?
    {
        return Err(AppError::forbidden(
            "only the instance owner can change a namespace's quotas",
        ));
    }
    if let Some(name) = &change.name {
        check_name(name)?;
    }
    check_retention(change.retention_days.flatten())?;
    check_quotas(change.quota_bytes.flatten(), change.quota_assets.flatten())?;
    let updated = catalog
        .store
        .update_namespace(namespace.id, &change)
        .await?
        .ok_or_else(|| AppError::not_found(format!("namespace {slug:?}")))?;
    tracing::info!(namespace = %slug, by = caller.user.0, "namespace changed");
    Ok(updated)
}

/// Deletes the namespace `slug` with its tags, collections, members' roles, tokens,
/// sessions, audit log and webhooks. One that holds assets or uploads is refused unless
/// `purge`: then every asset (live and in the trash) is purged first, with the bytes
/// only it referenced, and every upload session ended.
///
/// Errors: `forbidden` unless the caller is the instance owner; `not_found`;
/// `invalid_request` for the default namespace or the one the caller works in;
/// `namespace_not_empty` without `purge` (or when an upload arrived meanwhile).
pub async fn delete(
    catalog: &Catalog,
    uploads: &Uploads,
    caller: &Principal,
    slug: &str,
    purge: bool,
) -> Result<Deleted, AppError> {
    require_owner(catalog, caller, "delete namespaces").await?;
    let namespace = get(catalog, caller, slug).await?;
    if namespace.id == caller.namespace {
        return Err(AppError::forbidden(
            "you cannot delete the namespace you are working in; use a token of another one",
        ));
    }
    if namespace.id == catalog.store.default_namespace().await? {
        return Err(AppError::forbidden(
            "the default namespace cannot be deleted: the command line imports into it",
        ));
    }
    let mut deleted = Deleted {
        assets: 0,
        uploads: 0,
    };
    loop {
        let contents = catalog
            .store
            .namespace_contents(namespace.id, PURGE_BATCH)
            .await?;
        if contents.assets.is_empty() && contents.uploads.is_empty() {
            break;
        }
        if !purge {
            return Err(not_empty(slug));
        }
        deleted.assets += purge_each(catalog, &contents.assets).await?;
        for id in contents.uploads {
            uploads.remove(id).await.map_err(AppError::internal)?;
            if catalog.store.delete_upload(id).await? {
                deleted.uploads += 1;
            }
        }
    }
    let gone = catalog
        .store
        .delete_namespace(namespace.id)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => not_empty(slug),
            other => other.into(),
        })?;
    if !gone {
        return Err(AppError::not_found(format!("namespace {slug:?}")));
    }
    tracing::info!(
        namespace = %slug,
        assets = deleted.assets,
        uploads = deleted.uploads,
        by = caller.user.0,
        "namespace deleted"
    );
    Ok(deleted)
}

fn not_empty(slug: &str) -> AppError {
    AppError::new(
        ErrorCode::NamespaceNotEmpty,
        format!(
            "the namespace {slug:?} still holds media or uploads; delete them first, or ask \
             for the purge to delete everything in it"
        ),
    )
}

fn check_name(name: &str) -> Result<(), AppError> {
    if name.trim().is_empty() || name.chars().count() > MAX_NAME {
        return Err(AppError::invalid(format!(
            "a namespace's name must be 1 to {MAX_NAME} characters and not blank"
        )));
    }
    Ok(())
}

/// Quotas are stored as signed 64-bit integers (SQLite and PostgreSQL `BIGINT`).
fn check_quotas(bytes: Option<u64>, assets: Option<u64>) -> Result<(), AppError> {
    if bytes.max(assets).is_some_and(|q| i64::try_from(q).is_err()) {
        return Err(AppError::invalid(format!(
            "a quota must be at most {}",
            i64::MAX
        )));
    }
    Ok(())
}

fn check_retention(days: Option<u32>) -> Result<(), AppError> {
    match days {
        Some(d) if d > MAX_RETENTION_DAYS => Err(AppError::invalid(format!(
            "retention_days must be at most {MAX_RETENTION_DAYS} (0 turns retention off)"
        ))),
        _ => Ok(()),
    }
}
