//! The job queue's contract: claims under fenced leases, heartbeats, results, outcomes.

use std::time::Duration;

use async_trait::async_trait;

use super::{JobOutcome, NewVariant, Processed, StoreError, Unreferenced};
use crate::{AssetId, Job, JobId, JobKind, JobStatus, Lease, Timestamp};

/// What the job queue holds now, for readiness checks and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueStats {
    /// Jobs waiting to run (their backoff included).
    pub queued: u64,
    /// Jobs a worker holds.
    pub running: u64,
    /// Jobs that failed for good since the time asked about.
    pub failed_since: u64,
    /// When the oldest waiting job was queued.
    pub oldest_queued: Option<Timestamp>,
}

/// How many jobs of one kind are in one status (queued or running), for metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueDepth {
    /// The jobs' kind.
    pub kind: JobKind,
    /// [`JobStatus::Queued`] or [`JobStatus::Running`].
    pub status: JobStatus,
    /// How many.
    pub jobs: u64,
}

/// The job queue: claims under fenced leases, heartbeats, results and outcomes.
#[async_trait]
pub trait JobQueue {
    /// Records a successful processing run under `lease`, in one transaction: the facts
    /// and variants, the asset marked ready, its transcode jobs queued, and the job
    /// succeeded. Returns the keys of earlier variants the new set no longer uses; `None`,
    /// recording nothing, when the lease no longer holds (the job was cancelled, or claimed
    /// again after the lease expired) or the asset is gone.
    async fn record_processed(
        &self,
        lease: Lease,
        processed: Processed,
    ) -> Result<Option<Unreferenced>, StoreError>;

    /// Claims the next due job of one of `kinds` (any kind when empty) for `owner` (a
    /// name for logs) for `duration`: a queued job whose `run_after` has passed, or a
    /// running one whose lease expired, oldest due first. `None` when none is due. Each
    /// claim takes a new fencing token (see [`Lease`]). Kinds route work: transcodes to
    /// big machines, say.
    async fn claim_job_of(
        &self,
        owner: &str,
        kinds: &[JobKind],
        duration: Duration,
    ) -> Result<Option<(Job, Lease)>, StoreError>;

    /// Completes when a job may have been queued by another process, so that idle
    /// workers start at once instead of at their next poll (PostgreSQL's
    /// `LISTEN/NOTIFY`). The default never completes: workers then poll.
    async fn job_queued_elsewhere(&self) {
        std::future::pending::<()>().await
    }

    /// Claims the next due job of any kind (see [`claim_job_of`](Self::claim_job_of)).
    async fn claim_job(
        &self,
        owner: &str,
        duration: Duration,
    ) -> Result<Option<(Job, Lease)>, StoreError> {
        self.claim_job_of(owner, &[], duration).await
    }

    /// Records how the attempt under `lease` ended. Returns `false`, recording nothing,
    /// when the lease no longer holds.
    async fn finish_job(&self, lease: Lease, outcome: JobOutcome) -> Result<bool, StoreError>;

    /// A job by id.
    async fn get_job(&self, id: JobId) -> Result<Option<Job>, StoreError>;

    /// Counts of queued and running jobs, of jobs that failed for good since `since`, and
    /// the oldest queued job's age.
    async fn queue_stats(&self, since: Timestamp) -> Result<QueueStats, StoreError>;

    /// Jobs queued or running now, counted by kind and status (only the pairs that have
    /// any).
    async fn queue_depth(&self) -> Result<Vec<QueueDepth>, StoreError>;

    /// The most recent job of an asset.
    async fn latest_job(&self, asset: AssetId) -> Result<Option<Job>, StoreError>;

    /// Every job of an asset, oldest first.
    async fn list_jobs(&self, asset: AssetId) -> Result<Vec<Job>, StoreError>;

    /// Extends `lease` by `duration` from now (the worker's heartbeat) and, when given,
    /// records progress (0–100). Returns `false` when the lease no longer holds (the job
    /// was cancelled or ended, or claimed again): the caller must stop working on it.
    async fn job_progress(
        &self,
        lease: Lease,
        progress: Option<u8>,
        duration: Duration,
    ) -> Result<bool, StoreError>;

    /// Processes a live asset again (its variants follow a new focal point, say): marks it
    /// `processing` and queues its kind's processing job, with `max_attempts`, in one
    /// transaction. `None` when the asset is gone, in the trash, or has no processing.
    async fn reprocess(
        &self,
        asset: AssetId,
        max_attempts: u32,
    ) -> Result<Option<JobId>, StoreError>;

    /// Cancels a queued or running job; a processing job's asset is marked failed.
    /// Returns the job as it is afterwards (unchanged when it had already ended), or
    /// `None` when it does not exist.
    async fn cancel_job(&self, id: JobId) -> Result<Option<Job>, StoreError>;

    /// Records a transcode job's rendition and marks the job succeeded, in one
    /// transaction, only while `lease` holds. Returns the storage key of the rendition it
    /// replaced, for the caller to delete; `None` (and records nothing) when the lease no
    /// longer holds: the caller deletes the blob it made, which has a key of its own job.
    async fn record_rendition(
        &self,
        lease: Lease,
        variant: NewVariant,
    ) -> Result<Option<Unreferenced>, StoreError>;
}
