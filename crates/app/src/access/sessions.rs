//! Browser sessions: signing in with a name and password, signing out, and who a
//! session or token is.

use medialib_core::access::Principal;
use medialib_core::store::{Namespace, User};
use medialib_core::{AppError, ErrorCode, NamespaceId};

use super::credentials::{self, hash_token};
use crate::Catalog;

/// A new session: its id (for the cookie; stored only hashed) and who it is.
#[derive(Debug)]
pub struct SignedIn {
    /// The session id.
    pub id: String,
    /// The user in their working namespace.
    pub principal: Principal,
}

/// Signs `name` in with `password`, working in the namespace `namespace` (a slug; the
/// user's first membership when `None`, the default namespace for an owner without one).
///
/// Errors: `invalid_credentials` for a wrong name or password (both take as long);
/// `forbidden` when the user has no role in the namespace, or in any.
pub async fn login(
    catalog: &Catalog,
    name: &str,
    password: String,
    namespace: Option<&str>,
) -> Result<SignedIn, AppError> {
    let (user, hash) = match catalog.store.password_hash(name).await? {
        Some((user, hash)) => (Some(user), Some(hash)),
        None => (None, None),
    };
    let matches = credentials::verify_password(password, hash).await;
    let Some(user) = user.filter(|_| matches) else {
        tracing::warn!(%name, "failed login");
        return Err(AppError::new(
            ErrorCode::InvalidCredentials,
            "wrong name or password",
        ));
    };
    let namespace = working_namespace(catalog, &user, namespace).await?;
    let id = credentials::new_session_id();
    catalog
        .store
        .create_session(&hash_token(&id), user.id, namespace)
        .await?;
    let principal = credentials::authenticate_session(catalog, &id)
        .await?
        .ok_or_else(AppError::unauthorized)?;
    tracing::info!(user = user.id.0, namespace = namespace.0, "signed in");
    Ok(SignedIn { id, principal })
}

/// Ends the session `id` (nothing when it already ended).
pub async fn logout(catalog: &Catalog, id: &str) -> Result<(), AppError> {
    catalog.store.delete_session(&hash_token(id)).await?;
    Ok(())
}

/// The namespace a login works in: the one named by `slug`, if the user has a role in it
/// (an owner may enter any), else their first.
async fn working_namespace(
    catalog: &Catalog,
    user: &User,
    slug: Option<&str>,
) -> Result<NamespaceId, AppError> {
    let memberships = catalog.store.memberships(user.id).await?;
    let Some(slug) = slug else {
        return match memberships.first() {
            Some(m) => Ok(m.namespace),
            None if user.is_owner => Ok(catalog.store.default_namespace().await?),
            None => Err(AppError::forbidden(format!(
                "{} has no role in any namespace; ask an admin for one",
                user.name
            ))),
        };
    };
    let namespaces = catalog.store.list_namespaces().await?;
    let namespace = namespaces
        .iter()
        .find(|n| n.slug == slug)
        .filter(|n| user.is_owner || memberships.iter().any(|m| m.namespace == n.id));
    namespace.map(|n| n.id).ok_or_else(|| {
        AppError::forbidden(format!("{} has no role in a namespace {slug:?}", user.name))
    })
}

/// The caller's user and working namespace.
///
/// Errors: `unauthorized` when the user is gone.
pub async fn whoami(catalog: &Catalog, caller: &Principal) -> Result<(User, Namespace), AppError> {
    let user = catalog
        .store
        .get_user(caller.user)
        .await?
        .ok_or_else(AppError::unauthorized)?;
    let namespace = catalog
        .store
        .list_namespaces()
        .await?
        .into_iter()
        .find(|n| n.id == caller.namespace)
        .ok_or_else(|| AppError::not_found(format!("namespace {}", caller.namespace.0)))?;
    Ok((user, namespace))
}
