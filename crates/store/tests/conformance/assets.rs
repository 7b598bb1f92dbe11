//! Assets, blobs, variants and upload sessions: creation and dedup, patches, processing
//! results, the delivery generation, tokens, and concurrent writers.

use std::time::Duration;

use medialib_core::store::{
    AssetPatch, BulkAction, IngestRecord, NewVariant, Processed, StoredBlob,
};
use medialib_core::{
    AssetId, AssetStatus, Concat, ImageMetadata, Metadata, MetadataStore, NamespaceId,
    OutputFormat, Placeholder, Sha256, Timestamp, UploadId, UploadSession,
};

use crate::{Store, created, image_processed, new_asset, process};

pub(crate) async fn same_bytes_in_a_namespace_are_one_asset(store: Store) {
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

pub(crate) async fn patches_change_only_what_they_name(store: Store) {
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
    assert_eq!(b.focal_point, None);
    let focal = |point| AssetPatch {
        focal_point: Some(point),
        ..Default::default()
    };
    let point = medialib_core::FocalPoint::new(0.25, 0.75);
    let c = store
        .update_asset(a.id, &focal(point))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (c.focal_point, c.alt_text.as_deref()),
        (point, Some("a dog"))
    );
    let d = store
        .update_asset(a.id, &focal(None))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.focal_point, None);
    assert!(
        store
            .update_asset(AssetId::new(), &patch)
            .await
            .unwrap()
            .is_none()
    );
}

/// Every change delivery reads advances the generation, so a delivery cache filled before
/// it can never serve a trashed, purged, hidden or reprocessed asset.
pub(crate) async fn changes_delivery_reads_advance_the_asset_generation(store: Store) {
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
    let processed = image_processed();
    process(&*store, a.id, processed).await;
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

pub(crate) async fn processing_results_record_facts_variants_and_placeholders(store: Store) {
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
        analyse: false,
    };
    let gone = process(&*store, a.id, processed(&["small", "large"])).await;
    assert!(gone.keys.is_empty());
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
    assert_eq!(names, ["small", "large"]);
}

pub(crate) async fn tokens_resolve_to_their_principal(store: Store) {
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
pub(crate) async fn concurrent_writers_queue_instead_of_failing(store: Store) {
    let store: std::sync::Arc<dyn MetadataStore> = store.into();
    let tasks: Vec<_> = (0..32u8)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let asset = created(store.create_asset(new_asset(100 + i, "c", 1)).await?);
                let processed = image_processed();
                // Whichever asset's job this claims (its asset may be purged meanwhile):
                // the point is concurrent read-then-write transactions. The second record
                // reads, then is refused, since the first ended the job.
                let claimed = store.claim_job("c", Duration::from_secs(60)).await?;
                if let Some((_, lease)) = claimed {
                    store.record_processed(lease, processed.clone()).await?;
                    assert!(store.record_processed(lease, processed).await?.is_none());
                }
                store.purge_asset(asset.id).await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
}

/// Regression (found by two PostgreSQL API nodes): uploads of the same bytes at the same
/// moment end in one `Created` and `Duplicate`s naming it, never an error.
pub(crate) async fn concurrent_uploads_of_the_same_bytes_make_one_asset(store: Store) {
    let store: std::sync::Arc<dyn MetadataStore> = store.into();
    for round in 0..20u8 {
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move { store.create_asset(new_asset(round, "same", 1)).await })
            })
            .collect();
        let mut created = Vec::new();
        let mut duplicates = Vec::new();
        for task in tasks {
            match task.await.unwrap().unwrap() {
                IngestRecord::Created { asset, .. } => created.push(asset.id),
                IngestRecord::Duplicate(asset) => duplicates.push(asset.id),
            }
        }
        assert_eq!(created.len(), 1, "round {round}: {created:?}");
        assert!(
            duplicates.iter().all(|id| *id == created[0]),
            "round {round}"
        );
    }
}

/// Every blob the metadata references comes out once, page by page in storage-key order
/// (originals, then variants), with its size and hash; a trashed asset's still count, a
/// purged one's do not.
pub(crate) async fn stored_blobs_page_through_every_referenced_blob_in_key_order(store: Store) {
    let mut expected = Vec::new();
    for n in 0..4u8 {
        let asset = created(
            store
                .create_asset(new_asset(50 + n, "s", 100 + u64::from(n)))
                .await
                .unwrap(),
        );
        expected.push(StoredBlob {
            key: format!("originals/1/{}", Sha256([50 + n; 32])),
            size: 100 + u64::from(n),
            sha256: Sha256([50 + n; 32]),
        });
        let variants: Vec<NewVariant> = ["small", "large"]
            .iter()
            .map(|name| NewVariant {
                name: (*name).into(),
                format: OutputFormat::Webp,
                width: Some(10),
                height: Some(10),
                duration_s: None,
                size: u64::from(n) + 1,
                sha256: Sha256([n; 32]),
                storage_key: format!("variants/{}/{name}.webp", asset.id),
            })
            .collect();
        for v in &variants {
            expected.push(StoredBlob {
                key: v.storage_key.clone(),
                size: v.size,
                sha256: v.sha256,
            });
        }
        let processed = Processed {
            variants,
            ..image_processed()
        };
        process(&*store, asset.id, processed).await;
    }
    expected.sort_by(|a, b| a.key.cmp(&b.key));

    let walk = |limit: u32| {
        let store = &store;
        async move {
            let mut all: Vec<StoredBlob> = Vec::new();
            loop {
                let after = all.last().map(|b| b.key.clone());
                let page = store.stored_blobs(after.as_deref(), limit).await.unwrap();
                assert!(page.len() as u32 <= limit);
                if page.is_empty() {
                    return all;
                }
                all.extend(page);
            }
        }
    };
    // Pages that end inside the originals, on their last one, and inside the variants.
    for limit in [1, 3, 4, 5, 100] {
        assert_eq!(walk(limit).await, expected, "pages of {limit}");
    }

    let trashed = &expected[0];
    let asset = store
        .find_by_sha256(NamespaceId(1), &trashed.sha256)
        .await
        .unwrap()
        .unwrap();
    store
        .bulk(
            NamespaceId(1),
            &BulkAction::Delete { force: false },
            &[asset.id],
        )
        .await
        .unwrap();
    assert_eq!(walk(100).await, expected, "the trash keeps its blobs");
    store.purge_asset(asset.id).await.unwrap();
    let left: Vec<StoredBlob> = expected
        .iter()
        .filter(|b| b.key != trashed.key && !b.key.contains(&asset.id.to_string()))
        .cloned()
        .collect();
    assert_eq!(walk(100).await, left, "a purged asset's blobs are gone");
}

