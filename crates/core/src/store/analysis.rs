//! Analysis's contract: each analyser's latest result per asset, the automatic tags they
//! put on, and editors' reviews of those tags.

use async_trait::async_trait;

use super::StoreError;
use crate::analysis::{Analyser, Analysis, Embedding, ModerationState, SuggestedTag, TagReview};
use crate::{AssetId, JobId, Lease, NamespaceId};

/// Analysis results and automatic tags.
#[async_trait]
pub trait AnalysisStore {
    /// Records an analysis run under `lease`, in one transaction: each result replaces its
    /// analyser's previous one; the asset's automatic tags become `tags`, except the ones
    /// an editor rejected and the ones it already carries from another source; its
    /// picture's embedding becomes `embedding` when given; its moderation state becomes
    /// `moderation` when given (a held or rejected asset becomes private, a rejected one
    /// fails with [`REJECTED`](crate::analysis::moderation::REJECTED), one rejected before
    /// and no longer is ready again); the job succeeds. `false`, recording nothing, when
    /// the lease no longer holds.
    async fn record_analysis(
        &self,
        lease: Lease,
        results: &[Analysis],
        tags: &[SuggestedTag],
        embedding: Option<&Embedding>,
        moderation: Option<ModerationState>,
    ) -> Result<bool, StoreError>;

    /// Takes one request from `namespace`'s budget for the remote vision API in `month`
    /// (`2026-12`): `true` when fewer than `max` were taken there this month (and counts
    /// it), `false` when the budget is spent.
    async fn take_remote_request(
        &self,
        namespace: NamespaceId,
        month: &str,
        max: u32,
    ) -> Result<bool, StoreError>;

    /// An admin clears a flagged, held or rejected asset: it becomes `cleared` (later
    /// scores leave it alone), loses the flag tag, and a rejected one is ready again.
    /// `false` when the asset is in none of those states (or not live).
    async fn clear_moderation(&self, asset: AssetId) -> Result<bool, StoreError>;

    /// The embeddings of the namespace's live assets, in asset id order.
    async fn embeddings(
        &self,
        namespace: NamespaceId,
    ) -> Result<Vec<(AssetId, Embedding)>, StoreError>;

    /// How many embeddings the namespace's assets have and when the newest was written
    /// (milliseconds since the epoch, 0 for none): a cache of [`embeddings`](Self::embeddings)
    /// is stale when this changes.
    async fn embeddings_version(&self, namespace: NamespaceId) -> Result<(u64, i64), StoreError>;

    /// Every analyser's latest result on `asset`, in analyser order.
    async fn analyses(&self, asset: AssetId) -> Result<Vec<Analysis>, StoreError>;

    /// Queues an `analyse` job running `analysers` (every enabled one when empty) on each
    /// live asset of `assets`, in one transaction, unless one is already waiting for it.
    /// Returns the jobs queued.
    async fn queue_analyses(
        &self,
        assets: &[AssetId],
        analysers: &[Analyser],
        max_attempts: u32,
    ) -> Result<Vec<JobId>, StoreError>;

    /// Up to `limit` ready, live assets that have a picture or facts to analyse (every
    /// kind but `other`), in id order after `after`; with `missing`, only those with no
    /// analysis result yet. Backfills page through a library with it.
    async fn assets_to_analyse(
        &self,
        missing: bool,
        after: Option<AssetId>,
        limit: u32,
    ) -> Result<Vec<AssetId>, StoreError>;

    /// Accepts or rejects the automatic tag `slug` on `asset` (see [`TagReview`]). `false`
    /// when the asset carries no automatic tag with that slug.
    async fn review_tag(
        &self,
        asset: AssetId,
        slug: &str,
        review: TagReview,
    ) -> Result<bool, StoreError>;
}
