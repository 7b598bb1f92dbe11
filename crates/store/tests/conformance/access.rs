//! Namespaces, users, roles and tokens: the `AccessStore` part of the contract.

use std::time::Duration;

use medialib_core::access::{Role, Scopes};
use medialib_core::store::{AuditFilter, NewAuditEvent, NewToken};
use medialib_core::{NamespaceId, Sha256, StoreError, Timestamp, UserId};

use crate::Store;

pub(crate) async fn tokens_resolve_to_the_users_role_until_revoked_or_expired(store: Store) {
    let hash = |n: u8| Sha256([n; 32]);
    store.create_admin_token("first", &hash(1)).await.unwrap();
    let owner = store.authenticate(&hash(1)).await.unwrap().unwrap();
    assert_eq!((owner.role, owner.scopes), (Role::Admin, Scopes::ALL));

    let desk = store.create_namespace("desk", "Desk").await.unwrap();
    assert!(matches!(
        store.create_namespace("desk", "Again").await,
        Err(StoreError::Conflict(_))
    ));
    let ana = store
        .create_user("ana", Some("ana@example.org"), None)
        .await
        .unwrap();
    assert!(matches!(
        store.create_user("ana", None, None).await,
        Err(StoreError::Conflict(_))
    ));
    let token =
        |n: u8, namespace: NamespaceId, scopes: &str, expires_at: Option<Timestamp>| NewToken {
            user: ana.id,
            namespace,
            name: format!("t{n}"),
            hash: hash(n),
            scopes: scopes.parse().unwrap(),
            expires_at,
        };
    store
        .create_token(token(2, desk.id, "read,write", None))
        .await
        .unwrap();
    // No role in the namespace yet: the token does not authenticate.
    assert!(store.authenticate(&hash(2)).await.unwrap().is_none());
    store
        .set_role(ana.id, desk.id, Some(Role::Editor))
        .await
        .unwrap();
    let p = store.authenticate(&hash(2)).await.unwrap().unwrap();
    assert_eq!(
        (p.user, p.namespace, p.role),
        (ana.id, desk.id, Role::Editor)
    );
    assert_eq!(p.scopes.to_string(), "read,write");
    let members = store.members(desk.id).await.unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!((members[0].0.id, members[0].1), (ana.id, Role::Editor));

    let past = Timestamp::now_utc() - Duration::from_secs(1);
    store
        .create_token(token(3, desk.id, "read", Some(past)))
        .await
        .unwrap();
    assert!(
        store.authenticate(&hash(3)).await.unwrap().is_none(),
        "expired"
    );

    let listed = store.list_tokens(ana.id).await.unwrap();
    assert_eq!(listed.len(), 2);
    let live = listed.iter().find(|t| t.name == "t2").unwrap().id;
    assert!(store.revoke_token(ana.id, live).await.unwrap());
    assert!(
        !store.revoke_token(ana.id, live).await.unwrap(),
        "revoked twice"
    );
    assert!(
        store.authenticate(&hash(2)).await.unwrap().is_none(),
        "revoked"
    );

    // Removing the role ends the user's access through every token for the namespace.
    store
        .create_token(token(4, desk.id, "read", None))
        .await
        .unwrap();
    assert!(store.authenticate(&hash(4)).await.unwrap().is_some());
    store.set_role(ana.id, desk.id, None).await.unwrap();
    assert!(store.authenticate(&hash(4)).await.unwrap().is_none());
}

pub(crate) async fn anonymizing_a_user_removes_what_identifies_them_and_keeps_the_rest(
    store: Store,
) {
    let home = NamespaceId(1);
    let ana = store
        .create_user(
            "ana",
            Some("ana@example.org"),
            Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"),
        )
        .await
        .unwrap();
    store
        .set_role(ana.id, home, Some(Role::Editor))
        .await
        .unwrap();
    let hash = Sha256([9; 32]);
    store
        .create_token(NewToken {
            user: ana.id,
            namespace: home,
            name: "laptop".into(),
            hash,
            scopes: Scopes::ALL,
            expires_at: None,
        })
        .await
        .unwrap();
    store
        .record_audit(NewAuditEvent {
            namespace: home,
            user: Some(ana.id),
            action: "assets_upload".into(),
            target: Some("a1".into()),
            status: 201,
            ip: Some("192.0.2.7".into()),
        })
        .await
        .unwrap();
    assert!(store.authenticate(&hash).await.unwrap().is_some());

    let gone = store.anonymize_user(ana.id).await.unwrap().unwrap();
    assert_eq!(gone.name, format!("deleted-user-{}", ana.id.0));
    assert_eq!((gone.email, gone.has_password), (None, false));
    let at = gone.anonymized_at.expect("anonymized_at");
    assert!(store.authenticate(&hash).await.unwrap().is_none());
    assert!(store.memberships(ana.id).await.unwrap().is_empty());
    let tokens = store.list_tokens(ana.id).await.unwrap();
    assert!(tokens[0].revoked_at.is_some());
    let filter = AuditFilter {
        namespace: None,
        action: None,
        user: Some(ana.id),
        before: None,
        limit: 10,
    };
    let events = store.audit_events(&filter).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].ip, None);
    assert_eq!(events[0].user, Some((ana.id, gone.name.clone())));
    // The name and email are free again.
    store
        .create_user("ana", Some("ana@example.org"), None)
        .await
        .unwrap();

    let again = store.anonymize_user(ana.id).await.unwrap().unwrap();
    assert_eq!(again.anonymized_at, Some(at));
    assert!(store.anonymize_user(UserId(999)).await.unwrap().is_none());
}
