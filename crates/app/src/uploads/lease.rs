//! The lease that lets one request at a time, on any node, write an upload session: a
//! row lease in the metadata store, renewed while the request runs, so that a node that
//! dies mid-request holds the session for [`LEASE`] at most.

use std::sync::Arc;
use std::time::Duration;

use medialib_core::{MetadataStore, StoreError, Timestamp, UploadId};
use uuid::Uuid;

/// How long a lease lasts without renewal: the longest a session stays locked after the
/// node writing it died.
pub const LEASE: Duration = Duration::from_secs(30);

/// How often a held lease is renewed: a third of its length, so two renewals can fail
/// before it runs out.
const RENEW_EVERY: Duration = Duration::from_secs(10);

/// A held lease on one session. [`UploadLease::release`] gives it up; dropping it
/// instead (an early return) stops the renewal and releases it in the background.
pub(super) struct UploadLease {
    id: UploadId,
    token: Uuid,
    store: Arc<dyn MetadataStore>,
    renewing: tokio::task::JoinHandle<()>,
    released: bool,
}

impl UploadLease {
    /// Takes the lease on session `id`; `None` while another request holds it (or the
    /// session is gone).
    pub(super) async fn acquire(
        store: &Arc<dyn MetadataStore>,
        id: UploadId,
    ) -> Result<Option<Self>, StoreError> {
        let token = Uuid::new_v4();
        let now = Timestamp::now_utc();
        if !store.lease_upload(id, token, now + LEASE, now).await? {
            return Ok(None);
        }
        let renewer = Arc::clone(store);
        let renewing = tokio::spawn(async move {
            let mut every =
                tokio::time::interval_at(tokio::time::Instant::now() + RENEW_EVERY, RENEW_EVERY);
            loop {
                every.tick().await;
                let now = Timestamp::now_utc();
                match renewer.lease_upload(id, token, now + LEASE, now).await {
                    Ok(true) => {}
                    // Lost (the session was removed, or the lease ran out during a
                    // stall): the holder's writes are fenced off by the token.
                    Ok(false) => break,
                    Err(e) => {
                        tracing::warn!(upload = %id, error = %e, "could not renew an upload lease")
                    }
                }
            }
        });
        Ok(Some(Self {
            id,
            token,
            store: Arc::clone(store),
            renewing,
            released: false,
        }))
    }

    /// The token that fences this holder's writes.
    pub(super) fn token(&self) -> Uuid {
        self.token
    }

    /// Gives the lease up before the response goes out, so that the client's next
    /// request finds the session free.
    pub(super) async fn release(mut self) {
        self.renewing.abort();
        self.released = true;
        if let Err(e) = self.store.release_upload(self.id, self.token).await {
            // It runs out by itself within LEASE.
            tracing::warn!(upload = %self.id, error = %e, "could not release an upload lease");
        }
    }
}

impl Drop for UploadLease {
    fn drop(&mut self) {
        self.renewing.abort();
        if self.released {
            return;
        }
        let (store, id, token) = (Arc::clone(&self.store), self.id, self.token);
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let _ = store.release_upload(id, token).await;
            });
        }
    }
}