pub(crate) async fn upload_sessions_keep_offsets_concatenation_and_expiry(store: Store) {
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
        chunk_size: None,
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
    let (mine, theirs) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    // Without the lease nothing is recorded.
    assert!(
        !store
            .set_upload_offset(part.id, 400, later, mine)
            .await
            .unwrap()
    );
    assert!(store.lease_upload(part.id, mine, later, now).await.unwrap());
    assert!(
        !store
            .lease_upload(part.id, theirs, later, now)
            .await
            .unwrap(),
        "a held lease is refused to another"
    );
    assert!(
        store.lease_upload(part.id, mine, later, now).await.unwrap(),
        "renewed"
    );
    assert!(
        store
            .set_upload_offset(part.id, 400, later, mine)
            .await
            .unwrap()
    );
    assert!(
        !store
            .set_upload_offset(part.id, 500, later, theirs)
            .await
            .unwrap()
    );
    let read = store.get_upload(part.id).await.unwrap().unwrap();
    assert_eq!((read.offset, read.expires_at), (400, later));
    assert!(!read.is_complete());
    // The offset can never pass the length.
    assert!(
        store
            .set_upload_offset(part.id, 1001, later, mine)
            .await
            .is_err()
    );
    // A lease that ran out goes to the next asker, and its old holder is fenced off.
    assert!(
        store
            .lease_upload(part.id, theirs, later, later)
            .await
            .unwrap()
    );
    assert!(
        !store
            .set_upload_offset(part.id, 500, later, mine)
            .await
            .unwrap()
    );
    store.release_upload(part.id, mine).await.unwrap();
    assert!(
        !store.lease_upload(part.id, mine, later, now).await.unwrap(),
        "not the holder's"
    );
    store.release_upload(part.id, theirs).await.unwrap();
    assert!(store.lease_upload(part.id, mine, later, now).await.unwrap());

    let chunked = UploadSession {
        chunk_size: Some(300),
        ..session(None, later)
    };
    store.create_upload(&chunked).await.unwrap();
    let read = store.get_upload(chunked.id).await.unwrap().unwrap();
    assert_eq!((read.chunk_size, read.total_chunks()), (Some(300), Some(4)));

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
        4,
        "every session expires"
    );
    assert!(store.delete_upload(stale.id).await.unwrap());
    assert!(!store.delete_upload(stale.id).await.unwrap());
    assert!(store.get_upload(stale.id).await.unwrap().is_none());
    assert!(
        !store
            .set_upload_offset(stale.id, 1, later, mine)
            .await
            .unwrap()
    );
    assert!(
        !store
            .lease_upload(stale.id, mine, later, now)
            .await
            .unwrap()
    );
}

/// Reprocessing a live asset marks it processing and queues one processing job, which
/// records as the first did; an asset in the trash or gone is not reprocessed.
pub(crate) async fn reprocessing_queues_a_processing_job_for_a_live_asset(store: Store) {
    let a = created(store.create_asset(new_asset(12, "again", 1)).await.unwrap());
    process(&*store, a.id, image_processed()).await;
    let ready = store.get_asset(a.id).await.unwrap().unwrap();
    assert_eq!(ready.status, AssetStatus::Ready);

    let job = store.reprocess(a.id, 3).await.unwrap().expect("queued");
    let again = store.get_asset(a.id).await.unwrap().unwrap();
    assert_eq!(again.status, AssetStatus::Processing);
    let queued = store.get_job(job).await.unwrap().unwrap();
    assert_eq!((queued.asset_id, queued.max_attempts), (a.id, 3));
    process(&*store, a.id, image_processed()).await;
    let done = store.get_asset(a.id).await.unwrap().unwrap();
    assert_eq!(done.status, AssetStatus::Ready);

    store
        .bulk(NamespaceId(1), &BulkAction::Delete { force: true }, &[a.id])
        .await
        .unwrap();
    assert_eq!(store.reprocess(a.id, 3).await.unwrap(), None);
    assert_eq!(store.reprocess(AssetId::new(), 3).await.unwrap(), None);
}
