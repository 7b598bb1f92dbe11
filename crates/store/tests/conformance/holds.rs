//! Holds on originals: an upload and a purge of the same bytes, in any two processes,
//! never lose them.

use std::time::Duration;

use medialib_core::store::BulkAction;
use medialib_core::{MetadataStore, NamespaceId};

use crate::{Store, created, new_asset};

const TTL: Duration = Duration::from_secs(600);

/// Creates an asset and moves it to the trash; returns it with its original's key.
async fn trashed(store: &dyn MetadataStore, sha_byte: u8) -> (medialib_core::Asset, String) {
    let asset = created(
        store
            .create_asset(new_asset(sha_byte, "h", 5))
            .await
            .unwrap(),
    );
    let delete = BulkAction::Delete { force: false };
    store
        .bulk(NamespaceId(1), &delete, &[asset.id])
        .await
        .unwrap();
    let key = format!("originals/1/{}", asset.sha256);
    (asset, key)
}

/// An upload that holds the key before the purge: the purge leaves the blob (row and
/// bytes) to it.
pub(crate) async fn a_purge_leaves_a_blob_an_upload_holds(store: Store) {
    let (asset, key) = trashed(store.as_ref(), 60).await;
    let hold = store
        .hold_blob(&key, TTL)
        .await
        .unwrap()
        .expect("no purge holds it");
    let purged = store.purge_asset(asset.id).await.unwrap().unwrap();
    assert!(!purged.keys.contains(&key), "{:?}", purged.keys);
    store.release_blob(hold).await.unwrap();
    // The upload's asset then references the blob row the purge left.
    let again = created(store.create_asset(new_asset(60, "again", 5)).await.unwrap());
    assert_eq!(again.sha256, asset.sha256);
}

/// A purge that freed the blob first: uploads of the same bytes wait until its bytes are
/// deleted and its holds released.
pub(crate) async fn an_upload_waits_while_a_purge_deletes_the_bytes(store: Store) {
    let (asset, key) = trashed(store.as_ref(), 61).await;
    let purged = store.purge_asset(asset.id).await.unwrap().unwrap();
    assert!(purged.keys.contains(&key), "{:?}", purged.keys);
    assert!(store.hold_blob(&key, TTL).await.unwrap().is_none());
    assert!(store.hold_blob(&key, TTL).await.unwrap().is_none());
    store.release_purged(&purged.keys).await.unwrap();
    let hold = store.hold_blob(&key, TTL).await.unwrap();
    assert!(hold.is_some(), "released, the key can be held again");
    // Holds on other keys never wait for this purge.
    let other = created(store.create_asset(new_asset(62, "o", 5)).await.unwrap());
    let other_key = format!("originals/1/{}", other.sha256);
    assert!(store.hold_blob(&other_key, TTL).await.unwrap().is_some());
}

/// A hold past its time belongs to a process that died: it keeps nothing.
pub(crate) async fn an_expired_upload_hold_keeps_nothing(store: Store) {
    let (asset, key) = trashed(store.as_ref(), 63).await;
    store
        .hold_blob(&key, Duration::ZERO)
        .await
        .unwrap()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let purged = store.purge_asset(asset.id).await.unwrap().unwrap();
    assert!(purged.keys.contains(&key), "{:?}", purged.keys);
}
