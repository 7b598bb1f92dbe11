//! Delivery counts and the storage and upload reports: the analytics part of the contract.

use std::collections::{BTreeMap, HashMap};

use medialib_core::store::{
    AssetViews, DayUploads, DeliveryCount, KindStorage, NamespaceChange, NamespaceStorage,
    NamespaceUsage, NewVariant, Processed, StorageReport, epoch_day,
};
use medialib_core::{Asset, AssetId, AssetKind, MetadataStore, NamespaceId, OutputFormat, Sha256};

use crate::jobs::{rendition, video_with_running_transcode};
use crate::organise::{HOME, asset, away, trash};
use crate::{Store, image_processed, process};

/// A day (since the epoch) to count deliveries on.
const DAY: i64 = 20_000;

fn delivered(asset: &Asset, day: i64, views: u64, bytes: u64) -> DeliveryCount {
    DeliveryCount {
        asset: asset.id,
        day,
        views,
        bytes,
    }
}

fn viewed(asset: &Asset, views: u64, bytes: u64) -> AssetViews {
    AssetViews {
        asset: asset.id,
        views,
        bytes,
    }
}

/// Deliveries add up per asset and day, over calls; the top assets are the namespace's
/// live ones, most views first, counted from a day on, at most `limit`.
pub(crate) async fn deliveries_add_up_and_rank_live_assets_by_views(store: Store) {
    let store = store.as_ref();
    let [a, b, c, gone] = [
        asset(store, HOME, 1, 10).await,
        asset(store, HOME, 2, 10).await,
        asset(store, HOME, 3, 10).await,
        asset(store, HOME, 4, 10).await,
    ];
    let away = away(store).await;
    let theirs = asset(store, away, 5, 10).await;
    let first = [
        delivered(&a, DAY, 2, 20),
        delivered(&a, DAY - 1, 100, 1000),
        delivered(&b, DAY, 7, 70),
        delivered(&gone, DAY, 60, 600),
        delivered(&theirs, DAY, 50, 500),
    ];
    store.record_deliveries(&first).await.unwrap();
    let second = [
        delivered(&a, DAY, 3, 30),
        delivered(&b, DAY + 1, 1, 5),
        delivered(&c, DAY + 1, 4, 40),
    ];
    store.record_deliveries(&second).await.unwrap();
    let top = |ns: NamespaceId, from_day: i64, limit: u32| async move {
        store.top_assets(ns, from_day, limit).await.unwrap()
    };
    assert_eq!(top(HOME, DAY, 1).await, [viewed(&gone, 60, 600)]);

    trash(store, HOME, &[gone.id]).await;
    assert_eq!(
        top(HOME, DAY, 10).await,
        [viewed(&b, 8, 75), viewed(&a, 5, 50), viewed(&c, 4, 40)]
    );
    assert_eq!(
        top(HOME, DAY, 2).await,
        [viewed(&b, 8, 75), viewed(&a, 5, 50)]
    );
    assert_eq!(
        top(HOME, DAY - 1, 10).await,
        [viewed(&a, 105, 1050), viewed(&b, 8, 75), viewed(&c, 4, 40)]
    );
    assert_eq!(
        top(HOME, DAY + 1, 10).await,
        [viewed(&c, 4, 40), viewed(&b, 1, 5)]
    );
    assert!(top(HOME, DAY + 2, 10).await.is_empty());
    assert_eq!(top(away, DAY, 10).await, [viewed(&theirs, 50, 500)]);
}

/// Processing results for `asset` with variants of these sizes.
fn with_variants(asset: AssetId, sizes: &[u64]) -> Processed {
    let variant = |(n, size): (usize, &u64)| NewVariant {
        name: format!("v{n}"),
        format: OutputFormat::Webp,
        width: Some(10),
        height: Some(10),
        duration_s: None,
        size: *size,
        sha256: Sha256([n as u8; 32]),
        storage_key: format!("variants/{asset}/v{n}.webp"),
    };
    Processed {
        variants: sizes.iter().enumerate().map(variant).collect(),
        ..image_processed()
    }
}

/// The report's kinds that have live assets, by kind, and its namespaces by slug.
fn sorted(mut report: StorageReport) -> StorageReport {
    report.by_kind.retain(|k| k.assets > 0);
    report.by_kind.sort_by_key(|k| k.kind.as_str());
    report
        .by_namespace
        .sort_by(|x, y| x.namespace.cmp(&y.namespace));
    report
}

fn kind(kind: AssetKind, assets: u64, bytes: u64, variant_bytes: u64) -> KindStorage {
    KindStorage {
        kind,
        assets,
        bytes,
        variant_bytes,
    }
}

