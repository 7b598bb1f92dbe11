//! Collections and their ordered items.

use std::time::Duration;

use medialib_core::organise::{Collection, CollectionId, CollectionItem};
use medialib_core::store::{BulkAction, BulkRefusal, CollectionPatch, NewCollection};
use medialib_core::{AssetId, MetadataStore, StoreError};

use super::{HOME, asset, away, bulk_ok, trash};
use crate::Store;

fn titled(title: &str) -> NewCollection {
    NewCollection {
        title: title.into(),
        ..Default::default()
    }
}

async fn collection(store: &dyn MetadataStore, title: &str) -> Collection {
    store.create_collection(HOME, &titled(title)).await.unwrap()
}

/// `count` new assets of `HOME`, of 10, 20, 30… bytes.
async fn assets(store: &dyn MetadataStore, count: u8) -> Vec<AssetId> {
    let mut ids = Vec::new();
    for n in 1..=count {
        ids.push(asset(store, HOME, n, u64::from(n) * 10).await.id);
    }
    ids
}

/// The collection's items as `(asset, position)`, in the order listed.
async fn items(store: &dyn MetadataStore, id: CollectionId) -> Vec<(AssetId, u32)> {
    let listed = store.collection_items(id, 0, 100).await.unwrap();
    listed.into_iter().map(|i| (i.asset, i.position)).collect()
}

/// The collection's assets, in the order listed.
async fn listed(store: &dyn MetadataStore, id: CollectionId) -> Vec<AssetId> {
    items(store, id).await.into_iter().map(|i| i.0).collect()
}

/// `assets` at positions 0, 1, 2…
fn placed(assets: &[AssetId]) -> Vec<(AssetId, u32)> {
    assets.iter().copied().zip(0..).collect()
}

async fn titles(store: &dyn MetadataStore, ns: medialib_core::NamespaceId) -> Vec<String> {
    let all = store.list_collections(ns).await.unwrap();
    assert!(all.iter().all(|c| c.namespace == ns), "{all:?}");
    all.into_iter().map(|c| c.title).collect()
}

fn assert_conflict<T: std::fmt::Debug>(result: Result<T, StoreError>, slug: &str) {
    match result {
        Err(StoreError::Conflict(message)) => assert!(message.contains(slug), "{message}"),
        other => panic!("expected a conflict on {slug:?}, got {other:?}"),
    }
}

/// `NotFound` naming `id` (and none of `not`).
fn assert_not_found<T: std::fmt::Debug>(
    result: Result<T, StoreError>,
    id: AssetId,
    not: &[AssetId],
) {
    match result {
        Err(StoreError::NotFound(message)) => {
            assert!(message.contains(&id.to_string()), "{message} names {id}");
            for other in not {
                assert!(!message.contains(&other.to_string()), "{message}");
            }
        }
        other => panic!("expected {id} not found, got {other:?}"),
    }
}

/// A collection's slug is derived from its title unless given, and its kind is `folder`
/// unless given; a taken slug is a `Conflict`, a cover that is not an asset of the
/// namespace `NotFound`. Collections list by title, per namespace.
pub(crate) async fn collections_get_derived_slugs_and_a_taken_slug_conflicts(store: Store) {
    let store = store.as_ref();
    let cover = asset(store, HOME, 1, 10).await.id;
    let new = NewCollection {
        description: Some("beach".into()),
        color: Some("#00ff00".into()),
        is_public: true,
        cover_asset: Some(cover),
        ..titled("Summer Trip 2026!")
    };
    let trip = store.create_collection(HOME, &new).await.unwrap();
    assert_eq!(
        (
            trip.namespace,
            trip.title.as_str(),
            trip.slug.as_str(),
            trip.kind.as_str()
        ),
        (HOME, "Summer Trip 2026!", "summer-trip-2026", "folder")
    );
    assert_eq!(
        (
            trip.description.as_deref(),
            trip.color.as_deref(),
            trip.is_public
        ),
        (Some("beach"), Some("#00ff00"), true)
    );
    assert_eq!(
        (trip.cover_asset, trip.item_count, trip.total_bytes),
        (Some(cover), 0, 0)
    );
    assert_eq!(
        store.get_collection(HOME, trip.id).await.unwrap(),
        Some(trip)
    );
    let given = NewCollection {
        slug: Some("old-stuff".into()),
        kind: "gallery".into(),
        ..titled("Archive")
    };
    let archive = store.create_collection(HOME, &given).await.unwrap();
    assert_eq!(
        (archive.slug.as_str(), archive.kind.as_str()),
        ("old-stuff", "gallery")
    );

    let same_title = titled("summer trip 2026");
    assert_conflict(
        store.create_collection(HOME, &same_title).await,
        "summer-trip-2026",
    );
    let same_slug = NewCollection {
        slug: Some("old-stuff".into()),
        ..titled("Other")
    };
    assert_conflict(store.create_collection(HOME, &same_slug).await, "old-stuff");

    let away = away(store).await;
    let theirs = asset(store, away, 2, 10).await.id;
    // A cover from another namespace, or no asset at all, is not found (both ways round).
    for (ns, borrowed) in [(HOME, theirs), (HOME, AssetId::new()), (away, cover)] {
        let new = NewCollection {
            cover_asset: Some(borrowed),
            ..titled("Borrowed cover")
        };
        assert_not_found(store.create_collection(ns, &new).await, borrowed, &[]);
    }
    // Another namespace has slugs of its own.
    let there = store
        .create_collection(away, &titled("Summer Trip 2026!"))
        .await;
    assert_eq!(there.unwrap().slug, "summer-trip-2026");

    collection(store, "Zoo").await;
    collection(store, "Birthday").await;
    assert_eq!(
        titles(store, HOME).await,
        ["Archive", "Birthday", "Summer Trip 2026!", "Zoo"]
    );
    assert_eq!(titles(store, away).await, ["Summer Trip 2026!"]);
}

