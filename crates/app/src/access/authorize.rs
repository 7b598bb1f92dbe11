//! Authorization, decided once for every entry point: what a [`Principal`] may do.
//! The rules (roles, scopes, ownership) are `medialib_core::access`; this module turns
//! a refusal into the registry's error. Another namespace's resources are never refused
//! here: the stores' queries filter them out, so they answer "not found".

use medialib_core::access::{Access, Principal, Role};
use medialib_core::{AppError, Asset};

use crate::Catalog;

/// Refused (`forbidden`) unless the principal's role and token scopes allow `access`;
/// the message says what would.
pub fn require(principal: &Principal, access: Access) -> Result<(), AppError> {
    if principal.allows(access) {
        return Ok(());
    }
    let (role, scope) = match access {
        Access::Read => (Role::Viewer, "read"),
        Access::Write => (Role::Editor, "write"),
        Access::Admin => (Role::Admin, "admin"),
    };
    Err(AppError::forbidden(format!(
        "this needs the role {role} or above and a token with the {scope} scope; you are \
         {} here, with a token scoped {}",
        principal.role, principal.scopes
    )))
}

/// Refused (`forbidden`) unless the principal may edit, delete or restore `asset`: an
/// admin any asset, an editor their own.
pub fn require_change(principal: &Principal, asset: &Asset) -> Result<(), AppError> {
    require(principal, Access::Write)?;
    if principal.may_change(asset) {
        return Ok(());
    }
    Err(AppError::forbidden(format!(
        "asset {} was uploaded by someone else: an editor may change only their own \
         assets, an admin any",
        asset.id
    )))
}

/// Whether `principal` may see `asset`: same namespace and read access. Callers answer
/// "not found" otherwise, so existence does not leak.
pub fn can_read(principal: &Principal, asset: &Asset) -> bool {
    principal.namespace == asset.namespace && principal.allows(Access::Read)
}

/// Whether the principal is the instance owner (with admin access).
///
/// Errors: a store failure.
pub async fn is_owner(catalog: &Catalog, principal: &Principal) -> Result<bool, AppError> {
    if !principal.allows(Access::Admin) {
        return Ok(false);
    }
    let user = catalog.store.get_user(principal.user).await?;
    Ok(user.is_some_and(|u| u.is_owner))
}

/// Refused (`forbidden`) unless the principal is the instance owner; `what` says what
/// only the owner may do, e.g. "create namespaces".
pub async fn require_owner(
    catalog: &Catalog,
    principal: &Principal,
    what: &str,
) -> Result<(), AppError> {
    require(principal, Access::Admin)?;
    if is_owner(catalog, principal).await? {
        return Ok(());
    }
    Err(AppError::forbidden(format!(
        "only the instance owner can {what}"
    )))
}
