//! Tenants in GraphQL: namespaces and user accounts, with the REST admin API's rules
//! (`medialib_app::access::namespaces` and `accounts`).

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};
use medialib_app::access::accounts::{self, NewUser, UserUpdate};
use medialib_app::access::namespaces::{self, NewNamespace};
use medialib_core::access::Role;
use medialib_core::store::{Namespace, NamespaceChange, User};
use medialib_core::{AppError, UserId};

use super::errors::{UserError, field_error, user_errors};
use super::{audit, principal, state};
use crate::dto::rfc3339;

/// A namespace (workspace) and its quotas.
#[derive(SimpleObject)]
#[graphql(name = "Namespace")]
pub(crate) struct NamespaceNode {
    id: ID,
    slug: String,
    name: String,
    /// Bytes of originals; `null` follows the server's default.
    quota_bytes: Option<u64>,
    quota_assets: Option<u64>,
    /// Days after which media used nowhere and not viewed goes to the trash; 0 is off.
    retention_days: Option<u32>,
    created_at: String,
}

impl From<Namespace> for NamespaceNode {
    fn from(n: Namespace) -> Self {
        Self {
            id: ID(n.id.0.to_string()),
            slug: n.slug,
            name: n.name,
            quota_bytes: n.quota_bytes,
            quota_assets: n.quota_assets,
            retention_days: n.retention_days,
            created_at: rfc3339(n.created_at),
        }
    }
}

/// A user account.
#[derive(SimpleObject)]
#[graphql(name = "User")]
pub(crate) struct UserNode {
    id: ID,
    name: String,
    email: Option<String>,
    is_owner: bool,
    has_password: bool,
    /// Set while disabled: the user's tokens, sessions and password do not work.
    disabled_at: Option<String>,
    anonymized_at: Option<String>,
    created_at: String,
}

impl From<User> for UserNode {
    fn from(u: User) -> Self {
        Self {
            id: ID(u.id.0.to_string()),
            name: u.name,
            email: u.email,
            is_owner: u.is_owner,
            has_password: u.has_password,
            disabled_at: u.disabled_at.map(rfc3339),
            anonymized_at: u.anonymized_at.map(rfc3339),
            created_at: rfc3339(u.created_at),
        }
    }
}

/// The namespace a mutation made or changed.
#[derive(SimpleObject, Default)]
pub(crate) struct NamespacePayload {
    namespace: Option<NamespaceNode>,
    /// For deletions: whether it is gone.
    deleted: bool,
    user_errors: Vec<UserError>,
}

/// The user a mutation made or changed.
#[derive(SimpleObject, Default)]
pub(crate) struct UserPayload {
    user: Option<UserNode>,
    /// For deletions: whether their personal data is erased.
    deleted: bool,
    user_errors: Vec<UserError>,
}

/// A new namespace.
#[derive(InputObject)]
pub(crate) struct NamespaceCreateInput {
    slug: String,
    name: Option<String>,
    quota_bytes: Option<u64>,
    quota_assets: Option<u64>,
    retention_days: Option<u32>,
}

/// What `namespaceUpdate` changes; `null` returns a quota or the retention to the default.
#[derive(InputObject)]
pub(crate) struct NamespaceUpdateInput {
    name: Option<String>,
    quota_bytes: MaybeUndefined<u64>,
    quota_assets: MaybeUndefined<u64>,
    retention_days: MaybeUndefined<u32>,
}

/// A new user.
#[derive(InputObject)]
pub(crate) struct UserCreateInput {
    name: String,
    email: Option<String>,
    password: Option<String>,
    /// `viewer`, `editor` or `admin` in the caller's namespace.
    role: Option<String>,
}

/// What `userUpdate` changes; `null` removes the email or the password.
#[derive(InputObject)]
pub(crate) struct UserUpdateInput {
    name: Option<String>,
    email: MaybeUndefined<String>,
    disabled: Option<bool>,
    password: MaybeUndefined<String>,
}

