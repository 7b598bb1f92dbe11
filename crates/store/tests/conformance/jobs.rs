//! The job queue: claims under leases with fencing tokens, retries, cancels, and the
//! results a worker records, which only the lease's current holder may write.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use medialib_core::store::{IngestRecord, JobOutcome, NewVariant, Processed, QueueDepth};
use medialib_core::{
    Asset, AssetId, AssetKind, AssetStatus, Job, JobKind, JobPayload, JobStatus, Lease, Metadata,
    MetadataStore, OutputFormat, Sha256, Timestamp, VideoMetadata,
};

use tokio::sync::Barrier;

use crate::{Store, created, new_asset, process};

const MINUTE: Duration = Duration::from_secs(60);

fn retry(error: &str) -> JobOutcome {
    JobOutcome::Retry {
        error: error.into(),
        at: Timestamp::now_utc(),
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
        analyse: false,
    }
}

pub(crate) fn rendition(asset: AssetId, name: &str) -> NewVariant {
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

/// A processed video whose `mp4_720p` transcode job a worker has claimed.
pub(crate) async fn video_with_running_transcode(
    store: &dyn MetadataStore,
    sha_byte: u8,
) -> (Asset, Job, Lease) {
    let mut new = new_asset(sha_byte, "clip", 100);
    new.kind = AssetKind::Video;
    let asset = created(store.create_asset(new).await.unwrap());
    process(store, asset.id, video_processed(&["mp4_720p"])).await;
    let (job, lease) = store.claim_job("w", MINUTE).await.unwrap().unwrap();
    assert_eq!(job.payload.kind(), JobKind::Transcode);
    (asset, job, lease)
}

pub(crate) async fn jobs_are_claimed_once_retried_then_failed(store: Store) {
    let before = Timestamp::now_utc() - Duration::from_secs(1);
    let a = created(store.create_asset(new_asset(3, "j", 1)).await.unwrap());
    let stats = store.queue_stats(before).await.unwrap();
    assert_eq!((stats.queued, stats.running, stats.failed_since), (1, 0, 0));
    assert!(stats.oldest_queued.is_some_and(|t| t >= before));
    let depth = |status: JobStatus, jobs: u64| QueueDepth {
        kind: JobKind::ProcessImage,
        status,
        jobs,
    };
    assert_eq!(
        store.queue_depth().await.unwrap(),
        [depth(JobStatus::Queued, 1)]
    );
    let (job, lease) = store.claim_job("w1", MINUTE).await.unwrap().unwrap();
    assert_eq!(
        store.queue_depth().await.unwrap(),
        [depth(JobStatus::Running, 1)]
    );
    let stats = store.queue_stats(before).await.unwrap();
    assert_eq!(
        (stats.queued, stats.running, stats.oldest_queued),
        (0, 1, None)
    );
    assert_eq!((job.asset_id, job.attempts, lease.job), (a.id, 1, job.id));
    assert!(
        store.claim_job("w2", MINUTE).await.unwrap().is_none(),
        "a live lease is never claimed by another worker"
    );

    assert!(store.finish_job(lease, retry("boom")).await.unwrap());
    let (again, second) = store.claim_job("w2", MINUTE).await.unwrap().unwrap();
    assert_eq!((again.id, again.attempts), (job.id, 2));
    assert!(
        second.token > lease.token,
        "each claim takes a larger token"
    );
    // Out of attempts (max 2): a retry becomes a failure, and the asset fails with it.
    assert!(store.finish_job(second, retry("boom again")).await.unwrap());
    let done = store.get_job(job.id).await.unwrap().unwrap();
    assert_eq!(done.status, JobStatus::Failed);
    let stats = store.queue_stats(before).await.unwrap();
    assert_eq!((stats.queued, stats.running, stats.failed_since), (0, 0, 1));
    let later = Timestamp::now_utc() + Duration::from_secs(1);
    assert_eq!(
        store.queue_stats(later).await.unwrap().failed_since,
        0,
        "only since"
    );
    let asset = store.get_asset(a.id).await.unwrap().unwrap();
    assert_eq!(asset.status, AssetStatus::Failed);
    assert_eq!(asset.error.as_deref(), Some("boom again"));
}

/// A worker that names kinds claims only jobs of those kinds, passing older jobs of
/// others by; naming none claims any.
pub(crate) async fn workers_claim_only_the_kinds_they_run(store: Store) {
    let image = created(store.create_asset(new_asset(3, "older", 1)).await.unwrap());
    let mut new = new_asset(4, "newer", 1);
    new.kind = AssetKind::Video;
    let video = created(store.create_asset(new).await.unwrap());
    let transcodes = [JobKind::Transcode];
    assert!(
        store
            .claim_job_of("big", &transcodes, MINUTE)
            .await
            .unwrap()
            .is_none(),
        "no transcode is queued yet"
    );
    let (job, _) = store
        .claim_job_of("v", &[JobKind::ProcessVideo, JobKind::Transcode], MINUTE)
        .await
        .unwrap()
        .expect("the video's job is due");
    assert_eq!(
        (job.asset_id, job.payload.kind()),
        (video.id, JobKind::ProcessVideo),
        "a worker of other kinds passes the older image job by"
    );
    let (job, _) = store
        .claim_job_of("any", &[], MINUTE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.asset_id, image.id, "no kinds means every kind");
}

/// Workers claiming at once never get the same job: every queued job goes to exactly one
/// of them. (PostgreSQL runs the claims concurrently; SQLite one at a time.) A race is
/// not certain to show in one round, so there are several.
pub(crate) async fn concurrent_claims_never_return_the_same_job(store: Store) {
    const ROUNDS: u8 = 4;
    const JOBS: u8 = 20;
    const WORKERS: usize = 8;
    let store: Arc<dyn MetadataStore> = Arc::from(store);
    for round in 0..ROUNDS {
        let mut queued = HashSet::new();
        for i in 0..JOBS {
            let new = new_asset(100 + round * JOBS + i, "c", 1);
            let IngestRecord::Created { job: Some(job), .. } =
                store.create_asset(new).await.unwrap()
            else {
                panic!("an image queues its processing job");
            };
            queued.insert(job);
        }
        let start = Arc::new(Barrier::new(WORKERS));
        let workers: Vec<_> = (0..WORKERS)
            .map(|w| {
                let (store, start) = (Arc::clone(&store), Arc::clone(&start));
                tokio::spawn(async move {
                    start.wait().await;
                    let mut claimed = Vec::new();
                    while let Some((job, lease)) =
                        store.claim_job(&format!("w{w}"), MINUTE).await.unwrap()
                    {
                        assert_eq!(lease.job, job.id);
                        claimed.push(job.id);
                    }
                    claimed
                })
            })
            .collect();
        let mut claimed = Vec::new();
        for worker in workers {
            claimed.extend(worker.await.unwrap());
        }
        let distinct: HashSet<_> = claimed.iter().copied().collect();
        assert_eq!(claimed.len(), distinct.len(), "a job was claimed twice");
        assert_eq!(distinct, queued, "every queued job is claimed");
    }
}

/// A worker that stalls past its lease loses the job to the next claim, and every write it
/// still tries is refused: progress, results, its outcome.
pub(crate) async fn an_expired_lease_passes_to_the_next_claim_and_fences_the_old_worker(
    store: Store,
) {
    let a = created(store.create_asset(new_asset(4, "r", 1)).await.unwrap());
    let (job, stalled) = store
        .claim_job("stalled", Duration::ZERO)
        .await
        .unwrap()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let (again, current) = store.claim_job("alive", MINUTE).await.unwrap().unwrap();
    assert_eq!(again.id, job.id);
    assert!(current.token > stalled.token);

    assert!(!store.job_progress(stalled, Some(50), MINUTE).await.unwrap());
    assert!(
        store
            .record_processed(stalled, video_processed(&[]))
            .await
            .unwrap()
            .is_none(),
        "a worker whose lease was taken over cannot record a result"
    );
    assert!(!store.finish_job(stalled, retry("late")).await.unwrap());
    let asset = store.get_asset(a.id).await.unwrap().unwrap();
    assert_eq!(asset.status, AssetStatus::Processing, "{asset:?}");

    assert!(store.job_progress(current, None, MINUTE).await.unwrap());
    assert!(
        store
            .record_processed(current, video_processed(&[]))
            .await
            .unwrap()
            .is_some()
    );
    let job = store.get_job(job.id).await.unwrap().unwrap();
    assert_eq!((job.status, job.progress), (JobStatus::Succeeded, 100));
    let asset = store.get_asset(a.id).await.unwrap().unwrap();
    assert_eq!(asset.status, AssetStatus::Ready);
}

/// Processing records its results and ends its job together; its transcodes are queued
/// in the same transaction, and each records its rendition and its end together.
pub(crate) async fn processing_queues_transcodes_that_record_their_renditions(store: Store) {
    let mut new = new_asset(40, "clip", 100);
    new.kind = AssetKind::Video;
    let a = created(store.create_asset(new).await.unwrap());
    let (process_job, lease) = store.claim_job("w", MINUTE).await.unwrap().unwrap();
    assert_eq!(process_job.payload, JobPayload::ProcessVideo);
    let gone = store
        .record_processed(lease, video_processed(&["mp4_720p"]))
        .await
        .unwrap()
        .expect("the lease holds");
    assert!(gone.keys.is_empty());
    let ended = store.get_job(process_job.id).await.unwrap().unwrap();
    assert_eq!(ended.status, JobStatus::Succeeded);
    assert!(
        store
            .record_processed(lease, video_processed(&["mp4_720p"]))
            .await
            .unwrap()
            .is_none(),
        "an ended job records nothing more"
    );
    let asset = store.get_asset(a.id).await.unwrap().unwrap();
    assert_eq!(asset.duration_s, Some(12.5));
    assert_eq!((asset.width, asset.height), (Some(1080), Some(1920)));
    assert_eq!(
        store.asset_text(a.id).await.unwrap().as_deref(),
        Some("words to find")
    );

    let (job, lease) = store.claim_job("w", MINUTE).await.unwrap().unwrap();
    assert_eq!(
        job.payload,
        JobPayload::Transcode {
            profile: "mp4_720p".into()
        }
    );
    assert!(store.job_progress(lease, Some(40), MINUTE).await.unwrap());
    let forged = Lease {
        token: lease.token + 1,
        ..lease
    };
    assert!(
        !store.job_progress(forged, Some(50), MINUTE).await.unwrap(),
        "only the current claim's token holds the lease"
    );
    assert!(store.job_progress(lease, None, MINUTE).await.unwrap());
    assert_eq!(
        store.get_job(job.id).await.unwrap().unwrap().progress,
        40,
        "a heartbeat without progress keeps the progress"
    );
    let before = store.asset_generation();
    let replaced = store
        .record_rendition(lease, rendition(a.id, "mp4_720p"))
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
}

pub(crate) async fn a_cancelled_transcode_records_nothing_and_leaves_the_asset_ready(store: Store) {
    let (a, job, lease) = video_with_running_transcode(store.as_ref(), 41).await;
    let cancelled = store.cancel_job(job.id).await.unwrap().unwrap();
    assert_eq!(cancelled.status, JobStatus::Cancelled);
    assert!(!store.job_progress(lease, Some(60), MINUTE).await.unwrap());
    assert!(
        store
            .record_rendition(lease, rendition(a.id, "mp4_720p"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        !store
            .finish_job(lease, JobOutcome::Succeeded)
            .await
            .unwrap()
    );
    assert_eq!(
        store.get_job(job.id).await.unwrap().unwrap().status,
        JobStatus::Cancelled,
        "finishing must not overwrite a cancel"
    );
    assert!(store.list_variants(a.id).await.unwrap().is_empty());
    let asset = store.get_asset(a.id).await.unwrap().unwrap();
    assert_eq!(asset.status, AssetStatus::Ready);
    assert!(store.claim_job("w", MINUTE).await.unwrap().is_none());
}

/// Cancelling a running processing job fails its asset for good: the worker, still busy,
/// can no longer mark it ready when it finishes.
pub(crate) async fn a_cancelled_processing_job_cannot_mark_its_asset_ready(store: Store) {
    let a = created(store.create_asset(new_asset(44, "p", 1)).await.unwrap());
    let (job, lease) = store.claim_job("w", MINUTE).await.unwrap().unwrap();
    store.cancel_job(job.id).await.unwrap();
    assert!(
        store
            .record_processed(lease, video_processed(&["mp4_720p"]))
            .await
            .unwrap()
            .is_none()
    );
    let asset = store.get_asset(a.id).await.unwrap().unwrap();
    assert_eq!(asset.status, AssetStatus::Failed);
    assert!(store.list_variants(a.id).await.unwrap().is_empty());
    assert_eq!(
        store.list_jobs(a.id).await.unwrap().len(),
        1,
        "no transcode queued"
    );
    assert_eq!(
        store.get_job(job.id).await.unwrap().unwrap().status,
        JobStatus::Cancelled
    );
}

pub(crate) async fn cancelling_processing_fails_the_asset_and_a_failed_transcode_does_not(
    store: Store,
) {
    let a = created(store.create_asset(new_asset(42, "x", 1)).await.unwrap());
    let job = store.latest_job(a.id).await.unwrap().unwrap();
    store.cancel_job(job.id).await.unwrap();
    let asset = store.get_asset(a.id).await.unwrap().unwrap();
    assert_eq!(asset.status, AssetStatus::Failed);
    assert!(asset.error.unwrap().contains("cancelled"));

    let (v, _, lease) = video_with_running_transcode(store.as_ref(), 43).await;
    let failed = JobOutcome::Failed {
        error: "encoder failed".into(),
    };
    assert!(store.finish_job(lease, failed).await.unwrap());
    let asset = store.get_asset(v.id).await.unwrap().unwrap();
    assert_eq!(asset.status, AssetStatus::Ready);
}
