//! Derivatives: the stored results of on-the-fly transforms, one record per rendered file.

use crate::{AssetId, OutputFormat, Sha256, Timestamp};

/// Bumped whenever the transform pipeline's output changes for the same ops (a new resize
/// filter, encoder settings), so old results are not served for new URLs.
pub const PIPELINE_VERSION: u32 = 1;

/// One rendered transform result, stored once as a blob and kept as a record.
#[derive(Debug, Clone, PartialEq)]
pub struct Derivative {
    /// The asset it was rendered from.
    pub asset_id: AssetId,
    /// Hex SHA-256 (32 characters kept) of the source's SHA-256, the resolved canonical
    /// ops, the format and [`PIPELINE_VERSION`]: what the result depends on.
    pub cache_key: String,
    /// The resolved canonical ops (a preset's own ops, the focal point in place of `g_auto`).
    pub ops: String,
    /// The encoding.
    pub format: OutputFormat,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the bytes, sent as the ETag.
    pub sha256: Sha256,
    /// Where the bytes are: `derivatives/{asset}/{cache_key}.{ext}`.
    pub storage_key: String,
    /// When it was rendered.
    pub created_at: Timestamp,
    /// When it was last requested (written in batches, so up to a minute behind).
    pub last_access_at: Timestamp,
}
