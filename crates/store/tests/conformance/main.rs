//! The `MetadataStore` contract, written against the trait so every backend runs the
//! same suite. Each test gets a fresh SQLite file.

use std::time::Duration;

use medialib_core::store::{
    AssetPatch, BulkAction, IngestRecord, JobOutcome, NewAsset, NewVariant, Processed,
};
use medialib_core::{
    AssetId, AssetKind, AssetStatus, Concat, ImageMetadata, JobKind, JobStatus, Metadata,
    MetadataStore, NamespaceId, OutputFormat, Placeholder, Sha256, Timestamp, UploadId,
    UploadSession, VideoMetadata,
};
use medialib_store::SqliteStore;

mod access;
mod audit;
mod sessions;

pub(crate) async fn fresh() -> (tempfile::TempDir, Box<dyn MetadataStore>) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("t.db")).await.unwrap();
    (dir, Box::new(store))
}

fn new_asset(sha_byte: u8, title: &str, size: u64) -> NewAsset {
    let sha = Sha256([sha_byte; 32]);
    NewAsset {
        id: AssetId::new(),
        namespace: NamespaceId(1),
        kind: AssetKind::Image,
        mime: "image/jpeg".into(),
        size,
        sha256: sha,
        storage_key: format!("originals/1/{sha}"),
        original_filename: format!("{title}.jpg"),
        title: title.into(),
        description: None,
        alt_text: None,
        is_public: false,
        width: Some(10),
        height: Some(20),
        duration_s: None,
        uploaded_by: None,
        max_attempts: 2,
    }
}

fn created(r: IngestRecord) -> medialib_core::Asset {
    match r {
        IngestRecord::Created { asset, .. } => asset,
        IngestRecord::Duplicate(a) => panic!("unexpected duplicate {}", a.id),
    }
}

#[tokio::test]
async fn same_bytes_in_a_namespace_are_one_asset() {
    let (_d, store) = fresh().await;
    let first = created(store.create_asset(new_asset(1, "a", 5)).await.unwrap());
    assert_eq!(first.status, AssetStatus::Processing);
    match store.create_asset(new_asset(1, "again", 5)).await.unwrap() {
        IngestRecord::Duplicate(a) => assert_eq!(a.id, first.id),
        IngestRecord::Created { .. } => panic!("second copy created"),
    }
    // Once the first is deleted, the same bytes make a new asset on the same blob, and
    // purging one keeps the blob for the other.
    let report = store
        .bulk(
            NamespaceId(1),
            &BulkAction::Delete { force: false },
            &[first.id],
        )
        .await
        .unwrap();
    assert!(report.applied);
    let second = created(store.create_asset(new_asset(1, "b", 5)).await.unwrap());
    let purged = store.purge_asset(first.id).await.unwrap().unwrap();
    assert!(purged.keys.is_empty(), "blob still used: {:?}", purged.keys);
    let purged = store.purge_asset(second.id).await.unwrap().unwrap();
    assert_eq!(
        purged.keys,
        vec![format!("originals/1/{}", Sha256([1; 32]))]
    );
    assert!(store.get_asset(second.id).await.unwrap().is_none());
}

