//! User accounts over the API: listing, creating, changing (name, email, password,
//! disabled) and deleting them.
//!
//! Who may act on whom follows [`super::users`]: the instance owner on anyone; a
//! namespace admin on the members of their namespace, unless the user also has roles
//! elsewhere (then only the owner may change them); a user on themself, except to
//! disable themself. A password is set only by its user or the owner. Deleting a user
//! is the GDPR erasure ([`super::users::anonymize`]): their assets stay.

use medialib_core::access::{Access, Principal, Role};
use medialib_core::store::{User, UserChange};
use medialib_core::{AppError, ErrorCode, UserId};

use super::authorize::{is_owner, require};
use super::credentials::{check_password, hash_password};
use super::users::{only_here, subject};
use crate::Catalog;

/// The longest login name, in characters.
const MAX_NAME: usize = 100;
/// The longest email address, in characters (RFC 5321 §4.5.3.1.3's path limit is 254
/// octets; counted in characters, as JSON Schema's `maxLength` does).
const MAX_EMAIL: usize = 254;

/// A new user.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    /// Unique login name.
    pub name: String,
    /// Email address.
    pub email: Option<String>,
    /// A password for the web UI (8 to 256 characters), hashed with argon2id.
    pub password: Option<String>,
    /// Their role in the caller's namespace: required for a namespace admin (default
    /// viewer), optional for the owner (none: a user with no namespace yet).
    pub role: Option<Role>,
}

/// A change to a user: each `Some` field is set.
#[derive(Debug, Clone, Default)]
pub struct UserUpdate {
    /// Login name.
    pub name: Option<String>,
    /// Email (`Some(None)` removes it).
    pub email: Option<Option<String>>,
    /// Disable or enable.
    pub disabled: Option<bool>,
    /// A new password (`Some(None)` removes it).
    pub password: Option<Option<String>>,
}

/// The users the caller may see: everyone for the instance owner, the namespace's
/// members for its admins.
///
/// Errors: `forbidden` without admin access.
pub async fn list(catalog: &Catalog, caller: &Principal) -> Result<Vec<User>, AppError> {
    require(caller, Access::Admin)?;
    if is_owner(catalog, caller).await? {
        return Ok(catalog.store.list_users().await?);
    }
    let members = catalog.store.members(caller.namespace).await?;
    Ok(members.into_iter().map(|(user, _)| user).collect())
}

/// Creates a user; a namespace admin's new user becomes a member of their namespace.
///
/// Errors: `forbidden` without admin access; `invalid_request` for a bad name, email or
/// password; `conflict` when the name or email is taken.
pub async fn create(catalog: &Catalog, caller: &Principal, new: NewUser) -> Result<User, AppError> {
    require(caller, Access::Admin)?;
    let owner = is_owner(catalog, caller).await?;
    let role = match new.role {
        None if !owner => Some(Role::Viewer),
        role => role,
    };
    let name = check_name(&new.name)?;
    if let Some(email) = &new.email {
        check_email(email)?;
    }
    let hash = match new.password {
        Some(password) => {
            check_password(&password)?;
            Some(hash_password(password).await.map_err(AppError::internal)?)
        }
        None => None,
    };
    let user = catalog
        .store
        .create_user(name, new.email.as_deref(), hash.as_deref())
        .await?;
    if let Some(role) = role {
        catalog
            .store
            .set_role(user.id, caller.namespace, Some(role))
            .await?;
    }
    tracing::info!(user = user.id.0, by = caller.user.0, "user created");
    Ok(user)
}

/// The user `id`.
///
/// Errors: `forbidden` for another user without admin access; `not_found` for an
/// unknown user or one outside the admin's namespace.
pub async fn get(catalog: &Catalog, caller: &Principal, id: UserId) -> Result<User, AppError> {
    Ok(subject(catalog, caller, id).await?.0)
}

/// Changes the user `id`.
///
/// Errors: those of [`get`]; `forbidden` without the `write` scope, for a namespace
/// admin changing a user who has roles elsewhere or setting someone else's password;
/// `invalid_request` for bad values, for disabling oneself or the instance owner, or for
/// an anonymized user; `conflict` when the name or email is taken.
pub async fn update(
    catalog: &Catalog,
    caller: &Principal,
    id: UserId,
    update: UserUpdate,
) -> Result<User, AppError> {
    if !caller.scopes.includes(Access::Write) {
        return Err(AppError::forbidden(
            "changing a user needs a token with the write scope",
        ));
    }
    let (user, scope) = subject(catalog, caller, id).await?;
    let myself = user.id == caller.user;
    only_here(catalog, &user, scope, "change").await?;
    if update.disabled == Some(true) && (myself || user.is_owner) {
        return Err(AppError::forbidden(if myself {
            "you cannot disable yourself; ask an admin"
        } else {
            "the instance owner cannot be disabled"
        }));
    }
    if update.password.is_some() && !myself && !is_owner(catalog, caller).await? {
        return Err(AppError::forbidden(
            "only the user themself or the instance owner can set a password",
        ));
    }
    let change = UserChange {
        name: update
            .name
            .as_deref()
            .map(check_name)
            .transpose()?
            .map(str::to_owned),
        email: match update.email {
            Some(Some(email)) => Some(Some(check_email(&email).map(|_| email)?)),
            other => other,
        },
        disabled: update.disabled,
    };
    let hash = match update.password {
        Some(Some(password)) => {
            check_password(&password)?;
            Some(Some(
                hash_password(password).await.map_err(AppError::internal)?,
            ))
        }
        other => other.map(|_| None),
    };
    let anonymized = || {
        AppError::new(
            ErrorCode::Conflict,
            format!("user {} was anonymized", user.id.0),
        )
    };
    let mut changed = catalog
        .store
        .update_user(user.id, &change)
        .await?
        .ok_or_else(anonymized)?;
    if let Some(hash) = hash {
        if !catalog.store.set_password(user.id, hash.as_deref()).await? {
            return Err(anonymized());
        }
        changed.has_password = hash.is_some();
    }
    tracing::info!(user = user.id.0, by = caller.user.0, "user changed");
    Ok(changed)
}

/// `invalid_request` unless the name is 1 to 100 characters with no spaces at either end
/// and no control characters; returns it.
fn check_name(name: &str) -> Result<&str, AppError> {
    let bad = name.is_empty()
        || name.chars().count() > MAX_NAME
        || name.trim() != name
        || name.chars().any(char::is_control);
    if bad {
        return Err(AppError::invalid(format!(
            "a user's name must be 1 to {MAX_NAME} characters, without spaces at either end"
        )));
    }
    Ok(name)
}

/// `invalid_request` unless `email` looks like `local@domain`: one `@`, no spaces, at
/// most 254 characters. Whether it receives mail is not checked.
fn check_email(email: &str) -> Result<(), AppError> {
    let well_formed = email.chars().count() <= MAX_EMAIL
        && !email.chars().any(char::is_whitespace)
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
    if !well_formed {
        return Err(AppError::invalid(format!(
            "{email:?} is not an email address like name@example.com"
        )));
    }
    Ok(())
}
