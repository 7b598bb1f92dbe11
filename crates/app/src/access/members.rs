//! Members of a namespace and their roles, managed by its admins.

use medialib_core::access::{Access, Principal, Role};
use medialib_core::store::User;
use medialib_core::{AppError, UserId};

use super::authorize::require;
use crate::Catalog;

/// The caller's namespace's members with their roles.
///
/// Errors: `forbidden` without admin access.
pub async fn list(catalog: &Catalog, caller: &Principal) -> Result<Vec<(User, Role)>, AppError> {
    require(caller, Access::Admin)?;
    Ok(catalog.store.members(caller.namespace).await?)
}

/// Gives `user` the role `role` in the caller's namespace (making them a member) and
/// returns the user.
///
/// Errors: `forbidden` without admin access; `not_found`; `invalid_request` for the
/// caller's own role.
pub async fn set_role(
    catalog: &Catalog,
    caller: &Principal,
    user: UserId,
    role: Role,
) -> Result<User, AppError> {
    require(caller, Access::Admin)?;
    let user = get_user(catalog, user).await?;
    not_self(caller, user.id)?;
    catalog
        .store
        .set_role(user.id, caller.namespace, Some(role))
        .await?;
    tracing::info!(user = user.id.0, namespace = caller.namespace.0, %role, by = caller.user.0, "role set");
    Ok(user)
}

/// Takes `user`'s role in the caller's namespace away.
///
/// Errors: `forbidden` without admin access; `not_found` for an unknown user or one who
/// is not a member; `invalid_request` for the caller themselves.
pub async fn remove(catalog: &Catalog, caller: &Principal, user: UserId) -> Result<(), AppError> {
    require(caller, Access::Admin)?;
    let user = get_user(catalog, user).await?;
    not_self(caller, user.id)?;
    let members = catalog.store.members(caller.namespace).await?;
    if !members.iter().any(|(u, _)| u.id == user.id) {
        return Err(AppError::not_found(format!("member {}", user.id.0)));
    }
    catalog
        .store
        .set_role(user.id, caller.namespace, None)
        .await?;
    tracing::info!(
        user = user.id.0,
        namespace = caller.namespace.0,
        by = caller.user.0,
        "member removed"
    );
    Ok(())
}

async fn get_user(catalog: &Catalog, id: UserId) -> Result<User, AppError> {
    catalog
        .store
        .get_user(id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("user {}", id.0)))
}

/// An admin cannot lock themselves out: their own role is another admin's to change.
fn not_self(caller: &Principal, user: UserId) -> Result<(), AppError> {
    if caller.user == user {
        return Err(AppError::forbidden(
            "you cannot change your own role; ask another admin",
        ));
    }
    Ok(())
}
