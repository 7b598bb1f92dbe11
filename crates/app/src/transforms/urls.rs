//! Transform URLs: `/img/{asset}/{rev}/{ops}/{name}.{ext}`, the content revision that lets
//! them be cached forever, and minting (signed) ones for callers of the API.

use medialib_core::access::Principal;
use medialib_core::transform::{OpsSegment, RequestedFormat, TransformOps};
use medialib_core::{AppError, Asset, AssetId, ErrorCode, Timestamp};
use sha2::Digest;

use crate::Catalog;
use crate::signing::Signer;

/// The content revision of an asset's picture: 10 hex characters that change whenever
/// what its transforms show changes: its original, or its focal point (edits later).
pub fn revision(asset: &Asset) -> String {
    let source = match asset.focal_point {
        None => format!("rev1|{}", asset.sha256),
        Some(p) => format!("rev1|{}|{:.3}:{:.3}", asset.sha256, p.x, p.y),
    };
    hex::encode(&sha2::Sha256::digest(source.as_bytes())[..5])
}

/// The path of a transform of `asset`: `/img/{id}/{rev}/{segment}/{name}.{ext}`, where
/// `segment` is canonical ops or `p_NAME` and `name` the original's file name stem, kept
/// to URL-safe ASCII.
pub fn path(asset: &Asset, segment: &str, format: RequestedFormat) -> String {
    format!(
        "/img/{}/{}/{segment}/{}.{}",
        asset.id,
        revision(asset),
        url_name(&asset.original_filename),
        format.extension()
    )
}

/// The stem of `filename` in `A-Z a-z 0-9 - _`, other runs of characters as one `-`, at
/// most 64 characters; `image` when nothing is left.
fn url_name(filename: &str) -> String {
    let stem = crate::ingest::filename::stem(filename);
    let mut name = String::new();
    for c in stem.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            name.push(c);
        } else if !name.ends_with('-') {
            name.push('-');
        }
        if name.len() >= 64 {
            break;
        }
    }
    let name = name.trim_matches('-');
    if name.is_empty() {
        "image".into()
    } else {
        name.to_owned()
    }
}

/// The canonical ops segment: `p_NAME` for a preset, the ops' canonical form otherwise.
pub fn canonical_segment(segment: &OpsSegment) -> String {
    match segment {
        OpsSegment::Preset(name) => format!("p_{name}"),
        OpsSegment::Ops(ops) => ops.to_string(),
    }
}

/// A preset's ops. Errors: `not_found` for a preset that is not configured.
pub fn preset_ops(catalog: &Catalog, name: &str) -> Result<TransformOps, AppError> {
    catalog
        .settings
        .transforms
        .preset(name)
        .ok_or_else(|| AppError::not_found(format!("transform preset {name:?}")))
}

/// A transform URL that works for anyone, and when it stops working.
#[derive(Debug, Clone)]
pub struct Signed {
    /// The root-relative URL: path and, when signed, `?s=…[&exp=…]`.
    pub url: String,
    /// When it expires; `None` when it does not.
    pub expires_at: Option<Timestamp>,
}

/// The URL of `segment` (canonical ops or `p_NAME`; `preset` says which) of `asset` in
/// `format`: signed when `transforms.unsigned` needs it or the asset is private, expiring
/// after `ttl` seconds when given (a private asset's after `signing.default_ttl_seconds`
/// otherwise).
pub fn signed(
    catalog: &Catalog,
    signer: &Signer,
    asset: &Asset,
    segment: &str,
    preset: bool,
    format: RequestedFormat,
    ttl: Option<u64>,
) -> Signed {
    let path = path(asset, segment, format);
    let open = super::access::unsigned_allowed(&catalog.settings.transforms, preset);
    let default_ttl = catalog.settings.signing.default_ttl_seconds;
    let ttl = ttl.or((!asset.is_public).then_some(default_ttl));
    let expires_at = ttl.map(crate::signing::expiry);
    let url = if asset.is_public && open && expires_at.is_none() {
        path
    } else {
        let query = signer.sign_transform(&path, expires_at.map(|t| t.unix_timestamp()));
        format!("{path}?{query}")
    };
    Signed { url, expires_at }
}

/// A minted transform URL.
#[derive(Debug, Clone)]
pub struct Minted {
    /// The root-relative URL: path and, when signed, `?s=…[&exp=…]`.
    pub url: String,
    /// The ops segment as it appears in the URL (canonical ops, or `p_NAME`).
    pub canonical_ops: String,
    /// When the URL stops working; `None` when it does not expire.
    pub expires_at: Option<Timestamp>,
}

/// A URL for a transform of asset `id` that works for anyone: signed when the policy
/// needs it for these ops or the asset is private (then expiring after `ttl` seconds, by
/// default `signing.default_ttl_seconds`), and expiring after `ttl` when one is given.
///
/// Errors: `not_found` for an asset the caller cannot see or in the trash, or an unknown
/// preset; `invalid_request` (422) naming the op or format that is wrong, or a `ttl` out
/// of range.
pub async fn mint(
    catalog: &Catalog,
    signer: &Signer,
    caller: &Principal,
    id: AssetId,
    ops: &str,
    format: &str,
    ttl: Option<u64>,
) -> Result<Minted, AppError> {
    let asset = crate::assets::get(catalog, caller, id).await?;
    if asset.deleted_at.is_some() {
        return Err(AppError::not_found(format!(
            "asset {id} (it is in the trash)"
        )));
    }
    let invalid = |e: medialib_core::transform::OpError| {
        AppError::new(ErrorCode::InvalidRequest, format!("ops {e}"))
    };
    let segment = OpsSegment::parse(ops).map_err(invalid)?;
    if let OpsSegment::Preset(name) = &segment {
        preset_ops(catalog, name)?;
    }
    let format = RequestedFormat::parse(format)
        .map_err(|e| AppError::new(ErrorCode::InvalidRequest, format!("format {e}")))?;
    let ttl = crate::signed_urls::check_ttl(catalog, ttl)?;
    let canonical_ops = canonical_segment(&segment);
    let preset = matches!(segment, OpsSegment::Preset(_));
    let Signed { url, expires_at } =
        signed(catalog, signer, &asset, &canonical_ops, preset, format, ttl);
    Ok(Minted {
        url,
        canonical_ops,
        expires_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_url_safe() {
        assert_eq!(url_name("Holiday photo (1).JPG"), "Holiday-photo-1");
        assert_eq!(url_name("naïve.png"), "na-ve");
        assert_eq!(url_name("....png"), "image");
        assert_eq!(url_name(&"a".repeat(100)).len(), 64);
    }
}