/// A patch changes only the fields it names, under the same rules as creating; only the
/// owning namespace sees, changes or deletes a collection, and deleting one keeps its
/// assets.
pub(crate) async fn collection_patches_change_only_what_they_name_in_their_namespace(store: Store) {
    let store = store.as_ref();
    let cover = asset(store, HOME, 1, 10).await.id;
    let new = NewCollection {
        description: Some("beach".into()),
        color: Some("#00ff00".into()),
        cover_asset: Some(cover),
        ..titled("Trip")
    };
    let trip = store.create_collection(HOME, &new).await.unwrap();
    collection(store, "Taken").await;
    let patch = CollectionPatch {
        title: Some("Trip 2026".into()),
        color: Some(None),
        is_public: Some(true),
        cover_asset: Some(None),
        ..Default::default()
    };
    let got = store
        .update_collection(HOME, trip.id, &patch)
        .await
        .unwrap();
    let got = got.unwrap();
    assert_eq!(
        (
            got.title.as_str(),
            got.slug.as_str(),
            got.description.as_deref()
        ),
        ("Trip 2026", "trip", Some("beach"))
    );
    assert_eq!(
        (
            got.kind.as_str(),
            got.color.as_deref(),
            got.is_public,
            got.cover_asset
        ),
        ("folder", None, true, None)
    );
    assert_eq!(
        store.get_collection(HOME, trip.id).await.unwrap(),
        Some(got)
    );
    let rekey = CollectionPatch {
        slug: Some("journey".into()),
        kind: Some("event_photos".into()),
        ..Default::default()
    };
    let got = store
        .update_collection(HOME, trip.id, &rekey)
        .await
        .unwrap();
    let got = got.unwrap();
    assert_eq!(
        (got.slug.as_str(), got.kind.as_str()),
        ("journey", "event_photos")
    );
    let taken = CollectionPatch {
        slug: Some("taken".into()),
        ..Default::default()
    };
    assert_conflict(
        store.update_collection(HOME, trip.id, &taken).await,
        "taken",
    );

    let away = away(store).await;
    let theirs = asset(store, away, 2, 10).await.id;
    let borrow = CollectionPatch {
        cover_asset: Some(Some(theirs)),
        ..Default::default()
    };
    let result = store.update_collection(HOME, trip.id, &borrow).await;
    assert_not_found(result, theirs, &[]);
    let rename = CollectionPatch {
        title: Some("Stolen".into()),
        ..Default::default()
    };
    assert_eq!(
        store
            .update_collection(away, trip.id, &rename)
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.get_collection(away, trip.id).await.unwrap(), None);
    assert!(!store.delete_collection(away, trip.id).await.unwrap());
    store.insert_items(trip.id, &[cover], None).await.unwrap();
    // Bulk actions of another namespace cannot add to it either.
    let add = BulkAction::AddToCollection(trip.id);
    let report = store.bulk(away, &add, &[theirs]).await;
    assert!(report.is_err() || !report.unwrap().applied);
    assert_eq!(listed(store, trip.id).await, [cover]);
    let kept = store.get_collection(HOME, trip.id).await.unwrap().unwrap();
    assert_eq!(
        (kept.title.as_str(), kept.slug.as_str()),
        ("Trip 2026", "journey")
    );
    assert_eq!(kept.cover_asset, None);
    let unknown = CollectionId(trip.id.0 + 1000);
    assert_eq!(
        store
            .update_collection(HOME, unknown, &rename)
            .await
            .unwrap(),
        None
    );

    assert!(store.delete_collection(HOME, trip.id).await.unwrap());
    assert!(!store.delete_collection(HOME, trip.id).await.unwrap());
    assert_eq!(store.get_collection(HOME, trip.id).await.unwrap(), None);
    assert_eq!(titles(store, HOME).await, ["Taken"]);
    let asset = store.get_asset(cover).await.unwrap().unwrap();
    assert_eq!(asset.deleted_at, None);
}

