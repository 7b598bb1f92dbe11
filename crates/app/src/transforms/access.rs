//! Who may fetch a transform URL (DESIGN §9.3, "safe by default"): presets are open,
//! ad-hoc ops need a signature (`transforms.unsigned`), private assets a signature with an
//! expiry or a credential of their namespace; and how the answer may be cached.

use medialib_core::access::Principal;
use medialib_core::config::{TransformSettings, Unsigned};
use medialib_core::{AppError, Asset, ErrorCode};

use crate::access::authorize::can_read;
use crate::signing::{Signer, TransformSignature};

/// How a transform response may be cached, following from what let the caller in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caching {
    /// A public asset: any cache, for a year (the URL names the content revision).
    Public,
    /// A private asset fetched with a credential of its namespace: the browser only.
    Private,
    /// A signed link with an expiry: for the seconds it has left, by shared caches too
    /// when the asset is public.
    Expiring {
        /// Seconds the signature stays valid.
        left: u64,
        /// Whether the asset is public.
        public: bool,
    },
}

/// What a transform request carries to get in.
#[derive(Debug, Clone, Copy)]
pub struct Credentials<'a> {
    /// The request's path as sent, which a signature covers.
    pub path: &'a str,
    /// `s` and `exp`.
    pub signature: &'a TransformSignature,
    /// The token or session of the request, if any.
    pub caller: Option<&'a Principal>,
    /// Whether the URL names a preset (`p_NAME`) rather than ad-hoc ops.
    pub preset: bool,
}

/// Decides whether `credentials` may fetch a transform of `asset` at `now`.
///
/// A signature, when sent, is checked whoever asks and decides alone. Without one, a
/// public asset is served when `transforms.unsigned` allows the URL (presets by default),
/// and any asset to a token or session of its namespace.
///
/// Errors: 403 `invalid_signature` for a bad or missing signature, or a private asset's
/// signature without an expiry; 403 `signature_expired`; 404 `not_found` for another
/// namespace's caller asking for a private asset without a signature.
pub fn authorize(
    settings: &TransformSettings,
    signer: &Signer,
    asset: &Asset,
    credentials: Credentials<'_>,
    now: medialib_core::Timestamp,
) -> Result<Caching, AppError> {
    if credentials.signature.s.is_some() {
        return match signer.verify_transform(credentials.path, credentials.signature, now)? {
            Some(left) => Ok(Caching::Expiring {
                left,
                public: asset.is_public,
            }),
            None if asset.is_public => Ok(Caching::Public),
            None => Err(refused(
                "this picture is private, so its link must expire; ask for a new one",
            )),
        };
    }
    if asset.is_public && unsigned_allowed(settings, credentials.preset) {
        return Ok(Caching::Public);
    }
    match credentials.caller {
        Some(p) if can_read(p, asset) => Ok(if asset.is_public {
            Caching::Public
        } else {
            Caching::Private
        }),
        // Another namespace's private asset is not found, as everywhere in the API.
        Some(_) if !asset.is_public => Err(AppError::not_found("file")),
        _ if !asset.is_public => Err(refused(
            "this picture is private: its link needs a signature and an expiry \
             (POST /api/v1/assets/{id}/transform-url makes one)",
        )),
        _ => Err(refused(
            "these ops need a signed link; use a preset (p_NAME) or ask \
             POST /api/v1/assets/{id}/transform-url for a signed one",
        )),
    }
}

/// Whether `transforms.unsigned` lets a URL work without a signature: a preset's
/// (`preset`) or one of ad-hoc ops.
pub fn unsigned_allowed(settings: &TransformSettings, preset: bool) -> bool {
    match settings.unsigned {
        Unsigned::All => true,
        Unsigned::Presets => preset,
        Unsigned::None => false,
    }
}

fn refused(message: &str) -> AppError {
    AppError::new(ErrorCode::InvalidSignature, message)
}
