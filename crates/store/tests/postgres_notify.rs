//! Processes sharing one PostgreSQL database hear of each other's changes at once
//! (`LISTEN/NOTIFY`): a job queued by one wakes the idle workers of another, and an asset
//! changed by one advances the asset generation of the other, so its delivery cache
//! stops trusting what it holds.

use std::sync::Arc;
use std::time::Duration;

use medialib_core::store::{NewAsset, NewCollection};
use medialib_core::{AssetId, AssetKind, MetadataStore, NamespaceId, Sha256, store::AssetPatch};
use medialib_store::PgStore;
use medialib_test_servers::PgCluster;

fn new_asset(byte: u8) -> NewAsset {
    let sha = Sha256([byte; 32]);
    NewAsset {
        id: AssetId::new(),
        namespace: NamespaceId(1),
        kind: AssetKind::Image,
        mime: "image/png".into(),
        size: 10,
        sha256: sha,
        storage_key: format!("originals/1/{sha}"),
        original_filename: "n.png".into(),
        title: "n".into(),
        description: None,
        alt_text: None,
        is_public: false,
        width: Some(1),
        height: Some(1),
        duration_s: None,
        uploaded_by: None,
        max_attempts: 1,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_node_hears_of_another_nodes_jobs_and_asset_changes() {
    let url = PgCluster::shared().fresh_database().await;
    let writer: Arc<dyn MetadataStore> = Arc::new(PgStore::open(&url, 2).await.unwrap());
    let reader: Arc<dyn MetadataStore> = Arc::new(PgStore::open(&url, 2).await.unwrap());

    let woken = tokio::spawn({
        let reader = Arc::clone(&reader);
        async move { reader.job_queued_elsewhere().await }
    });
    // The waiter registers before the job is queued.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let before = reader.asset_generation();
    let asset = match writer.create_asset(new_asset(1)).await.unwrap() {
        medialib_core::store::IngestRecord::Created { asset, .. } => asset,
        other => panic!("{other:?}"),
    };
    tokio::time::timeout(Duration::from_secs(5), woken)
        .await
        .expect("the other node's idle workers are woken by the queued job")
        .unwrap();
    let advanced = |from: u64| {
        let reader = Arc::clone(&reader);
        async move {
            for _ in 0..100 {
                if reader.asset_generation() > from {
                    return true;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            false
        }
    };
    assert!(advanced(before).await, "a new asset elsewhere");
    let before = reader.asset_generation();
    let patch = AssetPatch {
        title: Some("renamed".into()),
        ..AssetPatch::default()
    };
    writer.update_asset(asset.id, &patch).await.unwrap();
    assert!(advanced(before).await, "an edit elsewhere");
    let before = reader.asset_generation();
    let new = NewCollection {
        title: "Press".into(),
        ..NewCollection::default()
    };
    let press = writer
        .create_collection(asset.namespace, &new)
        .await
        .unwrap();
    writer
        .insert_items(press.id, &[asset.id], None)
        .await
        .unwrap();
    assert!(
        advanced(before).await,
        "new collection items elsewhere (a collection's watermark reaches its assets)"
    );

    let own = writer.asset_generation();
    reader.get_asset(asset.id).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        writer.asset_generation(),
        own,
        "a process counts its own changes once, and reads elsewhere are no changes"
    );
}