fn maybe<T>(value: MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

fn user_id(id: &ID) -> Result<UserId, AppError> {
    id.parse::<i64>()
        .map(UserId)
        .map_err(|_| AppError::not_found(format!("user {:?}", id.0)))
}

/// The tenant queries.
#[derive(Default)]
pub(crate) struct AdminQuery;

#[Object]
impl AdminQuery {
    /// Every namespace for the instance owner, their own for a namespace admin.
    async fn namespaces(&self, ctx: &Context<'_>) -> Result<Vec<NamespaceNode>> {
        let all = namespaces::list(&state(ctx).catalog, principal(ctx)).await;
        Ok(all
            .map_err(field_error)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Every user for the instance owner, the namespace's members for its admins.
    async fn users(&self, ctx: &Context<'_>) -> Result<Vec<UserNode>> {
        let all = accounts::list(&state(ctx).catalog, principal(ctx)).await;
        Ok(all
            .map_err(field_error)?
            .into_iter()
            .map(Into::into)
            .collect())
    }
}

/// The tenant mutations.
#[derive(Default)]
pub(crate) struct AdminMutation;

#[Object]
impl AdminMutation {
    /// Creates a namespace (the instance owner only).
    async fn namespace_create(
        &self,
        ctx: &Context<'_>,
        input: NamespaceCreateInput,
    ) -> Result<NamespacePayload> {
        let new = NewNamespace {
            slug: input.slug,
            name: input.name,
            quota_bytes: input.quota_bytes,
            quota_assets: input.quota_assets,
            retention_days: input.retention_days,
        };
        let outcome = namespaces::create(&state(ctx).catalog, principal(ctx), new).await;
        let target = outcome.as_ref().map_or(String::new(), |n| n.slug.clone());
        namespace_payload(ctx, "namespaceCreate", &target, outcome).await
    }

    /// Changes a namespace: its name and retention (its admins), its quotas (the owner).
    async fn namespace_update(
        &self,
        ctx: &Context<'_>,
        slug: String,
        input: NamespaceUpdateInput,
    ) -> Result<NamespacePayload> {
        let change = NamespaceChange {
            name: input.name,
            quota_bytes: maybe(input.quota_bytes),
            quota_assets: maybe(input.quota_assets),
            retention_days: maybe(input.retention_days),
            // Set through REST (`PATCH /api/v1/namespaces/{slug}`) for now.
            moderation: None,
        };
        let outcome = namespaces::update(&state(ctx).catalog, principal(ctx), &slug, change).await;
        namespace_payload(ctx, "namespaceUpdate", &slug, outcome).await
    }

    /// Deletes a namespace (the instance owner only); one holding media or uploads is
    /// refused (`namespace_not_empty`) unless `purge`.
    async fn namespace_delete(
        &self,
        ctx: &Context<'_>,
        slug: String,
        #[graphql(default)] purge: bool,
    ) -> Result<NamespacePayload> {
        let state = state(ctx);
        let outcome =
            namespaces::delete(&state.catalog, &state.uploads, principal(ctx), &slug, purge).await;
        audit(ctx, "namespaceDelete", &slug, &outcome).await;
        Ok(match user_errors(&["slug"], outcome)? {
            Ok(_) => NamespacePayload {
                deleted: true,
                ..NamespacePayload::default()
            },
            Err(user_errors) => NamespacePayload {
                user_errors,
                ..NamespacePayload::default()
            },
        })
    }

    /// Creates a user; a namespace admin's joins their namespace.
    async fn user_create(&self, ctx: &Context<'_>, input: UserCreateInput) -> Result<UserPayload> {
        let outcome = async {
            let role = input
                .role
                .map(|r| r.parse::<Role>())
                .transpose()
                .map_err(AppError::invalid)?;
            let new = NewUser {
                name: input.name,
                email: input.email,
                password: input.password,
                role,
            };
            accounts::create(&state(ctx).catalog, principal(ctx), new).await
        }
        .await;
        let target = outcome
            .as_ref()
            .map_or(String::new(), |u| u.id.0.to_string());
        user_payload(ctx, "userCreate", &target, outcome).await
    }

    /// Changes a user: name, email, password (themself or the owner), disabled.
    async fn user_update(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UserUpdateInput,
    ) -> Result<UserPayload> {
        let update = UserUpdate {
            name: input.name,
            email: maybe(input.email),
            disabled: input.disabled,
            password: maybe(input.password),
        };
        let outcome = async {
            accounts::update(&state(ctx).catalog, principal(ctx), user_id(&id)?, update).await
        }
        .await;
        user_payload(ctx, "userUpdate", &id.0, outcome).await
    }

    /// Erases a user's personal data (as REST's `DELETE /users/{id}`); assets stay.
    async fn user_delete(&self, ctx: &Context<'_>, id: ID) -> Result<UserPayload> {
        let outcome = async {
            medialib_app::access::users::anonymize(
                &state(ctx).catalog,
                principal(ctx),
                user_id(&id)?,
            )
            .await
        }
        .await;
        audit(ctx, "userDelete", &id.0, &outcome).await;
        Ok(match user_errors(&["id"], outcome)? {
            Ok(user) => UserPayload {
                user: Some(user.into()),
                deleted: true,
                user_errors: Vec::new(),
            },
            Err(user_errors) => UserPayload {
                user_errors,
                ..UserPayload::default()
            },
        })
    }
}

async fn namespace_payload(
    ctx: &Context<'_>,
    name: &str,
    target: &str,
    outcome: Result<Namespace, AppError>,
) -> Result<NamespacePayload> {
    audit(ctx, name, target, &outcome).await;
    Ok(match user_errors(&["input"], outcome)? {
        Ok(namespace) => NamespacePayload {
            namespace: Some(namespace.into()),
            ..NamespacePayload::default()
        },
        Err(user_errors) => NamespacePayload {
            user_errors,
            ..NamespacePayload::default()
        },
    })
}

async fn user_payload(
    ctx: &Context<'_>,
    name: &str,
    target: &str,
    outcome: Result<User, AppError>,
) -> Result<UserPayload> {
    audit(ctx, name, target, &outcome).await;
    Ok(match user_errors(&["input"], outcome)? {
        Ok(user) => UserPayload {
            user: Some(user.into()),
            ..UserPayload::default()
        },
        Err(user_errors) => UserPayload {
            user_errors,
            ..UserPayload::default()
        },
    })
}