fn stored(namespace: &str, assets: u64, blob_bytes: u64) -> NamespaceStorage {
    NamespaceStorage {
        namespace: namespace.into(),
        assets,
        blob_bytes,
    }
}

fn usage(bytes: u64, assets: u64) -> NamespaceUsage {
    NamespaceUsage {
        bytes,
        assets,
        quota_bytes: None,
        quota_assets: None,
    }
}

/// Storage counts live assets by kind with their originals and variants (renditions
/// included), the trash apart, and per namespace the stored originals, trash included,
/// each blob once; purging frees what no asset references any more.
pub(crate) async fn storage_counts_live_assets_by_kind_the_trash_and_each_blob_once(store: Store) {
    let store = store.as_ref();
    // First, while its jobs are the only ones to claim: a 100-byte video with a 1000-byte
    // rendition.
    let (video, _, lease) = video_with_running_transcode(store, 41).await;
    let mp4 = rendition(video.id, "mp4_720p");
    store.record_rendition(lease, mp4).await.unwrap().unwrap();
    // Each processed right after it is made, while its job is the only one due.
    let small = asset(store, HOME, 1, 10).await.id;
    process(store, small, with_variants(small, &[3, 4])).await;
    let gone = asset(store, HOME, 3, 20).await.id;
    process(store, gone, with_variants(gone, &[5])).await;
    let big = asset(store, HOME, 2, 30).await.id;
    trash(store, HOME, &[gone]).await;
    let away = away(store).await;
    // The same bytes as `small`, stored again for the other namespace.
    asset(store, away, 1, 10).await;
    let slugs: HashMap<_, _> = store
        .list_namespaces()
        .await
        .unwrap()
        .into_iter()
        .map(|n| (n.id, n.slug))
        .collect();
    let (home_slug, away_slug) = (slugs[&HOME].as_str(), slugs[&away].as_str());
    let report = |by_kind, trash, home: (u64, u64)| {
        let mut by_namespace = vec![stored(home_slug, home.0, home.1), stored(away_slug, 1, 10)];
        by_namespace.sort_by(|x, y| x.namespace.cmp(&y.namespace));
        StorageReport {
            by_kind,
            trash,
            by_namespace,
        }
    };

    let image = |assets, bytes| kind(AssetKind::Image, assets, bytes, 7);
    let video = kind(AssetKind::Video, 1, 100, 1000);
    assert_eq!(
        sorted(store.storage_report(HOME).await.unwrap()),
        report(vec![image(2, 40), video.clone()], (1, 20), (3, 160))
    );
    assert_eq!(store.namespace_usage(HOME).await.unwrap(), usage(160, 3));
    assert_eq!(store.namespace_usage(away).await.unwrap(), usage(10, 1));

    // The trashed bytes again: a new live asset on the blob already stored.
    let again = asset(store, HOME, 3, 20).await.id;
    assert_eq!(
        sorted(store.storage_report(HOME).await.unwrap()),
        report(vec![image(3, 60), video.clone()], (1, 20), (4, 160))
    );
    assert_eq!(store.namespace_usage(HOME).await.unwrap(), usage(160, 4));

    // Purging the trashed asset keeps the blob `again` uses; purging `big` frees its own.
    store.purge_asset(gone).await.unwrap().unwrap();
    store.purge_asset(big).await.unwrap().unwrap();
    assert_eq!(
        sorted(store.storage_report(HOME).await.unwrap()),
        report(vec![image(2, 30), video], (0, 0), (3, 130))
    );
    assert_eq!(store.namespace_usage(HOME).await.unwrap(), usage(130, 3));
    assert!(store.get_asset(again).await.unwrap().is_some());
}

/// Uploads per day count the namespace's assets created that day, trashed ones included,
/// from the first day asked for; days without uploads are left out.
pub(crate) async fn uploads_per_day_count_created_assets_including_the_trashed(store: Store) {
    let store = store.as_ref();
    let made = [
        asset(store, HOME, 1, 10).await,
        asset(store, HOME, 2, 20).await,
        asset(store, HOME, 3, 30).await,
    ];
    trash(store, HOME, &[made[2].id]).await;
    let away = away(store).await;
    let theirs = asset(store, away, 4, 1000).await;
    // Computed from the creation times, so a run across midnight (UTC) holds too.
    let mut days = BTreeMap::<i64, (u64, u64)>::new();
    for a in &made {
        let day = days.entry(epoch_day(a.created_at)).or_default();
        *day = (day.0 + 1, day.1 + a.size);
    }
    let expected: Vec<_> = days
        .iter()
        .map(|(&day, &(assets, bytes))| DayUploads { day, assets, bytes })
        .collect();
    let (first, last) = (expected[0].day, expected[expected.len() - 1].day);
    let per_day = |ns: NamespaceId, from_day: i64| async move {
        let mut days = store.uploads_per_day(ns, from_day).await.unwrap();
        days.sort_by_key(|d| d.day);
        days
    };
    assert_eq!(per_day(HOME, first).await, expected);
    assert_eq!(per_day(HOME, first - 30).await, expected);
    assert!(per_day(HOME, last + 1).await.is_empty());
    let there = DayUploads {
        day: epoch_day(theirs.created_at),
        assets: 1,
        bytes: 1000,
    };
    assert_eq!(per_day(away, first - 30).await, [there]);
}