/// Items are inserted at a 0-based position or appended, in the given order; items already
/// in the collection move there. Pages list them in order from an offset, and the
/// collection counts them, sums their sizes and records the change.
pub(crate) async fn items_are_inserted_at_positions_and_paged_in_order(store: Store) {
    let store = store.as_ref();
    let ids = assets(store, 5).await;
    let [a, b, c, d, e] = ids[..] else {
        unreachable!()
    };
    let trip = collection(store, "Trip").await;
    store.insert_items(trip.id, &[a, b], None).await.unwrap();
    assert_eq!(items(store, trip.id).await, placed(&[a, b]));
    store.insert_items(trip.id, &[c], None).await.unwrap();
    store.insert_items(trip.id, &[d], Some(0)).await.unwrap();
    assert_eq!(items(store, trip.id).await, placed(&[d, a, b, c]));
    tokio::time::sleep(Duration::from_millis(20)).await;
    // `b` moves from after `a` to before it.
    store.insert_items(trip.id, &[e, b], Some(1)).await.unwrap();
    assert_eq!(items(store, trip.id).await, placed(&[d, e, b, a, c]));

    let page = |offset, limit| async move {
        let items = store
            .collection_items(trip.id, offset, limit)
            .await
            .unwrap();
        items
            .into_iter()
            .map(|i| (i.asset, i.position))
            .collect::<Vec<_>>()
    };
    assert_eq!(page(0, 2).await, [(d, 0), (e, 1)]);
    assert_eq!(page(2, 2).await, [(b, 2), (a, 3)]);
    assert_eq!(page(4, 2).await, [(c, 4)]);
    assert!(page(5, 2).await.is_empty());

    let now = store.get_collection(HOME, trip.id).await.unwrap().unwrap();
    assert_eq!((now.item_count, now.total_bytes), (5, 150));
    assert!(now.updated_at > trip.updated_at, "items changed: {now:?}");
}

/// Only live assets of the collection's namespace can be inserted; the error names the
/// first id that is not one.
pub(crate) async fn inserting_anything_but_a_live_asset_of_the_namespace_is_not_found(
    store: Store,
) {
    let store = store.as_ref();
    let ids = assets(store, 2).await;
    let (own, gone) = (ids[0], ids[1]);
    trash(store, HOME, &[gone]).await;
    let away = away(store).await;
    let theirs = asset(store, away, 3, 10).await.id;
    let unknown = AssetId::new();
    let trip = collection(store, "Trip").await;
    let insert =
        |assets: Vec<AssetId>| async move { store.insert_items(trip.id, &assets, None).await };
    assert_not_found(
        insert(vec![own, theirs, unknown]).await,
        theirs,
        &[own, unknown],
    );
    assert_not_found(insert(vec![unknown, theirs]).await, unknown, &[theirs]);
    assert_not_found(insert(vec![gone]).await, gone, &[]);
    store.insert_items(trip.id, &[own], None).await.unwrap();
    assert_eq!(items(store, trip.id).await, placed(&[own]));
}

/// A new order must name every item exactly once; anything else is a `Conflict` and
/// leaves the order as it was.
pub(crate) async fn reordering_must_name_every_item_exactly_once(store: Store) {
    let store = store.as_ref();
    let ids = assets(store, 4).await;
    let [a, b, c, outsider] = ids[..] else {
        unreachable!()
    };
    let trip = collection(store, "Trip").await;
    store.insert_items(trip.id, &[a, b, c], None).await.unwrap();
    store.reorder_items(trip.id, &[c, a, b]).await.unwrap();
    assert_eq!(items(store, trip.id).await, placed(&[c, a, b]));
    for wrong in [
        vec![a, b],
        vec![b, a, c, c],
        vec![a, a, b],
        vec![a, b, outsider],
        vec![a, b, c, outsider],
        vec![],
    ] {
        let result = store.reorder_items(trip.id, &wrong).await;
        assert!(
            matches!(result, Err(StoreError::Conflict(_))),
            "{wrong:?}: {result:?}"
        );
        assert_eq!(items(store, trip.id).await, placed(&[c, a, b]));
    }
}

