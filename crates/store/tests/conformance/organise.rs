//! Tags, bulk tagging and usage: the organising part of the contract. Collections are in
//! [`collections`]; the helpers here serve both, and the analytics tests.

pub(crate) mod collections;

use std::time::Duration;

use medialib_core::organise::{TagId, TagSource, UsageRef};
use medialib_core::store::{BulkAction, BulkRefusal, NewTag, TagPatch};
use medialib_core::{Asset, AssetId, MetadataStore, NamespaceId, Sha256, StoreError};

use crate::{Store, created, new_asset};

/// The default namespace, where `new_asset` puts assets.
pub(crate) const HOME: NamespaceId = NamespaceId(1);

/// A second namespace, `away`.
pub(crate) async fn away(store: &dyn MetadataStore) -> NamespaceId {
    store.create_namespace("away", "Away").await.unwrap().id
}

/// A new image of `size` bytes in `namespace`, its content named by `sha_byte`.
pub(crate) async fn asset(
    store: &dyn MetadataStore,
    namespace: NamespaceId,
    sha_byte: u8,
    size: u64,
) -> Asset {
    let mut new = new_asset(sha_byte, &format!("a{sha_byte}"), size);
    new.namespace = namespace;
    new.storage_key = format!("originals/{}/{}", namespace.0, Sha256([sha_byte; 32]));
    created(store.create_asset(new).await.unwrap())
}

/// Runs a bulk action that must apply to every asset.
pub(crate) async fn bulk_ok(
    store: &dyn MetadataStore,
    namespace: NamespaceId,
    action: BulkAction,
    ids: &[AssetId],
) {
    let report = store.bulk(namespace, &action, ids).await.unwrap();
    assert!(report.applied, "{action:?} refused: {:?}", report.results);
    assert!(report.results.iter().all(|(_, r)| r.is_ok()));
}

/// Moves assets to the trash.
pub(crate) async fn trash(store: &dyn MetadataStore, namespace: NamespaceId, ids: &[AssetId]) {
    bulk_ok(store, namespace, BulkAction::Delete { force: false }, ids).await;
}

fn tag_named(name: &str) -> NewTag {
    NewTag {
        name: name.into(),
        ..Default::default()
    }
}

fn tagging(names: &[&str], source: TagSource, confidence: Option<f64>) -> BulkAction {
    BulkAction::Tag {
        names: names.iter().map(|n| n.to_string()).collect(),
        source,
        confidence,
    }
}

/// The slugs of the tags an asset carries, as `asset_tags` lists them.
async fn slugs_of(store: &dyn MetadataStore, asset: AssetId) -> Vec<String> {
    let tags = store.asset_tags(&[asset]).await.unwrap();
    assert!(tags.iter().all(|t| t.asset == asset), "{tags:?}");
    tags.into_iter().map(|t| t.slug).collect()
}

/// `(name, slug, asset_count)` of each tag of the namespace, as listed.
async fn tag_list(store: &dyn MetadataStore, ns: NamespaceId) -> Vec<(String, String, u64)> {
    let tags = store.list_tags(ns).await.unwrap();
    assert!(tags.iter().all(|t| t.namespace == ns), "{tags:?}");
    tags.into_iter()
        .map(|t| (t.name, t.slug, t.asset_count))
        .collect()
}

fn row(name: &str, slug: &str, count: u64) -> (String, String, u64) {
    (name.into(), slug.into(), count)
}

/// A tag's slug is derived from its name unless given; slugs are unique per namespace, a
/// taken one is a `Conflict` naming it, and tags list by name.
pub(crate) async fn tags_get_derived_or_given_slugs_and_a_taken_slug_conflicts(store: Store) {
    let store = store.as_ref();
    let new = NewTag {
        name: "Main Event 2026!".into(),
        slug: None,
        color: Some("#ff0000".into()),
        description: Some("the big one".into()),
    };
    let main = store.create_tag(HOME, &new).await.unwrap();
    assert_eq!(
        (main.namespace, main.name.as_str(), main.slug.as_str()),
        (HOME, "Main Event 2026!", "main-event-2026")
    );
    assert_eq!(
        (main.color.as_deref(), main.description.as_deref()),
        (Some("#ff0000"), Some("the big one"))
    );
    assert_eq!(main.asset_count, 0);
    assert_eq!(
        store.get_tag(HOME, main.id).await.unwrap(),
        Some(main.clone())
    );
    let given = NewTag {
        slug: Some("desk".into()),
        ..tag_named("Sport")
    };
    assert_eq!(store.create_tag(HOME, &given).await.unwrap().slug, "desk");

    let same_name = tag_named("main event 2026");
    let same_slug = NewTag {
        slug: Some("desk".into()),
        ..tag_named("Other")
    };
    for (taken, slug) in [(same_name, "main-event-2026"), (same_slug, "desk")] {
        match store.create_tag(HOME, &taken).await {
            Err(StoreError::Conflict(message)) => assert!(message.contains(slug), "{message}"),
            other => panic!("{taken:?} was not a conflict: {other:?}"),
        }
    }

    // Another namespace has slugs of its own.
    let away = away(store).await;
    let there = store.create_tag(away, &new).await.unwrap();
    assert_eq!(
        (there.namespace, there.slug.as_str()),
        (away, "main-event-2026")
    );
    assert_ne!(there.id, main.id);

    store.create_tag(HOME, &tag_named("Beta")).await.unwrap();
    store.create_tag(HOME, &tag_named("Alpha")).await.unwrap();
    let names: Vec<_> = tag_list(store, HOME)
        .await
        .into_iter()
        .map(|t| t.0)
        .collect();
    assert_eq!(names, ["Alpha", "Beta", "Main Event 2026!", "Sport"]);
}

