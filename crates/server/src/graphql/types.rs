//! The GraphQL object types other than assets: tags, collections, variants, jobs, usage
//! and the caller. Each wraps a domain record and renders it as the REST API does
//! (RFC 3339 times, the same enum strings in upper case, the same URLs).

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use medialib_app::organise;
use medialib_core::organise::{AssetTag, Collection, Tag, Usage};
use medialib_core::{AssetKind, AssetStatus, Job, JobStatus, Variant};

use super::asset::AssetNode;
use super::errors::field_error;
use super::{principal, state};
use crate::dto::{rfc3339, variant_path};
use crate::state::Urls;

/// What an asset is.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "AssetKind")]
pub(crate) enum Kind {
    Image,
    Video,
    Audio,
    Document,
    #[graphql(name = "MODEL3D")]
    Model3d,
}

impl Kind {
    pub(crate) fn of(kind: AssetKind) -> Self {
        match kind {
            AssetKind::Image => Self::Image,
            AssetKind::Video => Self::Video,
            AssetKind::Audio => Self::Audio,
            AssetKind::Model3d => Self::Model3d,
            _ => Self::Document,
        }
    }

    pub(crate) fn domain(self) -> AssetKind {
        match self {
            Self::Image => AssetKind::Image,
            Self::Video => AssetKind::Video,
            Self::Audio => AssetKind::Audio,
            Self::Document => AssetKind::Document,
            Self::Model3d => AssetKind::Model3d,
        }
    }
}

/// Where an asset is in its life: processing after upload, then ready or failed.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "AssetStatus")]
pub(crate) enum Status {
    Processing,
    Ready,
    Failed,
}

impl Status {
    pub(crate) fn of(status: AssetStatus) -> Self {
        match status {
            AssetStatus::Processing => Self::Processing,
            AssetStatus::Ready => Self::Ready,
            AssetStatus::Failed => Self::Failed,
        }
    }

    pub(crate) fn domain(self) -> AssetStatus {
        match self {
            Self::Processing => AssetStatus::Processing,
            Self::Ready => AssetStatus::Ready,
            Self::Failed => AssetStatus::Failed,
        }
    }
}

/// A tag of the namespace, with how many live assets carry it.
pub(crate) struct TagNode(pub Tag);

