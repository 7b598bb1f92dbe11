//! JSON shapes of analytics reports.

use medialib_core::store::StorageReport;
use serde::Serialize;
use utoipa::ToSchema;

use super::AssetDto;

/// Storage of one kind of asset.
#[derive(Serialize, ToSchema)]
pub struct KindStorageDto {
    /// `image`, `video`, …
    pub kind: &'static str,
    /// Live assets.
    pub assets: u64,
    /// Their originals, in bytes.
    pub bytes: u64,
    /// Their variants and renditions, in bytes.
    pub variant_bytes: u64,
}

/// Storage of one namespace.
#[derive(Serialize, ToSchema)]
pub struct NamespaceStorageDto {
    /// Namespace slug.
    pub namespace: String,
    /// Live assets.
    pub assets: u64,
    /// Stored originals (deduplicated, trash included), in bytes.
    pub blob_bytes: u64,
}

/// Assets in the trash.
#[derive(Serialize, ToSchema)]
pub struct TrashDto {
    /// Soft-deleted assets waiting for the purge.
    pub assets: u64,
    /// Their originals, in bytes.
    pub bytes: u64,
}

/// `GET /api/v1/analytics/storage`.
#[derive(Serialize, ToSchema)]
pub struct StorageDto {
    /// Per kind, in the caller's namespace.
    pub by_kind: Vec<KindStorageDto>,
    /// The caller's namespace's trash.
    pub trash: TrashDto,
    /// Per namespace, instance-wide; empty unless the caller is the instance owner.
    pub by_namespace: Vec<NamespaceStorageDto>,
}

impl From<StorageReport> for StorageDto {
    fn from(r: StorageReport) -> Self {
        Self {
            by_kind: r
                .by_kind
                .into_iter()
                .map(|k| KindStorageDto {
                    kind: k.kind.as_str(),
                    assets: k.assets,
                    bytes: k.bytes,
                    variant_bytes: k.variant_bytes,
                })
                .collect(),
            trash: TrashDto {
                assets: r.trash.0,
                bytes: r.trash.1,
            },
            by_namespace: r
                .by_namespace
                .into_iter()
                .map(|n| NamespaceStorageDto {
                    namespace: n.namespace,
                    assets: n.assets,
                    blob_bytes: n.blob_bytes,
                })
                .collect(),
        }
    }
}

/// Uploads on one day (UTC).
#[derive(Serialize, ToSchema)]
pub struct DayDto {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Assets uploaded.
    pub assets: u64,
    /// Their originals, in bytes.
    pub bytes: u64,
}

impl DayDto {
    /// A day given as days since the epoch.
    pub fn new(day: i64, assets: u64, bytes: u64) -> Self {
        let date = time::OffsetDateTime::from_unix_timestamp(day * 86_400)
            .map(|t| t.date().to_string())
            .unwrap_or_default();
        Self {
            date,
            assets,
            bytes,
        }
    }
}

/// A much-delivered asset.
#[derive(Serialize, ToSchema)]
pub struct TopAssetDto {
    /// Responses with a body in the period (original and variants).
    pub views: u64,
    /// Body bytes sent in the period.
    pub bytes: u64,
    /// The asset.
    pub asset: AssetDto,
}
