//! Browser sessions and passwords: the `SessionStore` part of the contract.

use std::time::Duration;

use medialib_core::access::{Role, Scopes};
use medialib_core::store::SessionLimits;
use medialib_core::{NamespaceId, Sha256};

use crate::Store;

const LONG: SessionLimits = SessionLimits {
    idle: Duration::from_secs(3600),
    max_age: Duration::from_secs(86_400),
};

pub(crate) async fn sessions_end_when_idle_too_old_logged_out_or_their_user_loses_access(
    store: Store,
) {
    let home = NamespaceId(1);
    let ana = store.create_user("ana", None, None).await.unwrap().id;
    store.set_role(ana, home, Some(Role::Editor)).await.unwrap();
    let id = |n: u8| Sha256([n; 32]);

    store.create_session(&id(1), ana, home).await.unwrap();
    let p = store.session(&id(1), LONG).await.unwrap().unwrap();
    assert_eq!((p.user, p.namespace, p.role), (ana, home, Role::Editor));
    assert_eq!(p.scopes, Scopes::ALL);
    assert!(store.session(&id(9), LONG).await.unwrap().is_none());

    // Idle: unused for longer than the timeout, it ends for good.
    let short_idle = SessionLimits {
        idle: Duration::from_millis(1200),
        ..LONG
    };
    store.create_session(&id(2), ana, home).await.unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(store.session(&id(2), short_idle).await.unwrap().is_some());
    tokio::time::sleep(Duration::from_millis(700)).await;
    // Created 1.4 s ago but used 0.7 s ago (recorded, as a quarter of the timeout had
    // passed): still live.
    assert!(store.session(&id(2), short_idle).await.unwrap().is_some());
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(store.session(&id(2), short_idle).await.unwrap().is_none());
    assert!(store.session(&id(2), LONG).await.unwrap().is_none());

    // Old: however busy, it ends at max_age.
    let short_life = SessionLimits {
        max_age: Duration::from_millis(1000),
        ..LONG
    };
    store.create_session(&id(3), ana, home).await.unwrap();
    assert!(store.session(&id(3), short_life).await.unwrap().is_some());
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(400)).await;
        store.session(&id(3), LONG).await.unwrap();
    }
    assert!(store.session(&id(3), short_life).await.unwrap().is_none());

    // Logout.
    store.create_session(&id(4), ana, home).await.unwrap();
    assert!(store.delete_session(&id(4)).await.unwrap());
    assert!(!store.delete_session(&id(4)).await.unwrap());
    assert!(store.session(&id(4), LONG).await.unwrap().is_none());

    // Losing the role ends the session's access at once.
    store.set_role(ana, home, None).await.unwrap();
    assert!(store.session(&id(1), LONG).await.unwrap().is_none());

    // Purge removes ended sessions only.
    let bob = store.create_user("bob", None, None).await.unwrap().id;
    store.set_role(bob, home, Some(Role::Viewer)).await.unwrap();
    store.create_session(&id(5), bob, home).await.unwrap();
    store.create_session(&id(6), bob, home).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let tiny = SessionLimits {
        idle: Duration::from_millis(10),
        max_age: Duration::from_millis(10),
    };
    assert_eq!(store.purge_sessions(LONG).await.unwrap(), 0);
    assert_eq!(store.purge_sessions(tiny).await.unwrap(), 2);

    // Anonymizing ends every session.
    store.create_session(&id(7), bob, home).await.unwrap();
    store.anonymize_user(bob).await.unwrap();
    assert!(store.session(&id(7), LONG).await.unwrap().is_none());
}

pub(crate) async fn passwords_are_set_read_by_name_and_gone_after_anonymizing(store: Store) {
    let ana = store.create_user("ana", None, None).await.unwrap().id;
    assert!(store.password_hash("ana").await.unwrap().is_none());
    assert!(
        store
            .set_password(ana, Some("$argon2id$fake"))
            .await
            .unwrap()
    );
    let (user, hash) = store.password_hash("ana").await.unwrap().unwrap();
    assert_eq!(
        (user.id, user.has_password, hash.as_str()),
        (ana, true, "$argon2id$fake")
    );
    assert!(store.password_hash("nobody").await.unwrap().is_none());
    store.anonymize_user(ana).await.unwrap();
    assert!(store.password_hash("ana").await.unwrap().is_none());
    assert!(
        !store
            .set_password(ana, Some("$argon2id$again"))
            .await
            .unwrap()
    );
}
