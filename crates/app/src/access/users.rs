//! A user's personal data, for GDPR access (export, Art. 15 and 20) and erasure
//! (anonymize, Art. 17).
//!
//! Who may act on whom: a user on themself (export only); the instance owner on anyone;
//! a namespace admin on the members of their namespace, seeing only that namespace's
//! part of the data. Anyone else is refused (`forbidden`, not an admin) or told the user
//! does not exist (`not_found`, not their member), so users of other namespaces stay
//! invisible.

use medialib_core::access::{Access, Principal};
use medialib_core::store::{AssetQuery, AuditEvent, AuditFilter, Membership, TokenInfo, User};
use medialib_core::{AppError, Asset, NamespaceId, UserId};

use super::authorize::require;
use crate::Catalog;

/// Rows read per query while exporting.
const PAGE: u32 = 200;

/// Everything stored about one user that the caller may see.
#[derive(Debug)]
pub struct Export {
    /// The user.
    pub user: User,
    /// Their roles.
    pub memberships: Vec<Membership>,
    /// Their API tokens (never the secrets).
    pub tokens: Vec<TokenInfo>,
    /// The assets they uploaded, trash included.
    pub assets: Vec<Asset>,
    /// What they did, newest first.
    pub audit: Vec<AuditEvent>,
}

/// What part of a user's data the caller may see.
#[derive(Clone, Copy)]
pub(super) enum Scope {
    All,
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

/// The user `id`, and how much of them the caller may see.
pub(super) async fn subject(
    catalog: &Catalog,
    caller: &Principal,
    id: UserId,
) -> Result<(User, Scope), AppError> {
    let not_found = || AppError::not_found(format!("user {}", id.0));
    if id == caller.user {
        let user = catalog.store.get_user(id).await?.ok_or_else(not_found)?;
        return Ok((user, Scope::All));
    }
    require(caller, Access::Admin)?;
    let owner = catalog
        .store
        .get_user(caller.user)
        .await?
        .is_some_and(|c| c.is_owner);
    let user = catalog.store.get_user(id).await?.ok_or_else(not_found)?;
    if owner {
        return Ok((user, Scope::All));
    }
    let member = catalog
        .store
        .memberships(id)
        .await?
        .iter()
        .any(|m| m.namespace == caller.namespace);
    if !member {
        return Err(not_found());
    }
    Ok((user, Scope::Namespace(caller.namespace)))
}

/// Exports the user `id`'s data that the caller may see.
///
/// Errors: `forbidden` for someone else's data without admin access; `not_found` for an
/// unknown user or one outside the admin's namespace.
pub async fn export(catalog: &Catalog, caller: &Principal, id: UserId) -> Result<Export, AppError> {
    let (user, scope) = subject(catalog, caller, id).await?;
    let memberships = catalog
        .store
        .memberships(user.id)
        .await?
        .into_iter()
        .filter(|m| scope.covers(m.namespace))
        .collect();
    let tokens = catalog
        .store
        .list_tokens(user.id)
        .await?
        .into_iter()
        .filter(|t| scope.covers(t.namespace))
        .collect();
    let mut assets = Vec::new();
    for namespace in catalog.store.list_namespaces().await? {
        if scope.covers(namespace.id) {
            assets.extend(uploaded(catalog, namespace.id, user.id).await?);
        }
    }
    let audit = audit_of(catalog, user.id, scope).await?;
    Ok(Export {
        user,
        memberships,
        tokens,
        assets,
        audit,
    })
}

/// Anonymizes the user `id`: name and email replaced, password, sessions and tokens
/// gone; their assets and audit entries stay, no longer naming them.
///
/// Errors: as for [`export`]; `invalid_request` for oneself or the instance owner;
/// `forbidden` for a namespace admin when the user has roles elsewhere too.
pub async fn anonymize(
    catalog: &Catalog,
    caller: &Principal,
    id: UserId,
) -> Result<User, AppError> {
    let (user, scope) = subject(catalog, caller, id).await?;
    if user.id == caller.user {
        return Err(AppError::forbidden(
            "you cannot anonymize yourself; ask an admin of your namespace",
        ));
    }
    if user.is_owner {
        return Err(AppError::forbidden(
            "the instance owner cannot be anonymized",
        ));
    }
    only_here(catalog, &user, scope, "anonymize").await?;
    let anonymized = catalog
        .store
        .anonymize_user(user.id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("user {}", user.id.0)))?;
    tracing::info!(user = user.id.0, by = caller.user.0, "user anonymized");
    Ok(anonymized)
}

/// Refused (`forbidden`) when a namespace admin (`scope`) would `action` a user who has
/// roles in other namespaces too: only the instance owner may act on them.
pub(super) async fn only_here(
    catalog: &Catalog,
    user: &User,
    scope: Scope,
    action: &str,
) -> Result<(), AppError> {
    let Scope::Namespace(namespace) = scope else {
        return Ok(());
    };
    let memberships = catalog.store.memberships(user.id).await?;
    if memberships.iter().any(|m| m.namespace != namespace) {
        return Err(AppError::forbidden(format!(
            "{} also has roles in other namespaces; only the instance owner can {action} them",
            user.name
        )));
    }
    Ok(())
}

/// Every asset `user` uploaded to `namespace`, live and in the trash.
async fn uploaded(
    catalog: &Catalog,
    namespace: NamespaceId,
    user: UserId,
) -> Result<Vec<Asset>, AppError> {
    let mut assets = Vec::new();
    for deleted in [false, true] {
        let mut query = AssetQuery::newest(namespace, PAGE);
        query.filter.uploaded_by = Some(user);
        query.filter.deleted = deleted;
        loop {
            let page = catalog.store.list_assets(&query).await?;
            assets.extend(page.items);
            match page.next_cursor {
                Some(cursor) => query.cursor = Some(cursor),
                None => break,
            }
        }
    }
    Ok(assets)
}

/// Every audit event of `user` within `scope`, newest first.
async fn audit_of(
    catalog: &Catalog,
    user: UserId,
    scope: Scope,
) -> Result<Vec<AuditEvent>, AppError> {
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
        let page = catalog.store.audit_events(&filter).await?;
        let full = page.len() == PAGE as usize;
        filter.before = page.last().map(|e| e.id);
        events.extend(page);
        if !full {
            return Ok(events);
        }
    }
}
