//! Retention for unused media: in each namespace with a policy (its own
//! `retention_days`, else `retention.unused_days`), the live assets used nowhere and not
//! viewed for that many days go to the trash, where the trash's own retention takes over.
//! Assets with usage are never touched. Each one trashed is an audit event
//! (`retention_trash`, no user).

use medialib_core::store::{BulkAction, Namespace, NewAuditEvent};
use medialib_core::{AppError, AssetId, Timestamp};

use crate::Catalog;

/// Assets trashed per namespace and run; the next run takes the rest.
const BATCH: u32 = 1000;

/// One namespace's share of a run.
#[derive(Debug, Clone)]
pub struct Planned {
    /// The namespace.
    pub namespace: Namespace,
    /// Its policy, in days.
    pub days: u32,
    /// The assets that go (or would go) to the trash, oldest first.
    pub assets: Vec<AssetId>,
}

/// What retention would move to the trash now, per namespace that has a policy.
///
/// Errors: the store's.
pub async fn plan(catalog: &Catalog) -> Result<Vec<Planned>, AppError> {
    let default = catalog.settings.retention.unused_days;
    let mut plans = Vec::new();
    for namespace in catalog.store.list_namespaces().await? {
        let days = namespace.retention_days.unwrap_or(default);
        if days == 0 {
            continue;
        }
        let since = Timestamp::now_utc() - time::Duration::days(i64::from(days));
        let assets = catalog
            .store
            .retention_candidates(namespace.id, since, BATCH)
            .await?;
        plans.push(Planned {
            namespace,
            days,
            assets,
        });
    }
    Ok(plans)
}

/// Moves what [`plan`] finds to the trash, namespace by namespace, and audits each asset.
/// A namespace whose batch is refused (an asset got a usage meanwhile) is left for the
/// next run. Returns the plans applied, empty ones included.
///
/// Errors: the store's.
pub async fn apply(catalog: &Catalog) -> Result<Vec<Planned>, AppError> {
    let mut applied = Vec::new();
    for plan in plan(catalog).await? {
        if plan.assets.is_empty() {
            applied.push(plan);
            continue;
        }
        let trash = BulkAction::Delete { force: false };
        let report = catalog
            .store
            .bulk(plan.namespace.id, &trash, &plan.assets)
            .await?;
        if !report.applied {
            tracing::info!(namespace = %plan.namespace.slug, "retention batch refused (an asset is in use now); retrying next run");
            continue;
        }
        for asset in &plan.assets {
            let event = NewAuditEvent {
                namespace: plan.namespace.id,
                user: None,
                action: "retention_trash".into(),
                target: Some(asset.to_string()),
                status: 0,
                ip: None,
            };
            catalog.store.record_audit(event).await?;
        }
        tracing::info!(namespace = %plan.namespace.slug, days = plan.days, assets = plan.assets.len(), "retention moved unused assets to the trash");
        applied.push(plan);
    }
    Ok(applied)
}
