//! Seeding: no-op jobs queued through the store API, one per new image asset.

use anyhow::bail;
use futures_util::{StreamExt, TryStreamExt, stream};
use indicatif::{ProgressBar, ProgressStyle};
use medialib_core::store::{IngestRecord, NewAsset};
use medialib_core::{AssetId, AssetKind, JobId, MetadataStore, NamespaceId, Sha256};

use super::SEED_CONCURRENCY;

/// Queues `jobs` processing jobs, one per new image asset, showing a progress bar; returns
/// their ids.
pub(super) async fn seed(
    store: &dyn MetadataStore,
    jobs: u32,
    label: &str,
) -> anyhow::Result<Vec<JobId>> {
    let namespace = store.default_namespace().await?;
    // This seeding's hashes start with a fresh UUID, so a database that keeps earlier
    // runs' assets (PostgreSQL) never sees a duplicate.
    let batch = AssetId::new();
    let bar = ProgressBar::new(u64::from(jobs));
    bar.set_style(
        ProgressStyle::with_template("seed {bar:40} {pos}/{len} ({eta}) {wide_msg}")
            .expect("valid template"),
    );
    bar.set_message(label.to_owned());
    let ids = stream::iter(0..jobs)
        .map(|n| async move {
            match store.create_asset(new_asset(namespace, batch, n)).await? {
                IngestRecord::Created { job: Some(job), .. } => Ok(job),
                IngestRecord::Created { job: None, .. } => {
                    bail!("the new image asset {n} queued no processing job")
                }
                IngestRecord::Duplicate(a) => bail!("seeded asset {n} duplicates {}", a.id),
            }
        })
        .buffer_unordered(SEED_CONCURRENCY)
        .inspect(|_| bar.inc(1))
        .try_collect()
        .await;
    bar.finish_and_clear();
    ids
}

/// Asset number `n` of a seeding: an image whose hash no other asset has.
fn new_asset(namespace: NamespaceId, batch: AssetId, n: u32) -> NewAsset {
    let mut sha = [0u8; 32];
    sha[..16].copy_from_slice(batch.0.as_bytes());
    sha[16..24].copy_from_slice(b"queuebch");
    sha[28..].copy_from_slice(&n.to_be_bytes());
    let sha = Sha256(sha);
    NewAsset {
        id: AssetId::new(),
        namespace,
        kind: AssetKind::Image,
        mime: "image/jpeg".into(),
        size: 1000,
        sha256: sha,
        storage_key: format!("originals/{}/{sha}", namespace.0),
        original_filename: format!("queue_{n}.jpg"),
        title: format!("queue {n}"),
        description: None,
        alt_text: None,
        is_public: false,
        width: Some(10),
        height: Some(20),
        duration_s: None,
        uploaded_by: None,
        max_attempts: 3,
    }
}
