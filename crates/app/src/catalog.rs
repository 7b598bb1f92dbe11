//! The catalog: what every use case reads and writes.

use std::path::PathBuf;
use std::sync::Arc;

use medialib_core::{BlobStore, MetadataStore, Settings};
use tokio::sync::Notify;

/// The stores, the settings and this process's staging directory; cheap to clone.
#[derive(Clone)]
pub struct Catalog {
    /// Validated settings.
    pub settings: Arc<Settings>,
    /// Metadata: the source of truth for what exists.
    pub store: Arc<dyn MetadataStore>,
    /// Bytes of originals and variants.
    pub blobs: Arc<dyn BlobStore>,
    /// This process's staging directory for files in flight (see [`crate::ingest::staging`]).
    pub staging_dir: Arc<PathBuf>,
    /// Woken when a job is queued, so this process's idle workers start at once instead
    /// of polling.
    pub jobs_queued: Arc<Notify>,
    /// The namespaces' search vocabularies, for "did you mean" suggestions.
    pub vocabularies: Arc<crate::suggest::Vocabularies>,
    /// The analysers, whose models load on first use.
    pub analysers: Arc<medialib_analysis::Analysers>,
    /// The namespaces' embeddings in memory, for similar media.
    pub embeddings: Arc<crate::similar::EmbeddingIndex>,
    /// The vision API client when `analysis.remote` is set, or why it could not be made.
    pub remote_vision: Option<Arc<Result<crate::remote_vision::RemoteVision, String>>>,
}