/// A patch changes only the fields it names and a rename keeps the slug (links keep
/// working); deleting a tag takes it off every asset.
pub(crate) async fn tag_patches_keep_the_slug_and_deleting_a_tag_untags_its_assets(store: Store) {
    let store = store.as_ref();
    let a = asset(store, HOME, 1, 10).await;
    let new = NewTag {
        color: Some("#ff8800".into()),
        description: Some("evening".into()),
        ..tag_named("Sunset")
    };
    let sunset = store.create_tag(HOME, &new).await.unwrap();
    bulk_ok(
        store,
        HOME,
        tagging(&["Sunset"], TagSource::User, None),
        &[a.id],
    )
    .await;
    let rename = TagPatch {
        name: Some("Golden Hour".into()),
        color: Some(None),
        description: None,
    };
    let patched = store
        .update_tag(HOME, sunset.id, &rename)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (patched.id, patched.name.as_str(), patched.slug.as_str()),
        (sunset.id, "Golden Hour", "sunset")
    );
    assert_eq!(
        (
            patched.color.as_deref(),
            patched.description.as_deref(),
            patched.asset_count
        ),
        (None, Some("evening"), 1)
    );
    assert_eq!(store.get_tag(HOME, sunset.id).await.unwrap(), Some(patched));
    let carried = store.asset_tags(&[a.id]).await.unwrap();
    assert_eq!(carried.len(), 1);
    assert_eq!(
        (carried[0].tag, carried[0].name.as_str()),
        (sunset.id, "Golden Hour")
    );
    let unknown = TagId(sunset.id.0 + 1000);
    assert_eq!(
        store.update_tag(HOME, unknown, &rename).await.unwrap(),
        None
    );

    assert!(store.delete_tag(HOME, sunset.id).await.unwrap());
    assert!(!store.delete_tag(HOME, sunset.id).await.unwrap());
    assert_eq!(store.get_tag(HOME, sunset.id).await.unwrap(), None);
    assert!(store.asset_tags(&[a.id]).await.unwrap().is_empty());
    assert!(store.list_tags(HOME).await.unwrap().is_empty());
}

/// A tag counts the live assets carrying it, not those in the trash; a namespace neither
/// sees nor changes another's tags, nor tags another's assets.
pub(crate) async fn tag_counts_are_live_assets_and_tags_stay_in_their_namespace(store: Store) {
    let store = store.as_ref();
    let mut ids = Vec::new();
    for n in 1..=3 {
        ids.push(asset(store, HOME, n, 10).await.id);
    }
    bulk_ok(
        store,
        HOME,
        tagging(&["Sunset"], TagSource::User, None),
        &ids,
    )
    .await;
    let sunset = store.list_tags(HOME).await.unwrap().remove(0);
    assert_eq!(sunset.asset_count, 3);
    trash(store, HOME, &ids[1..2]).await;
    assert_eq!(tag_list(store, HOME).await, [row("Sunset", "sunset", 2)]);
    let got = store.get_tag(HOME, sunset.id).await.unwrap().unwrap();
    assert_eq!(got.asset_count, 2);
    bulk_ok(store, HOME, BulkAction::Restore, &ids[1..2]).await;
    assert_eq!(tag_list(store, HOME).await, [row("Sunset", "sunset", 3)]);

    let away = away(store).await;
    assert!(store.list_tags(away).await.unwrap().is_empty());
    assert_eq!(store.get_tag(away, sunset.id).await.unwrap(), None);
    let rename = TagPatch {
        name: Some("Stolen".into()),
        ..Default::default()
    };
    assert_eq!(
        store.update_tag(away, sunset.id, &rename).await.unwrap(),
        None
    );
    assert!(!store.delete_tag(away, sunset.id).await.unwrap());
    assert_eq!(tag_list(store, HOME).await, [row("Sunset", "sunset", 3)]);

    let action = tagging(&["Sunset"], TagSource::User, None);
    let report = store.bulk(away, &action, &ids[..1]).await.unwrap();
    assert!(!report.applied);
    assert_eq!(report.results, [(ids[0], Err(BulkRefusal::NotFound))]);
    assert!(store.list_tags(away).await.unwrap().is_empty());
}

