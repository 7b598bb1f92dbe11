//! Who may do what: roles in a namespace, token scopes, and the principal a request acts
//! as.
//!
//! A request is allowed an action when both its role and its token's scopes allow it:
//!
//! | access | least role | scope |
//! |---|---|---|
//! | [`Access::Read`]: see assets, search, tags, collections, analytics | viewer | `read` |
//! | [`Access::Write`]: upload; tag and collect any asset; change one's own assets (an admin: anyone's) | editor | `write` |
//! | [`Access::Admin`]: members, the audit log | admin | `admin` |
//!
//! The instance owner is an admin in every namespace. Another namespace's resources do
//! not exist for a principal (404), so their existence does not leak; an action its role
//! or scopes do not allow on what it can see answers 403.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{Asset, NamespaceId, UserId};

/// A user's role in one namespace, from least to most able.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads.
    Viewer,
    /// Reads, uploads, tags and collects any asset, edits and deletes their own.
    Editor,
    /// Everything in the namespace, members included.
    Admin,
}

impl Role {
    /// Every role, from least to most able.
    pub const ALL: &'static [Self] = &[Self::Viewer, Self::Editor, Self::Admin];

    /// The stored and displayed name: `viewer`, `editor` or `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Editor => "editor",
            Self::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "viewer" => Ok(Self::Viewer),
            "editor" => Ok(Self::Editor),
            "admin" => Ok(Self::Admin),
            other => Err(format!(
                "unknown role {other:?}: expected viewer, editor or admin"
            )),
        }
    }
}

/// What an action needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Access {
    /// Reading.
    Read,
    /// Changing media (the caller's own, or organising any).
    Write,
    /// Administering the namespace.
    Admin,
}

impl Access {
    fn least_role(self) -> Role {
        match self {
            Self::Read => Role::Viewer,
            Self::Write => Role::Editor,
            Self::Admin => Role::Admin,
        }
    }
}

/// A token's scopes: the accesses it may use, at most what its user's role allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scopes {
    /// `read`
    pub read: bool,
    /// `write`
    pub write: bool,
    /// `admin`
    pub admin: bool,
}

impl Scopes {
    /// Every scope.
    pub const ALL: Self = Self {
        read: true,
        write: true,
        admin: true,
    };

    /// Whether the scopes include `access`.
    pub fn includes(self, access: Access) -> bool {
        match access {
            Access::Read => self.read,
            Access::Write => self.write,
            Access::Admin => self.admin,
        }
    }
}

impl fmt::Display for Scopes {
    /// Comma-separated, in the order `read,write,admin`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = [
            (self.read, "read"),
            (self.write, "write"),
            (self.admin, "admin"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect();
        f.write_str(&names.join(","))
    }
}

impl FromStr for Scopes {
    type Err = String;
    /// Parses `read,write,admin` (any order, at least one).
    fn from_str(s: &str) -> Result<Self, String> {
        let mut scopes = Self::default();
        for name in s.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match name {
                "read" => scopes.read = true,
                "write" => scopes.write = true,
                "admin" => scopes.admin = true,
                other => {
                    return Err(format!(
                        "unknown scope {other:?}: expected read, write or admin"
                    ));
                }
            }
        }
        if scopes == Self::default() {
            return Err("name at least one scope: read, write or admin".into());
        }
        Ok(scopes)
    }
}

/// The caller behind a request: a user acting in one namespace with a role there, through
/// a token with scopes.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The user.
    pub user: UserId,
    /// The namespace the request acts in.
    pub namespace: NamespaceId,
    /// The user's role there (admin for the instance owner).
    pub role: Role,
    /// The token's scopes.
    pub scopes: Scopes,
}

impl Principal {
    /// Whether both the role and the scopes allow `access`.
    pub fn allows(&self, access: Access) -> bool {
        self.scopes.includes(access) && self.role >= access.least_role()
    }

    /// Whether the caller may edit, delete or restore `asset` (of its namespace): with
    /// the `write` scope, an admin any asset, an editor the assets they uploaded.
    pub fn may_change(&self, asset: &Asset) -> bool {
        self.allows(Access::Write)
            && (self.role == Role::Admin || asset.uploaded_by == Some(self.user))
    }
}
