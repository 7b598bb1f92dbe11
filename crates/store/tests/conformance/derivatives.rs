//! Stored transform results: the `DerivativeStore` part of the contract.

use medialib_core::derivative::Derivative;
use medialib_core::{AssetId, OutputFormat, Sha256, Timestamp};
use time::Duration;

use crate::{Store, created, new_asset};

fn derivative(asset: AssetId, key: &str, size: u64, last_access_at: Timestamp) -> Derivative {
    Derivative {
        asset_id: asset,
        cache_key: key.to_owned(),
        ops: "w_100".into(),
        format: OutputFormat::Avif,
        width: 100,
        height: 75,
        size,
        sha256: Sha256([7; 32]),
        storage_key: format!("derivatives/{asset}/{key}.avif"),
        created_at: last_access_at,
        last_access_at,
    }
}

/// Results are recorded once per key, listed most recently used first, touched forward
/// only, and deleted one by one or all at once.
pub(crate) async fn derivatives_are_recorded_once_touched_and_deleted(store: Store) {
    let asset = created(store.create_asset(new_asset(70, "d", 5)).await.unwrap());
    let t0 = Timestamp::from_unix_timestamp(1_700_000_000).unwrap();
    let a = derivative(asset.id, "a", 10, t0);
    assert!(store.put_derivative(&a).await.unwrap());
    assert!(
        !store.put_derivative(&a).await.unwrap(),
        "the same key twice"
    );
    assert_eq!(
        store.get_derivative(asset.id, "a").await.unwrap(),
        Some(a.clone())
    );
    assert_eq!(store.get_derivative(asset.id, "zz").await.unwrap(), None);

    let b = derivative(asset.id, "b", 20, t0 + Duration::seconds(5));
    assert!(store.put_derivative(&b).await.unwrap());
    let keys = |list: Vec<Derivative>| list.into_iter().map(|d| d.cache_key).collect::<Vec<_>>();
    assert_eq!(
        keys(store.list_derivatives(asset.id).await.unwrap()),
        ["b", "a"]
    );

    let touched = [(asset.id, "a".to_owned())];
    store
        .touch_derivatives(&touched, t0 + Duration::seconds(60))
        .await
        .unwrap();
    store
        .touch_derivatives(&touched, t0 + Duration::seconds(1))
        .await
        .unwrap();
    let a_now = store.get_derivative(asset.id, "a").await.unwrap().unwrap();
    assert_eq!(
        a_now.last_access_at,
        t0 + Duration::seconds(60),
        "never moves back"
    );
    assert_eq!(
        keys(store.list_derivatives(asset.id).await.unwrap()),
        ["a", "b"]
    );

    let gone = store.delete_derivatives(asset.id, Some("b")).await.unwrap();
    assert_eq!(keys(gone), ["b"]);
    assert_eq!(
        keys(store.delete_derivatives(asset.id, None).await.unwrap()),
        ["a"]
    );
    assert!(store.list_derivatives(asset.id).await.unwrap().is_empty());

    // A vanished asset records nothing.
    let ghost = derivative(AssetId::new(), "g", 1, t0);
    assert!(!store.put_derivative(&ghost).await.unwrap());
}

/// Eviction picks results unused since the cut-off, then the least recently used beyond
/// the byte budget; a purge returns the keys of the asset's results with its own.
pub(crate) async fn eviction_takes_the_stale_then_the_least_recently_used(store: Store) {
    let asset = created(store.create_asset(new_asset(71, "e", 5)).await.unwrap());
    let t0 = Timestamp::from_unix_timestamp(1_700_000_000).unwrap();
    for (i, key) in ["old", "x", "y", "z"].iter().enumerate() {
        let at = t0 + Duration::hours(i as i64);
        store
            .put_derivative(&derivative(asset.id, key, 100, at))
            .await
            .unwrap();
    }
    let evict = |since: Timestamp, max: u64| {
        let store = &store;
        async move {
            let list = store.derivatives_to_evict(since, max, 10).await.unwrap();
            list.into_iter().map(|d| d.cache_key).collect::<Vec<_>>()
        }
    };
    assert!(evict(t0, 1_000).await.is_empty());
    assert_eq!(evict(t0 + Duration::minutes(1), 1_000).await, ["old"]);
    // 400 bytes stored, 250 allowed: the two least recently used go.
    assert_eq!(evict(t0, 250).await, ["old", "x"]);
    assert_eq!(store.derivatives_to_evict(t0, 0, 1).await.unwrap().len(), 1);

    let purged = store.purge_asset(asset.id).await.unwrap().unwrap();
    for key in ["old", "x", "y", "z"] {
        let storage_key = format!("derivatives/{}/{key}.avif", asset.id);
        assert!(
            purged.keys.contains(&storage_key),
            "{key}: {:?}",
            purged.keys
        );
    }
}