/// Bulk tagging finds tags by the slug of each name and creates the missing ones; untagging
/// by slug ignores tags an asset does not carry. `asset_tags` lists each asset's tags by
/// name, with who assigned them and how confidently.
pub(crate) async fn bulk_tagging_creates_missing_tags_and_untagging_ignores_absent_ones(
    store: Store,
) {
    let store = store.as_ref();
    let (a, b, c) = (
        asset(store, HOME, 1, 10).await.id,
        asset(store, HOME, 2, 10).await.id,
        asset(store, HOME, 3, 10).await.id,
    );
    store
        .create_tag(HOME, &tag_named("Main Event"))
        .await
        .unwrap();
    let auto = tagging(&["Sunset", "main event"], TagSource::Auto, Some(0.75));
    bulk_ok(store, HOME, auto, &[a, b]).await;
    assert_eq!(
        tag_list(store, HOME).await,
        [
            row("Main Event", "main-event", 2),
            row("Sunset", "sunset", 2)
        ]
    );
    let tags = store.asset_tags(&[b, a]).await.unwrap();
    for asset in [a, b] {
        let carried: Vec<_> = tags
            .iter()
            .filter(|t| t.asset == asset)
            .map(|t| (t.name.as_str(), t.slug.as_str(), t.source, t.confidence))
            .collect();
        assert_eq!(
            carried,
            [
                ("Main Event", "main-event", TagSource::Auto, Some(0.75)),
                ("Sunset", "sunset", TagSource::Auto, Some(0.75)),
            ]
        );
    }
    assert_eq!(tags.len(), 4);

    // Another spelling of a name is the same tag.
    bulk_ok(
        store,
        HOME,
        tagging(&["SUNSET!"], TagSource::User, None),
        &[c],
    )
    .await;
    assert_eq!(
        tag_list(store, HOME).await,
        [
            row("Main Event", "main-event", 2),
            row("Sunset", "sunset", 3)
        ]
    );
    let on_c = store.asset_tags(&[c]).await.unwrap();
    assert_eq!(
        (on_c.len(), on_c[0].source, on_c[0].confidence),
        (1, TagSource::User, None)
    );

    let untag = |slugs: &[&str]| BulkAction::Untag {
        slugs: slugs.iter().map(|s| s.to_string()).collect(),
    };
    bulk_ok(store, HOME, untag(&["sunset", "never-made"]), &[a, c]).await;
    assert_eq!(slugs_of(store, a).await, ["main-event"]);
    assert!(slugs_of(store, c).await.is_empty());
    assert_eq!(slugs_of(store, b).await, ["main-event", "sunset"]);
    // Taking off a tag the asset no longer carries is not a refusal.
    bulk_ok(store, HOME, untag(&["sunset"]), &[a, b]).await;
    assert_eq!(
        tag_list(store, HOME).await,
        [
            row("Main Event", "main-event", 2),
            row("Sunset", "sunset", 0)
        ]
    );
}

/// One refused asset rolls the whole bulk request back: the others are not tagged and no
/// missing tag is created.
pub(crate) async fn a_refused_bulk_tag_changes_nothing(store: Store) {
    let store = store.as_ref();
    let live = asset(store, HOME, 1, 10).await.id;
    let gone = asset(store, HOME, 2, 10).await.id;
    trash(store, HOME, &[gone]).await;
    let unknown = AssetId::new();
    let action = tagging(&["Fresh"], TagSource::User, None);
    let report = store
        .bulk(HOME, &action, &[live, gone, unknown])
        .await
        .unwrap();
    assert!(!report.applied);
    assert_eq!(
        report.results,
        [
            (live, Ok(())),
            (gone, Err(BulkRefusal::NotFound)),
            (unknown, Err(BulkRefusal::NotFound)),
        ]
    );
    assert!(store.list_tags(HOME).await.unwrap().is_empty());
    assert!(store.asset_tags(&[live, gone]).await.unwrap().is_empty());
}