#[tokio::test]
async fn patches_change_only_what_they_name() {
    let (_d, store) = fresh().await;
    let a = created(store.create_asset(new_asset(2, "orig", 1)).await.unwrap());
    let patch = AssetPatch {
        alt_text: Some(Some("a dog".into())),
        is_public: Some(true),
        ..Default::default()
    };
    let b = store.update_asset(a.id, &patch).await.unwrap().unwrap();
    assert_eq!(b.title, "orig");
    assert_eq!(b.alt_text.as_deref(), Some("a dog"));
    assert!(b.is_public);
    assert!(
        store
            .update_asset(AssetId::new(), &patch)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn jobs_are_claimed_once_retried_then_failed() {
    let (_d, store) = fresh().await;
    let a = created(store.create_asset(new_asset(3, "j", 1)).await.unwrap());
    let lease = Duration::from_secs(60);
    let job = store.claim_job("w1", lease).await.unwrap().unwrap();
    assert_eq!(job.asset_id, a.id);
    assert_eq!(job.attempts, 1);
    assert!(store.claim_job("w2", lease).await.unwrap().is_none());

    store
        .finish_job(
            job.id,
            JobOutcome::Retry {
                error: "boom".into(),
                at: Timestamp::now_utc(),
            },
        )
        .await
        .unwrap();
    let again = store.claim_job("w2", lease).await.unwrap().unwrap();
    assert_eq!((again.id, again.attempts), (job.id, 2));
    // Out of attempts (max 2): a retry becomes a failure, and the asset fails with it.
    store
        .finish_job(
            again.id,
            JobOutcome::Retry {
                error: "boom again".into(),
                at: Timestamp::now_utc(),
            },
        )
        .await
        .unwrap();
    let done = store.get_job(job.id).await.unwrap().unwrap();
    assert_eq!(done.status, JobStatus::Failed);
    let asset = store.get_asset(a.id).await.unwrap().unwrap();
    assert_eq!(asset.status, AssetStatus::Failed);
    assert_eq!(asset.error.as_deref(), Some("boom again"));
}

#[tokio::test]
async fn running_jobs_are_requeued_after_a_restart() {
    let (_d, store) = fresh().await;
    created(store.create_asset(new_asset(4, "r", 1)).await.unwrap());
    let job = store
        .claim_job("dead", Duration::from_secs(600))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(store.requeue_running_jobs().await.unwrap(), 1);
    let again = store
        .claim_job("alive", Duration::from_secs(600))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.id, job.id);
}

/// Every change delivery reads advances the generation, so a delivery cache filled before
/// it can never serve a trashed, purged, hidden or reprocessed asset.
#[tokio::test]
async fn changes_delivery_reads_advance_the_asset_generation() {
    let (_d, store) = fresh().await;
    let mut seen = store.asset_generation();
    let mut advanced = |store: &dyn MetadataStore, what: &str| {
        let now = store.asset_generation();
        assert!(now > seen, "{what} left the asset generation at {now}");
        seen = now;
    };
    let a = created(store.create_asset(new_asset(3, "g", 1)).await.unwrap());
    advanced(&*store, "create_asset");
    let public = AssetPatch {
        is_public: Some(true),
        ..Default::default()
    };
    store.update_asset(a.id, &public).await.unwrap();
    advanced(&*store, "update_asset");
    let processed = Processed {
        metadata: Metadata::Image(ImageMetadata::default()),
        placeholder: None,
        taken_at: None,
        variants: Vec::new(),
        text: None,
        phash: None,
        transcodes: Vec::new(),
    };
    store.record_processed(a.id, processed).await.unwrap();
    advanced(&*store, "record_processed");
    for action in [
        BulkAction::SetPublic(false),
        BulkAction::Delete { force: false },
        BulkAction::Restore,
    ] {
        store.bulk(NamespaceId(1), &action, &[a.id]).await.unwrap();
        advanced(&*store, &format!("bulk {action:?}"));
    }
    store
        .bulk(
            NamespaceId(1),
            &BulkAction::Delete { force: false },
            &[a.id],
        )
        .await
        .unwrap();
    advanced(&*store, "bulk delete");
    store
        .purge_trash(Timestamp::now_utc() + time::Duration::minutes(1), 10)
        .await
        .unwrap();
    advanced(&*store, "purge_trash");
    let b = created(store.create_asset(new_asset(4, "h", 1)).await.unwrap());
    advanced(&*store, "create_asset");
    store.purge_asset(b.id).await.unwrap();
    advanced(&*store, "purge_asset");
    // Reads leave it alone.
    store.get_asset(b.id).await.unwrap();
    store.list_variants(a.id).await.unwrap();
    assert_eq!(
        store.asset_generation(),
        seen,
        "a read advanced the generation"
    );
}

#[tokio::test]
async fn processing_results_replace_variants_atomically() {
    let (_d, store) = fresh().await;
    let a = created(store.create_asset(new_asset(5, "p", 1)).await.unwrap());
    let variant = |name: &str| NewVariant {
        name: name.into(),
        format: OutputFormat::Webp,
        width: Some(10),
        height: Some(10),
        duration_s: None,
        size: 3,
        sha256: Sha256([9; 32]),
        storage_key: format!("variants/{}/{name}.webp", a.id),
    };
    let processed = |names: &[&str]| Processed {
        metadata: Metadata::Image(ImageMetadata {
            width: 30,
            height: 40,
            frame_count: 1,
            ..Default::default()
        }),
        placeholder: Some(Placeholder {
            blurhash: "LEHV6nWB2yk8pyo0adR*.7kCMdnj".into(),
            thumbhash: "AAAA".into(),
            dominant_color: "#112233".into(),
        }),
        taken_at: None,
        variants: names.iter().map(|n| variant(n)).collect(),
        text: None,
        phash: None,
        transcodes: Vec::new(),
    };
    let gone = store
        .record_processed(a.id, processed(&["small", "large"]))
        .await
        .unwrap();
    assert!(gone.keys.is_empty());
    let gone = store
        .record_processed(a.id, processed(&["small"]))
        .await
        .unwrap();
    assert_eq!(gone.keys, vec![format!("variants/{}/large.webp", a.id)]);
    let asset = store.get_asset(a.id).await.unwrap().unwrap();
    assert_eq!(
        (asset.status, asset.width, asset.height),
        (AssetStatus::Ready, Some(30), Some(40))
    );
    assert_eq!(asset.placeholder.unwrap().dominant_color, "#112233");
    let names: Vec<_> = store
        .list_variants(a.id)
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.name)
        .collect();
    assert_eq!(names, ["small"]);
}