/// Bulk adding appends the assets that are not in the collection yet (the others keep
/// their place); bulk removing takes them out and closes the gap.
pub(crate) async fn bulk_actions_append_to_and_remove_from_collections(store: Store) {
    let store = store.as_ref();
    let ids = assets(store, 4).await;
    let [a, b, c, d] = ids[..] else {
        unreachable!()
    };
    let trip = collection(store, "Trip").await;
    store.insert_items(trip.id, &[a, b], None).await.unwrap();
    bulk_ok(
        store,
        HOME,
        BulkAction::AddToCollection(trip.id),
        &[c, a, d],
    )
    .await;
    assert_eq!(items(store, trip.id).await, placed(&[a, b, c, d]));
    let remove = BulkAction::RemoveFromCollection(trip.id);
    bulk_ok(store, HOME, remove, &[b, d]).await;
    assert_eq!(items(store, trip.id).await, placed(&[a, c]));
    let now = store.get_collection(HOME, trip.id).await.unwrap().unwrap();
    assert_eq!((now.item_count, now.total_bytes), (2, 40));
}

/// An item whose asset is in the trash is neither listed nor counted, cannot be added
/// again, and is listed once more when the asset is restored.
pub(crate) async fn trashed_items_are_hidden_until_restored(store: Store) {
    let store = store.as_ref();
    let ids = assets(store, 3).await;
    let [a, b, c] = ids[..] else { unreachable!() };
    let trip = collection(store, "Trip").await;
    store.insert_items(trip.id, &[a, b, c], None).await.unwrap();
    trash(store, HOME, &[b]).await;
    assert_eq!(listed(store, trip.id).await, [a, c]);
    let now = store.get_collection(HOME, trip.id).await.unwrap().unwrap();
    assert_eq!((now.item_count, now.total_bytes), (2, 40));
    let add = BulkAction::AddToCollection(trip.id);
    let report = store.bulk(HOME, &add, &[b]).await.unwrap();
    assert!(!report.applied);
    assert_eq!(report.results, [(b, Err(BulkRefusal::NotFound))]);
    assert_not_found(store.insert_items(trip.id, &[b], None).await, b, &[]);

    bulk_ok(store, HOME, BulkAction::Restore, &[b]).await;
    let mut back = listed(store, trip.id).await;
    back.sort();
    let mut all = vec![a, b, c];
    all.sort();
    assert_eq!(back, all);
    let now = store.get_collection(HOME, trip.id).await.unwrap().unwrap();
    assert_eq!((now.item_count, now.total_bytes), (3, 60));
}

/// Offsets count listed items: with an item in the trash, the next page starts right after
/// the last item shown, while positions keep the trashed item's place.
pub(crate) async fn pages_count_listed_items_when_an_item_is_trashed(store: Store) {
    let store = store.as_ref();
    let ids = assets(store, 4).await;
    let [a, b, c, d] = ids[..] else {
        unreachable!()
    };
    let trip = collection(store, "Trip").await;
    store
        .insert_items(trip.id, &[a, b, c, d], None)
        .await
        .unwrap();
    trash(store, HOME, &[b]).await;
    let listed = |items: Vec<CollectionItem>| -> Vec<_> {
        items.into_iter().map(|i| (i.asset, i.position)).collect()
    };
    let all = listed(store.collection_items(trip.id, 0, 10).await.unwrap());
    assert_eq!(all, [(a, 0), (c, 2), (d, 3)]);
    let first = listed(store.collection_items(trip.id, 0, 2).await.unwrap());
    let second = listed(store.collection_items(trip.id, 2, 2).await.unwrap());
    assert_eq!(first, [(a, 0), (c, 2)]);
    assert_eq!(second, [(d, 3)], "the page after two listed items");
}

