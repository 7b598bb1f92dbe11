//! Background jobs: durable units of processing work with retries and progress.

use std::fmt;
use std::str::FromStr;

use crate::asset::text_enum;
use crate::{AssetId, JobId, Timestamp};

/// What a job does. Each kind has exactly one payload: the asset it works on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// Decode an image once, extract metadata, make every configured variant and placeholder.
    ProcessImage,
}

text_enum!(JobKind {
    ProcessImage => "process_image",
});

/// A job's state. `Queued → Running → Succeeded | Failed`, or back to `Queued` with a
/// later `run_after` when an attempt fails and attempts remain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    /// Waiting for `run_after`.
    Queued,
    /// Claimed by a worker whose lease has not expired.
    Running,
    /// Done.
    Succeeded,
    /// Out of attempts; `error` says why.
    Failed,
    /// Cancelled by a user.
    Cancelled,
}

text_enum!(JobStatus {
    Queued => "queued",
    Running => "running",
    Succeeded => "succeeded",
    Failed => "failed",
    Cancelled => "cancelled",
});

/// A job row.
#[derive(Debug, Clone)]
pub struct Job {
    /// The job's id.
    pub id: JobId,
    /// The asset it works on.
    pub asset_id: AssetId,
    /// What it does.
    pub kind: JobKind,
    /// Where it is.
    pub status: JobStatus,
    /// Progress, 0–100.
    pub progress: u8,
    /// Attempts started so far (the running one included).
    pub attempts: u32,
    /// Attempts allowed before the job fails for good.
    pub max_attempts: u32,
    /// Not to be claimed before this time (backoff after a failed attempt).
    pub run_after: Timestamp,
    /// The last attempt's error.
    pub error: Option<String>,
    /// When it was queued.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}