fn usage(entity_type: &str, entity_id: &str, usage_type: &str) -> UsageRef {
    UsageRef {
        entity_type: entity_type.into(),
        entity_id: entity_id.into(),
        usage_type: usage_type.into(),
    }
}

/// The usages of an asset, as listed.
async fn usages(store: &dyn MetadataStore, asset: AssetId) -> Vec<UsageRef> {
    let listed = store.list_usage(asset).await.unwrap();
    assert!(listed.iter().all(|u| u.asset == asset), "{listed:?}");
    listed.into_iter().map(|u| u.usage).collect()
}

/// Recording a usage again refreshes it rather than adding one; usages list most recently
/// used first; removing takes one usage type of an entity, or all of them.
pub(crate) async fn usages_are_recorded_once_listed_most_recent_first_and_removed(store: Store) {
    let store = store.as_ref();
    let a = asset(store, HOME, 1, 10).await.id;
    let other = asset(store, HOME, 2, 10).await.id;
    let (featured, inline, gallery) = (
        usage("article", "42", "featured_image"),
        usage("article", "42", "inline"),
        usage("product", "7", "gallery"),
    );
    let tick = || tokio::time::sleep(Duration::from_millis(20));
    let first = store.record_usage(a, &featured).await.unwrap();
    assert_eq!((first.asset, &first.usage), (a, &featured));
    for u in [&inline, &gallery] {
        tick().await;
        store.record_usage(a, u).await.unwrap();
    }
    store.record_usage(other, &featured).await.unwrap();
    assert_eq!(
        usages(store, a).await,
        [gallery.clone(), inline.clone(), featured.clone()]
    );

    tick().await;
    let again = store.record_usage(a, &featured).await.unwrap();
    assert_eq!(again.created_at, first.created_at);
    assert!(again.last_used_at > first.last_used_at);
    assert_eq!(
        usages(store, a).await,
        [featured.clone(), gallery.clone(), inline.clone()]
    );
    assert_eq!(store.get_asset(a).await.unwrap().unwrap().usage_count, 3);

    let remove = |entity: &UsageRef, usage_type: Option<&'static str>| {
        let (t, i) = (entity.entity_type.clone(), entity.entity_id.clone());
        async move { store.remove_usage(a, &t, &i, usage_type).await.unwrap() }
    };
    assert_eq!(remove(&inline, Some("inline")).await, 1);
    assert_eq!(usages(store, a).await, [featured.clone(), gallery.clone()]);
    store.record_usage(a, &inline).await.unwrap();
    assert_eq!(remove(&featured, None).await, 2);
    assert_eq!(remove(&featured, None).await, 0);
    assert_eq!(remove(&gallery, Some("hero")).await, 0);
    assert_eq!(usages(store, a).await, [gallery]);
    assert_eq!(usages(store, other).await, [featured]);
}

/// Deleting refuses an asset in use (reporting how many usages it has) and so changes no
/// asset of the request; `force` moves them all to the trash.
pub(crate) async fn assets_in_use_are_deleted_only_with_force(store: Store) {
    let store = store.as_ref();
    let free = asset(store, HOME, 1, 10).await.id;
    let used = asset(store, HOME, 2, 10).await.id;
    for u in [usage("article", "1", "inline"), usage("page", "2", "hero")] {
        store.record_usage(used, &u).await.unwrap();
    }
    assert_eq!(store.get_asset(used).await.unwrap().unwrap().usage_count, 2);
    let deleted = |id| async move { store.get_asset(id).await.unwrap().unwrap().deleted_at };

    let action = BulkAction::Delete { force: false };
    let report = store.bulk(HOME, &action, &[free, used]).await.unwrap();
    assert!(!report.applied);
    assert_eq!(
        report.results,
        [
            (free, Ok(())),
            (used, Err(BulkRefusal::InUse { usages: 2 }))
        ]
    );
    assert_eq!((deleted(free).await, deleted(used).await), (None, None));

    bulk_ok(
        store,
        HOME,
        BulkAction::Delete { force: true },
        &[free, used],
    )
    .await;
    assert!(deleted(free).await.is_some() && deleted(used).await.is_some());

    // Once its usages are removed, an asset is deleted without force.
    let was_used = asset(store, HOME, 3, 10).await.id;
    store
        .record_usage(was_used, &usage("article", "1", "inline"))
        .await
        .unwrap();
    let removed = store
        .remove_usage(was_used, "article", "1", None)
        .await
        .unwrap();
    assert_eq!(removed, 1);
    trash(store, HOME, &[was_used]).await;
    assert!(deleted(was_used).await.is_some());
}
