//! Changing and deleting namespaces, changing and disabling users: the `AccessStore`
//! part of the contract behind the admin API.

use std::time::Duration;

use medialib_core::access::Role;
use medialib_core::analysis::ModerationPolicy;
use medialib_core::store::{
    NamespaceChange, NewAuditEvent, NewCollection, NewTag, NewToken, NewWebhook, SessionLimits,
    UserChange,
};
use medialib_core::webhook::EventType;
use medialib_core::{NamespaceId, Sha256, StoreError, UserId};

use crate::Store;
use crate::organise::asset;

pub(crate) async fn namespace_changes_set_what_they_name_and_null_returns_to_the_default(
    store: Store,
) {
    let desk = store.create_namespace("desk", "Desk").await.unwrap();
    assert_eq!(desk.moderation, ModerationPolicy::Off);
    let quotas = NamespaceChange {
        name: Some("Sports desk".into()),
        quota_bytes: Some(Some(5_000)),
        quota_assets: Some(Some(12)),
        retention_days: Some(Some(0)),
        moderation: Some(ModerationPolicy::Private),
    };
    let changed = store
        .update_namespace(desk.id, &quotas)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(changed.name, "Sports desk");
    assert_eq!(
        (
            changed.quota_bytes,
            changed.quota_assets,
            changed.retention_days
        ),
        (Some(5_000), Some(12), Some(0))
    );
    // Only the byte quota: the rest stays.
    let clear = NamespaceChange {
        quota_bytes: Some(None),
        ..NamespaceChange::default()
    };
    let cleared = store
        .update_namespace(desk.id, &clear)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            cleared.name.as_str(),
            cleared.quota_bytes,
            cleared.quota_assets
        ),
        ("Sports desk", None, Some(12))
    );
    assert_eq!(
        cleared.moderation,
        ModerationPolicy::Private,
        "absent: kept"
    );
    assert_eq!(
        store.namespace_usage(desk.id).await.unwrap().quota_assets,
        Some(12)
    );
    let missing = store.update_namespace(NamespaceId(999), &clear).await;
    assert!(missing.unwrap().is_none());
}

