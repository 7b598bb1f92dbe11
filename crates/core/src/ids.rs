//! Identifiers and content hashes.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

/// Error returned when an identifier or hash does not parse.
#[derive(Debug, thiserror::Error)]
#[error("invalid {what}: {value:?}")]
pub struct ParseIdError {
    what: &'static str,
    value: String,
}

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new time-ordered (UUIDv7) identifier, so ids sort by creation time.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = ParseIdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self).map_err(|_| ParseIdError {
                    what: $what,
                    value: s.chars().take(64).collect(),
                })
            }
        }
    };
}

uuid_id!(
    /// Identifies an asset: a UUIDv7 string such as `0193…` in URLs and JSON.
    AssetId,
    "asset id"
);
uuid_id!(
    /// Identifies a background job (UUIDv7).
    JobId,
    "job id"
);

uuid_id!(
    /// Identifies a resumable upload session (UUIDv7): the last segment of its URL.
    UploadId,
    "upload id"
);

/// Identifies a namespace (workspace, tenant). The embedded default has one, id 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NamespaceId(pub i64);

/// Identifies a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UserId(pub i64);

/// A SHA-256 digest (32 bytes), shown as 64 lower-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sha256(pub [u8; 32]);

impl fmt::Display for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256({self})")
    }
}

impl FromStr for Sha256 {
    type Err = ParseIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out).map_err(|_| ParseIdError {
            what: "sha256",
            value: s.chars().take(64).collect(),
        })?;
        Ok(Self(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_round_trips_through_hex() {
        let hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let sha: Sha256 = hex.parse().unwrap();
        assert_eq!(sha.to_string(), hex);
        assert!("xyz".parse::<Sha256>().is_err());
    }

    #[test]
    fn asset_ids_sort_by_creation() {
        let a = AssetId::new();
        let b = AssetId::new();
        assert!(a < b);
        assert_eq!(a.to_string().parse::<AssetId>().unwrap(), a);
        assert!("../etc".parse::<AssetId>().is_err());
    }
}
