//! The exactly-once check of one run: the worker processes' reports against the seeded
//! jobs, and every seeded job as the store has it.

use std::collections::HashSet;

use anyhow::Context;
use futures_util::{StreamExt, TryStreamExt, stream};
use medialib_core::{JobId, JobStatus, MetadataStore};

use super::CHECK_CONCURRENCY;

/// What the exactly-once check found for one run.
#[derive(Default)]
pub(super) struct Check {
    /// Jobs the processes reported finishing, repeats included.
    pub(super) reported: usize,
    /// Reports of a job that another report (of any process) already named.
    pub(super) repeated: usize,
    /// Seeded jobs nobody reported.
    pub(super) missing: usize,
    /// Reported jobs that were not seeded in this run.
    pub(super) foreign: usize,
    /// Seeded jobs not `succeeded` in the store.
    pub(super) not_succeeded: usize,
    /// Seeded jobs the store says were attempted more than once.
    pub(super) attempted_again: usize,
}

impl Check {
    /// Jobs run twice (or more), by either witness: the processes' reports or the
    /// store's attempt counts.
    pub(super) fn run_twice(&self) -> usize {
        self.repeated.max(self.attempted_again)
    }

    pub(super) fn ok(&self) -> bool {
        self.repeated == 0
            && self.missing == 0
            && self.foreign == 0
            && self.not_succeeded == 0
            && self.attempted_again == 0
    }
}

/// Checks one run: the processes' reports against the seeded jobs, and every seeded job
/// in the store.
pub(super) async fn check(
    store: &dyn MetadataStore,
    seeded: &[JobId],
    finished: &[Vec<JobId>],
) -> anyhow::Result<Check> {
    let mut check = Check::default();
    let expected: HashSet<JobId> = seeded.iter().copied().collect();
    let mut seen = HashSet::with_capacity(seeded.len());
    for id in finished.iter().flatten() {
        check.reported += 1;
        if !seen.insert(*id) {
            check.repeated += 1;
        } else if !expected.contains(id) {
            check.foreign += 1;
        }
    }
    check.missing = expected.difference(&seen).count();
    let jobs: Vec<_> = stream::iter(seeded)
        .map(|id| async move {
            store
                .get_job(*id)
                .await?
                .with_context(|| format!("seeded job {id} is gone"))
        })
        .buffer_unordered(CHECK_CONCURRENCY)
        .try_collect()
        .await?;
    for job in jobs {
        if job.status != JobStatus::Succeeded {
            check.not_succeeded += 1;
        }
        if job.attempts != 1 {
            check.attempted_again += 1;
        }
    }
    Ok(check)
}