#[tokio::test]
async fn tokens_resolve_to_their_principal() {
    let (_d, store) = fresh().await;
    assert!(!store.has_tokens().await.unwrap());
    let hash = Sha256([7; 32]);
    store.create_admin_token("first", &hash).await.unwrap();
    assert!(store.has_tokens().await.unwrap());
    let p = store.authenticate(&hash).await.unwrap().unwrap();
    assert_eq!(p.namespace, NamespaceId(1));
    assert!(
        store
            .authenticate(&Sha256([8; 32]))
            .await
            .unwrap()
            .is_none()
    );
}

/// Regression (found by `medialib bench`): concurrent read-then-write transactions must
/// queue for the write lock, not fail with "database is locked".
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_queue_instead_of_failing() {
    let dir = tempfile::tempdir().unwrap();
    let store = std::sync::Arc::new(SqliteStore::open(&dir.path().join("t.db")).await.unwrap());
    let tasks: Vec<_> = (0..32u8)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let asset = created(store.create_asset(new_asset(100 + i, "c", 1)).await?);
                let processed = Processed {
                    metadata: Metadata::Image(ImageMetadata::default()),
                    placeholder: None,
                    taken_at: None,
                    variants: Vec::new(),
                    text: None,
                    phash: None,
                    transcodes: Vec::new(),
                };
                store.record_processed(asset.id, processed.clone()).await?;
                store.record_processed(asset.id, processed).await?;
                store.purge_asset(asset.id).await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
}

fn video_processed(transcodes: &[&str]) -> Processed {
    Processed {
        metadata: Metadata::Video(VideoMetadata {
            duration_s: 12.5,
            width: 1080,
            height: 1920,
            ..Default::default()
        }),
        placeholder: None,
        taken_at: None,
        variants: Vec::new(),
        text: Some("words to find".into()),
        phash: None,
        transcodes: transcodes.iter().map(|t| t.to_string()).collect(),
    }
}