/// The reports of a namespace without assets are empty, not errors.
pub(crate) async fn an_empty_namespace_reports_nothing_stored(store: Store) {
    let store = store.as_ref();
    assert_eq!(store.namespace_usage(HOME).await.unwrap(), usage(0, 0));
    let report = sorted(store.storage_report(HOME).await.unwrap());
    assert!(report.by_kind.is_empty());
    assert_eq!(report.trash, (0, 0));
    assert!(
        report
            .by_namespace
            .iter()
            .all(|n| n.assets == 0 && n.blob_bytes == 0)
    );
    assert!(store.top_assets(HOME, 0, 10).await.unwrap().is_empty());
    assert!(store.uploads_per_day(HOME, 0).await.unwrap().is_empty());
}

/// Batches recorded at once (several server processes on PostgreSQL), naming the same
/// assets and days in different orders, all count.
pub(crate) async fn concurrent_batches_of_deliveries_all_count(store: Store) {
    let [a, b] = [
        asset(store.as_ref(), HOME, 1, 10).await,
        asset(store.as_ref(), HOME, 2, 10).await,
    ];
    let store: std::sync::Arc<dyn MetadataStore> = store.into();
    let tasks: Vec<_> = (0..16u64)
        .map(|n| {
            let store = store.clone();
            let mut batch = vec![
                delivered(&a, DAY, 1, 10),
                delivered(&b, DAY, 3, 30),
                delivered(&a, DAY + 1, 1, 10),
            ];
            if n % 2 == 1 {
                batch.reverse();
            }
            tokio::spawn(async move { store.record_deliveries(&batch).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(
        store.top_assets(HOME, DAY, 10).await.unwrap(),
        [viewed(&b, 48, 480), viewed(&a, 32, 320)]
    );
}

/// Retention takes live assets of the namespace uploaded before the cutoff, used nowhere
/// and not viewed on the cutoff's day or later, oldest first; namespaces keep their own
/// policy.
pub(crate) async fn retention_takes_old_unused_unviewed_live_assets(store: Store) {
    let store = store.as_ref();
    let idle = asset(store, HOME, 90, 10).await;
    let used = asset(store, HOME, 91, 10).await;
    let viewed = asset(store, HOME, 92, 10).await;
    let seen_long_ago = asset(store, HOME, 93, 10).await;
    let trashed = asset(store, HOME, 94, 10).await;
    let elsewhere = asset(store, away(store).await, 95, 10).await;
    let usage = medialib_core::organise::UsageRef {
        entity_type: "article".into(),
        entity_id: "1".into(),
        usage_type: "hero".into(),
    };
    store.record_usage(used.id, &usage).await.unwrap();
    let since = medialib_core::Timestamp::now_utc() + time::Duration::days(1);
    let today = epoch_day(since);
    let views = [
        delivered(&viewed, today, 1, 10),
        delivered(&seen_long_ago, today - 40, 3, 30),
    ];
    store.record_deliveries(&views).await.unwrap();
    trash(store, HOME, &[trashed.id]).await;
    let found = store.retention_candidates(HOME, since, 10).await.unwrap();
    assert_eq!(found, [idle.id, seen_long_ago.id]);
    assert_eq!(
        store.retention_candidates(HOME, since, 1).await.unwrap(),
        [idle.id]
    );
    let before_all = idle.created_at - time::Duration::seconds(1);
    assert!(
        store
            .retention_candidates(HOME, before_all, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let away_ns = elsewhere.namespace;
    assert_eq!(
        store
            .retention_candidates(away_ns, since, 10)
            .await
            .unwrap(),
        [elsewhere.id]
    );

    let thirty = NamespaceChange {
        retention_days: Some(Some(30)),
        ..NamespaceChange::default()
    };
    let home = store.update_namespace(HOME, &thirty).await.unwrap();
    assert_eq!(home.unwrap().retention_days, Some(30));
    let missing = store.update_namespace(NamespaceId(999), &thirty).await;
    assert!(missing.unwrap().is_none());
    let policies: Vec<Option<u32>> = store
        .list_namespaces()
        .await
        .unwrap()
        .iter()
        .map(|n| n.retention_days)
        .collect();
    assert_eq!(policies, [Some(30), None]);
}
