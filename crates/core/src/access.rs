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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AssetId, AssetKind, AssetStatus, Sha256};

    fn principal(role: Role, scopes: &str) -> Principal {
        Principal {
            user: UserId(7),
            namespace: NamespaceId(1),
            role,
            scopes: scopes.parse().unwrap(),
        }
    }

    fn asset_uploaded_by(user: Option<UserId>) -> Asset {
        let now = time::OffsetDateTime::UNIX_EPOCH;
        Asset {
            id: AssetId::new(),
            namespace: NamespaceId(1),
            kind: AssetKind::Image,
            status: AssetStatus::Ready,
            mime: "image/jpeg".into(),
            size: 1,
            sha256: Sha256([0; 32]),
            original_filename: "a.jpg".into(),
            title: "a".into(),
            description: None,
            alt_text: None,
            is_public: false,
            width: None,
            height: None,
            frame_count: None,
            duration_s: None,
            page_count: None,
            metadata: None,
            placeholder: None,
            error: None,
            taken_at: None,
            usage_count: 0,
            uploaded_by: user,
            created_at: now,
            updated_at: now,
            deleted_at: None,
            focal_point: None,
            moderation: None,
        }
    }

    #[test]
    fn roles_parse_display_and_order_by_ability() {
        for role in Role::ALL {
            assert_eq!(role.to_string().parse::<Role>(), Ok(*role));
        }
        assert!(Role::Viewer < Role::Editor && Role::Editor < Role::Admin);
        let err = "owner".parse::<Role>().unwrap_err();
        assert!(err.contains("\"owner\"") && err.contains("viewer, editor or admin"));
    }

    #[test]
    fn scopes_parse_in_any_order_and_display_in_one() {
        let scopes: Scopes = " admin, read ".parse().unwrap();
        assert_eq!(
            scopes,
            Scopes {
                read: true,
                write: false,
                admin: true
            }
        );
        assert_eq!(scopes.to_string(), "read,admin");
        assert_eq!(Scopes::ALL.to_string(), "read,write,admin");
        assert!(",,".parse::<Scopes>().unwrap_err().contains("at least one"));
        assert!(
            "read,delete"
                .parse::<Scopes>()
                .unwrap_err()
                .contains("\"delete\"")
        );
    }

    #[test]
    fn an_action_needs_both_the_role_and_the_scope() {
        // (role, scopes) → what Read, Write, Admin are allowed.
        let cases = [
            (Role::Viewer, "read,write,admin", [true, false, false]),
            (Role::Editor, "read,write,admin", [true, true, false]),
            (Role::Admin, "read,write,admin", [true, true, true]),
            (Role::Admin, "read", [true, false, false]),
            (Role::Admin, "write", [false, true, false]),
            (Role::Editor, "admin", [false, false, false]),
        ];
        for (role, scopes, expected) in cases {
            let p = principal(role, scopes);
            let got = [Access::Read, Access::Write, Access::Admin].map(|a| p.allows(a));
            assert_eq!(got, expected, "{role} with {scopes}");
        }
    }

    #[test]
    fn editors_change_their_own_assets_and_admins_any() {
        let own = asset_uploaded_by(Some(UserId(7)));
        let other = asset_uploaded_by(Some(UserId(8)));
        let imported = asset_uploaded_by(None);
        let editor = principal(Role::Editor, "read,write");
        assert!(editor.may_change(&own));
        assert!(!editor.may_change(&other) && !editor.may_change(&imported));
        let admin = principal(Role::Admin, "read,write");
        assert!(admin.may_change(&other) && admin.may_change(&imported));
        // Without the write scope not even one's own.
        assert!(!principal(Role::Admin, "read,admin").may_change(&own));
        assert!(!principal(Role::Viewer, "read,write").may_change(&own));
    }
}