/// A processed video whose `mp4_720p` transcode job worker "w" has claimed.
async fn video_with_running_transcode(
    store: &dyn MetadataStore,
    sha_byte: u8,
) -> (medialib_core::Asset, medialib_core::Job) {
    let mut new = new_asset(sha_byte, "clip", 100);
    new.kind = AssetKind::Video;
    let asset = created(store.create_asset(new).await.unwrap());
    let process = store
        .claim_job("w", Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    store
        .record_processed(asset.id, video_processed(&["mp4_720p"]))
        .await
        .unwrap();
    store
        .finish_job(process.id, JobOutcome::Succeeded)
        .await
        .unwrap();
    let job = store
        .claim_job("w", Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    (asset, job)
}

fn rendition(asset: AssetId, name: &str) -> NewVariant {
    NewVariant {
        name: name.into(),
        format: OutputFormat::Mp4,
        width: Some(720),
        height: Some(1280),
        duration_s: Some(12.5),
        size: 1000,
        sha256: Sha256([3; 32]),
        storage_key: format!("variants/{asset}/{name}.mp4"),
    }
}

#[tokio::test]
async fn processing_queues_transcodes_that_record_their_renditions() {
    let (_d, store) = fresh().await;
    let mut new = new_asset(40, "clip", 100);
    new.kind = AssetKind::Video;
    let a = created(store.create_asset(new).await.unwrap());
    let process = store
        .claim_job("w", Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(process.kind, JobKind::ProcessVideo);
    store
        .record_processed(a.id, video_processed(&["mp4_720p"]))
        .await
        .unwrap();
    store
        .finish_job(process.id, JobOutcome::Succeeded)
        .await
        .unwrap();
    let asset = store.get_asset(a.id).await.unwrap().unwrap();
    assert_eq!(asset.duration_s, Some(12.5));
    assert_eq!((asset.width, asset.height), (Some(1080), Some(1920)));
    assert_eq!(
        store.asset_text(a.id).await.unwrap().as_deref(),
        Some("words to find")
    );

    let job = store
        .claim_job("w", Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (job.kind, job.profile.as_deref()),
        (JobKind::Transcode, Some("mp4_720p"))
    );
    assert!(
        store
            .job_progress(job.id, "w", 40, Duration::from_secs(60))
            .await
            .unwrap()
    );
    assert!(
        !store
            .job_progress(job.id, "other", 50, Duration::from_secs(60))
            .await
            .unwrap(),
        "a worker that does not hold the lease must be told to stop"
    );
    assert_eq!(store.get_job(job.id).await.unwrap().unwrap().progress, 40);
    let before = store.asset_generation();
    let replaced = store
        .record_rendition(job.id, "w", rendition(a.id, "mp4_720p"))
        .await
        .unwrap()
        .expect("the worker holds the job");
    assert!(replaced.keys.is_empty());
    assert!(
        store.asset_generation() > before,
        "a new rendition is delivered, so it advances the asset generation"
    );
    let job = store.get_job(job.id).await.unwrap().unwrap();
    assert_eq!((job.status, job.progress), (JobStatus::Succeeded, 100));
    let variants = store.list_variants(a.id).await.unwrap();
    assert_eq!(variants.len(), 1);
    assert_eq!(variants[0].duration_s, Some(12.5));
    assert_eq!(store.list_jobs(a.id).await.unwrap().len(), 2);

    // Reprocessing keeps the rendition its queued transcode will replace.
    let gone = store
        .record_processed(a.id, video_processed(&["mp4_720p"]))
        .await
        .unwrap();
    assert!(gone.keys.is_empty());
    assert_eq!(store.list_variants(a.id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_cancelled_transcode_records_nothing_and_leaves_the_asset_ready() {
    let (_d, store) = fresh().await;
    let (a, job) = video_with_running_transcode(store.as_ref(), 41).await;
    let cancelled = store.cancel_job(job.id).await.unwrap().unwrap();
    assert_eq!(cancelled.status, JobStatus::Cancelled);
    assert!(
        !store
            .job_progress(job.id, "w", 60, Duration::from_secs(60))
            .await
            .unwrap()
    );
    assert!(
        store
            .record_rendition(job.id, "w", rendition(a.id, "mp4_720p"))
            .await
            .unwrap()
            .is_none()
    );
    store
        .finish_job(job.id, JobOutcome::Succeeded)
        .await
        .unwrap();
    assert_eq!(
        store.get_job(job.id).await.unwrap().unwrap().status,
        JobStatus::Cancelled,
        "finishing must not overwrite a cancel"
    );
    assert!(store.list_variants(a.id).await.unwrap().is_empty());
    let asset = store.get_asset(a.id).await.unwrap().unwrap();
    assert_eq!(asset.status, AssetStatus::Ready);
    assert!(
        store
            .claim_job("w", Duration::from_secs(60))
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn cancelling_processing_fails_the_asset_and_a_failed_transcode_does_not() {
    let (_d, store) = fresh().await;
    let a = created(store.create_asset(new_asset(42, "x", 1)).await.unwrap());
    let job = store.latest_job(a.id).await.unwrap().unwrap();
    store.cancel_job(job.id).await.unwrap();
    let asset = store.get_asset(a.id).await.unwrap().unwrap();
    assert_eq!(asset.status, AssetStatus::Failed);
    assert!(asset.error.unwrap().contains("cancelled"));

    let (v, transcode) = video_with_running_transcode(store.as_ref(), 43).await;
    store
        .finish_job(
            transcode.id,
            JobOutcome::Failed {
                error: "encoder failed".into(),
            },
        )
        .await
        .unwrap();
    let asset = store.get_asset(v.id).await.unwrap().unwrap();
    assert_eq!(asset.status, AssetStatus::Ready);
}

#[tokio::test]
async fn upload_sessions_keep_offsets_concatenation_and_expiry() {
    let (_d, store) = fresh().await;
    store
        .create_admin_token("t", &Sha256([7; 32]))
        .await
        .unwrap();
    let user = store
        .authenticate(&Sha256([7; 32]))
        .await
        .unwrap()
        .unwrap()
        .user;
    let now = Timestamp::now_utc();
    // Milliseconds are what the store keeps.
    let now = now - Duration::from_nanos(u64::from(now.nanosecond() % 1_000_000));
    let session = |concat, expires_at| UploadSession {
        id: UploadId::new(),
        namespace: NamespaceId(1),
        user,
        length: 1000,
        offset: 0,
        metadata: [("filename".to_owned(), "a b.jpg".to_owned())].into(),
        concat,
        asset: None,
        created_at: now,
        expires_at,
    };
    let part = session(Some(Concat::Partial), now + Duration::from_secs(60));
    let whole = session(
        Some(Concat::Final(vec![part.id, UploadId::new()])),
        now + Duration::from_secs(120),
    );
    let stale = session(None, now - Duration::from_secs(1));
    for s in [&part, &whole, &stale] {
        store.create_upload(s).await.unwrap();
        assert_eq!(store.get_upload(s.id).await.unwrap().as_ref(), Some(s));
    }

    let later = now + Duration::from_secs(600);
    store.set_upload_offset(part.id, 400, later).await.unwrap();
    let read = store.get_upload(part.id).await.unwrap().unwrap();
    assert_eq!((read.offset, read.expires_at), (400, later));
    assert!(!read.is_complete());
    // The offset can never pass the length.
    assert!(store.set_upload_offset(part.id, 1001, later).await.is_err());

    let asset = created(store.create_asset(new_asset(1, "a", 1000)).await.unwrap());
    store
        .finish_upload(whole.id, asset.id, later)
        .await
        .unwrap();
    assert_eq!(
        store.get_upload(whole.id).await.unwrap().unwrap().asset,
        Some(asset.id)
    );

    assert_eq!(store.expired_uploads(now).await.unwrap(), vec![stale.id]);
    assert_eq!(
        store.expired_uploads(later).await.unwrap().len(),
        3,
        "every session expires"
    );
    assert!(store.delete_upload(stale.id).await.unwrap());
    assert!(!store.delete_upload(stale.id).await.unwrap());
    assert!(store.get_upload(stale.id).await.unwrap().is_none());
    assert!(matches!(
        store.set_upload_offset(stale.id, 1, later).await,
        Err(medialib_core::StoreError::NotFound(_))
    ));
}