pub(crate) async fn a_namespace_is_deleted_only_when_empty_with_all_that_belongs_to_it(
    store: Store,
) {
    let desk = store.create_namespace("desk", "Desk").await.unwrap();
    let ana = store.create_user("ana", None, None).await.unwrap();
    store
        .set_role(ana.id, desk.id, Some(Role::Admin))
        .await
        .unwrap();
    let token_hash = Sha256([7; 32]);
    store
        .create_token(NewToken {
            user: ana.id,
            namespace: desk.id,
            name: "cms".into(),
            hash: token_hash,
            scopes: "read,write".parse().unwrap(),
            expires_at: None,
        })
        .await
        .unwrap();
    store
        .create_session(&Sha256([8; 32]), ana.id, desk.id)
        .await
        .unwrap();
    let tag = NewTag {
        name: "match".into(),
        ..Default::default()
    };
    store.create_tag(desk.id, &tag).await.unwrap();
    let collection = NewCollection {
        title: "Finals".into(),
        ..Default::default()
    };
    store.create_collection(desk.id, &collection).await.unwrap();
    let hook = NewWebhook {
        url: "https://cms.example/hook".into(),
        events: vec![EventType::AssetReady],
        description: None,
        secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into(),
    };
    store.create_webhook(desk.id, &hook).await.unwrap();
    store
        .record_audit(NewAuditEvent {
            namespace: desk.id,
            user: Some(ana.id),
            action: "tags_create".into(),
            target: None,
            status: 201,
            ip: None,
        })
        .await
        .unwrap();
    let photo = asset(store.as_ref(), desk.id, 41, 100).await;

    let contents = store.namespace_contents(desk.id, 10).await.unwrap();
    assert_eq!(contents.assets, [photo.id]);
    assert!(contents.uploads.is_empty());
    assert!(matches!(
        store.delete_namespace(desk.id).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(store.authenticate(&token_hash).await.unwrap().is_some());

    store.purge_asset(photo.id).await.unwrap().unwrap();
    assert!(
        store
            .namespace_contents(desk.id, 10)
            .await
            .unwrap()
            .assets
            .is_empty()
    );
    assert!(store.delete_namespace(desk.id).await.unwrap());
    assert!(!store.delete_namespace(desk.id).await.unwrap());
    let slugs: Vec<String> = store
        .list_namespaces()
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.slug)
        .collect();
    assert_eq!(slugs, ["default"]);
    assert!(store.authenticate(&token_hash).await.unwrap().is_none());
    assert!(store.memberships(ana.id).await.unwrap().is_empty());
    let limits = SessionLimits {
        idle: Duration::from_secs(3600),
        max_age: Duration::from_secs(86_400),
    };
    assert!(
        store
            .session(&Sha256([8; 32]), limits)
            .await
            .unwrap()
            .is_none()
    );
    // The slug is free again, with nothing of the old namespace in it.
    let again = store.create_namespace("desk", "Desk").await.unwrap();
    assert!(store.list_tags(again.id).await.unwrap().is_empty());
    assert!(store.list_webhooks(again.id).await.unwrap().is_empty());
}

pub(crate) async fn a_disabled_user_cannot_authenticate_until_enabled(store: Store) {
    let desk = store.create_namespace("desk", "Desk").await.unwrap();
    let ana = store
        .create_user("ana", Some("ana@example.org"), Some("$argon2id$x"))
        .await
        .unwrap();
    store
        .create_user("bo", Some("bo@example.org"), None)
        .await
        .unwrap();
    store
        .set_role(ana.id, desk.id, Some(Role::Editor))
        .await
        .unwrap();
    let hash = Sha256([9; 32]);
    store
        .create_token(NewToken {
            user: ana.id,
            namespace: desk.id,
            name: "t".into(),
            hash,
            scopes: "read".parse().unwrap(),
            expires_at: None,
        })
        .await
        .unwrap();
    store
        .create_session(&Sha256([10; 32]), ana.id, desk.id)
        .await
        .unwrap();
    let limits = SessionLimits {
        idle: Duration::from_secs(3600),
        max_age: Duration::from_secs(86_400),
    };

    let disable = UserChange {
        disabled: Some(true),
        ..UserChange::default()
    };
    let disabled = store.update_user(ana.id, &disable).await.unwrap().unwrap();
    let since = disabled.disabled_at.expect("disabled_at is set");
    assert!(store.authenticate(&hash).await.unwrap().is_none());
    assert!(
        store
            .session(&Sha256([10; 32]), limits)
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.password_hash("ana").await.unwrap().is_none());
    // Disabling again keeps the first time.
    let again = store.update_user(ana.id, &disable).await.unwrap().unwrap();
    assert_eq!(again.disabled_at, Some(since));

    let rename = UserChange {
        name: Some("ana.b".into()),
        email: Some(None),
        disabled: Some(false),
    };
    let enabled = store.update_user(ana.id, &rename).await.unwrap().unwrap();
    assert_eq!(
        (enabled.name.as_str(), enabled.email, enabled.disabled_at),
        ("ana.b", None, None)
    );
    assert!(store.authenticate(&hash).await.unwrap().is_some());
    assert!(store.password_hash("ana.b").await.unwrap().is_some());

    let taken = UserChange {
        email: Some(Some("bo@example.org".into())),
        ..UserChange::default()
    };
    assert!(matches!(
        store.update_user(ana.id, &taken).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(
        store
            .update_user(UserId(999), &taken)
            .await
            .unwrap()
            .is_none()
    );
    store.anonymize_user(ana.id).await.unwrap();
    assert!(store.update_user(ana.id, &disable).await.unwrap().is_none());
}