/// Writers changing one collection at once (several server processes on PostgreSQL) each
/// see the order the others left: every item is kept, once, and positions stay dense.
pub(crate) async fn concurrent_changes_keep_every_item_once_at_dense_positions(store: Store) {
    let ids = assets(store.as_ref(), 12).await;
    let trip = collection(store.as_ref(), "Trip").await;
    let store: std::sync::Arc<dyn MetadataStore> = store.into();
    let tasks: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(n, &id)| {
            let store = store.clone();
            tokio::spawn(async move {
                let at = u32::try_from(n % 3).ok().filter(|_| n % 2 == 0);
                store.insert_items(trip.id, &[id], at).await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let now = items(store.as_ref(), trip.id).await;
    let mut kept: Vec<AssetId> = now.iter().map(|i| i.0).collect();
    kept.sort();
    let mut all = ids.clone();
    all.sort();
    assert_eq!(kept, all);
    assert!(now.iter().map(|i| i.1).eq(0..12), "{now:?}");

    // Reorders racing moves of items already there.
    let tasks: Vec<_> = (0..6)
        .map(|n| {
            let store = store.clone();
            let mut order = ids.clone();
            order.rotate_left(n);
            let moved = ids[n];
            tokio::spawn(async move {
                if n % 2 == 0 {
                    store.insert_items(trip.id, &[moved], Some(0)).await
                } else {
                    store.reorder_items(trip.id, &order).await
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let now = items(store.as_ref(), trip.id).await;
    assert_eq!(now.len(), 12);
    assert!(now.iter().map(|i| i.1).eq(0..12), "{now:?}");
}

/// An asset's public transforms carry the watermark of the first collection (by title)
/// holding it that sets one; changing a collection or its items is an asset change to
/// delivery's cache.
pub(crate) async fn the_first_watermarked_collection_by_title_marks_its_assets(store: Store) {
    let store = store.as_ref();
    let ids = assets(store, 2).await;
    let plain = collection(store, "Archive").await;
    let stamped = |title: &str, name: &str| NewCollection {
        watermark: Some(name.into()),
        ..titled(title)
    };
    let press = store
        .create_collection(HOME, &stamped("Press", "credit"))
        .await
        .unwrap();
    assert_eq!(press.watermark.as_deref(), Some("credit"));
    let agency = store
        .create_collection(HOME, &stamped("Agency", "logo"))
        .await
        .unwrap();
    store.insert_items(plain.id, &ids, None).await.unwrap();
    assert_eq!(store.collection_watermark(ids[0]).await.unwrap(), None);

    let before = store.asset_generation();
    store.insert_items(press.id, &ids, None).await.unwrap();
    assert!(
        store.asset_generation() > before,
        "new items are an asset change"
    );
    assert_eq!(
        store.collection_watermark(ids[0]).await.unwrap().as_deref(),
        Some("credit")
    );
    store
        .insert_items(agency.id, &ids[..1], None)
        .await
        .unwrap();
    assert_eq!(
        store.collection_watermark(ids[0]).await.unwrap().as_deref(),
        Some("logo"),
        "Agency comes before Press"
    );

    let before = store.asset_generation();
    let clear = CollectionPatch {
        watermark: Some(None),
        ..Default::default()
    };
    let got = store
        .update_collection(HOME, agency.id, &clear)
        .await
        .unwrap();
    assert_eq!(got.unwrap().watermark, None);
    assert!(
        store.asset_generation() > before,
        "a collection change is an asset change"
    );
    assert_eq!(
        store.collection_watermark(ids[0]).await.unwrap().as_deref(),
        Some("credit")
    );
    let before = store.asset_generation();
    store.delete_collection(HOME, press.id).await.unwrap();
    assert!(store.asset_generation() > before);
    assert_eq!(store.collection_watermark(ids[1]).await.unwrap(), None);
}

/// The collections of a page of assets, read at once: by asset, each asset's by title;
/// an asset in none has no pair.
pub(crate) async fn the_collections_of_assets_are_read_in_one_call(store: Store) {
    let store = store.as_ref();
    let ids = assets(store, 3).await;
    let [a, b, c] = ids[..] else { unreachable!() };
    let trip = collection(store, "Trip").await;
    let best = collection(store, "best of").await;
    store.insert_items(trip.id, &[a, b], None).await.unwrap();
    store.insert_items(best.id, &[a], None).await.unwrap();
    let pairs: Vec<(AssetId, CollectionId)> = store
        .asset_collections(&[c, b, a])
        .await
        .unwrap()
        .into_iter()
        .map(|(asset, collection)| (asset, collection.id))
        .collect();
    let mut expected = vec![(a, best.id), (a, trip.id), (b, trip.id)];
    expected.sort_by_key(|(asset, _)| *asset);
    assert_eq!(pairs, expected);
    assert!(store.asset_collections(&[]).await.unwrap().is_empty());
}