#[Object(name = "Tag")]
impl TagNode {
    async fn id(&self) -> ID {
        ID(self.0.id.0.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// URL-safe key, unique in the namespace.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// `#rrggbb`.
    async fn color(&self) -> Option<&str> {
        self.0.color.as_deref()
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Live assets carrying it.
    async fn asset_count(&self) -> u64 {
        self.0.asset_count
    }
}

/// A tag on one asset: who put it there, and how sure an analyser was.
pub(crate) struct AssetTagNode(pub AssetTag);

#[Object(name = "AssetTag")]
impl AssetTagNode {
    async fn id(&self) -> ID {
        ID(self.0.tag.0.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn color(&self) -> Option<&str> {
        self.0.color.as_deref()
    }
    /// `user`, `auto` or `exif`.
    async fn source(&self) -> &'static str {
        self.0.source.as_str()
    }
    /// 0–1, for automatic tags.
    async fn confidence(&self) -> Option<f64> {
        self.0.confidence
    }
}

/// An ordered set of assets.
pub(crate) struct CollectionNode(pub Collection);

#[Object(name = "Collection")]
impl CollectionNode {
    async fn id(&self) -> ID {
        ID(self.0.id.0.to_string())
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Free-form kind, `folder` by default.
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    async fn color(&self) -> Option<&str> {
        self.0.color.as_deref()
    }
    async fn is_public(&self) -> bool {
        self.0.is_public
    }
    /// The watermark every transform of its public assets carries.
    async fn watermark(&self) -> Option<&str> {
        self.0.watermark.as_deref()
    }
    /// Live assets in it.
    async fn item_count(&self) -> u64 {
        self.0.item_count
    }
    /// Bytes of their originals.
    async fn total_bytes(&self) -> u64 {
        self.0.total_bytes
    }
    async fn created_at(&self) -> String {
        rfc3339(self.0.created_at)
    }
    /// Its assets in their order, `first` of them from `offset`.
    #[graphql(complexity = "first.max(1) as usize * child_complexity")]
    async fn assets(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20, validator(minimum = 1, maximum = 100))] first: i32,
        #[graphql(default)] offset: u32,
    ) -> Result<Vec<AssetNode>> {
        let catalog = &state(ctx).catalog;
        let page =
            organise::collections::items(catalog, principal(ctx), self.0.id, offset, first as u32)
                .await
                .map_err(field_error)?;
        Ok(page
            .items
            .into_iter()
            .map(|(_, asset)| AssetNode::of(asset))
            .collect())
    }
}

/// A stored variant (a picture or a data file) or a rendition (video, audio).
#[derive(SimpleObject)]
#[graphql(name = "Variant")]
pub(crate) struct VariantNode {
    /// Spec or profile name (`thumbnail`, `mp4_720p`, …).
    name: String,
    /// `jpeg`, `webp`, `png`, `avif`, `json`, `mp4`, `webm`, `m4a` or `mp3`.
    format: &'static str,
    /// The `Content-Type` it is delivered with.
    mime: &'static str,
    /// Pixels.
    width: Option<u32>,
    /// Pixels.
    height: Option<u32>,
    /// Seconds (renditions).
    duration_s: Option<f64>,
    /// Encoded size in bytes.
    byte_size: u64,
    /// Delivery URL (private assets' need a credential or a signed URL).
    url: String,
}

impl VariantNode {
    pub(crate) fn new(urls: &Urls, v: &Variant) -> Self {
        Self {
            name: v.name.clone(),
            format: v.format.as_str(),
            mime: v.format.mime(),
            width: v.width,
            height: v.height,
            duration_s: v.duration_s,
            byte_size: v.size,
            url: urls.url(&variant_path(v)),
        }
    }
}

/// Placeholders to show while the picture loads.
#[derive(SimpleObject)]
pub(crate) struct Placeholder {
    /// BlurHash.
    pub blurhash: String,
    /// ThumbHash, base64.
    pub thumbhash: String,
    /// `#rrggbb`.
    pub dominant_color: String,
}

/// Where the subject is: fractions of the upright picture from its top-left corner.
#[derive(SimpleObject)]
pub(crate) struct FocalPoint {
    /// 0–1 from the left.
    pub x: f64,
    /// 0–1 from the top.
    pub y: f64,
}

/// Where an asset is used: a page, a product, an article.
pub(crate) struct UsageNode(pub Usage);

#[Object(name = "Usage")]
impl UsageNode {
    async fn entity_type(&self) -> &str {
        &self.0.usage.entity_type
    }
    async fn entity_id(&self) -> &str {
        &self.0.usage.entity_id
    }
    /// `hero`, `gallery`, … free-form.
    async fn usage_type(&self) -> &str {
        &self.0.usage.usage_type
    }
    async fn created_at(&self) -> String {
        rfc3339(self.0.created_at)
    }
    async fn last_used_at(&self) -> String {
        rfc3339(self.0.last_used_at)
    }
}

/// A job's state.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "JobStatus")]
pub(crate) enum JobState {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

/// A background job: processing after upload, or a transcode.
pub(crate) struct JobNode(pub Job);

#[Object(name = "Job")]
impl JobNode {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// `process_image`, …, `transcode`, `analyse`.
    async fn kind(&self) -> &'static str {
        self.0.payload.kind().as_str()
    }
    /// The transcode profile (`transcode` jobs), or the analysers an `analyse` job runs
    /// when it names some (`places,facts`).
    async fn profile(&self) -> Option<String> {
        self.0.payload.profile()
    }
    async fn status(&self) -> JobState {
        match self.0.status {
            JobStatus::Queued => JobState::Queued,
            JobStatus::Running => JobState::Running,
            JobStatus::Succeeded => JobState::Succeeded,
            JobStatus::Failed => JobState::Failed,
            JobStatus::Cancelled => JobState::Cancelled,
        }
    }
    /// 0–100.
    async fn progress(&self) -> u8 {
        self.0.progress
    }
    async fn attempts(&self) -> u32 {
        self.0.attempts
    }
    async fn asset_id(&self) -> ID {
        ID(self.0.asset_id.to_string())
    }
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }
    async fn created_at(&self) -> String {
        rfc3339(self.0.created_at)
    }
    async fn updated_at(&self) -> String {
        rfc3339(self.0.updated_at)
    }
}

/// The caller: who they are and where they act.
#[derive(SimpleObject)]
pub(crate) struct Me {
    pub user_id: ID,
    pub name: String,
    pub email: Option<String>,
    /// The namespace the token or session acts in (its slug).
    pub namespace: String,
    /// `VIEWER`, `EDITOR` or `ADMIN` there.
    pub role: String,
    /// The token's scopes: `read`, `write`, `admin`.
    pub scopes: Vec<String>,
    pub is_owner: bool,
}
