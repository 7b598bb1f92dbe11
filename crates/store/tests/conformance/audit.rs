//! The audit log: the `AuditStore` part of the contract.

use medialib_core::NamespaceId;
use medialib_core::store::{AuditFilter, NewAuditEvent};

use crate::Store;

pub(crate) async fn audit_events_read_newest_first_per_namespace_with_filters(store: Store) {
    let home = NamespaceId(1);
    let away = store.create_namespace("away", "Away").await.unwrap().id;
    let ana = store.create_user("ana", None, None).await.unwrap().id;
    let event = |namespace, user, action: &str, target: &str| NewAuditEvent {
        namespace,
        user,
        action: action.into(),
        target: Some(target.into()),
        status: 200,
        ip: Some("192.0.2.7".into()),
    };
    for e in [
        event(home, Some(ana), "assets_upload", "a1"),
        event(home, Some(ana), "assets_patch", "a1"),
        event(away, Some(ana), "assets_upload", "b1"),
        event(home, None, "cli_user_set_role", "9"),
    ] {
        store.record_audit(e).await.unwrap();
    }
    let all = AuditFilter {
        namespace: Some(home),
        action: None,
        user: None,
        before: None,
        limit: 10,
    };
    let home_events = store.audit_events(&all).await.unwrap();
    let actions: Vec<_> = home_events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["cli_user_set_role", "assets_patch", "assets_upload"]
    );
    assert!(home_events.windows(2).all(|w| w[0].id > w[1].id));
    let patch = &home_events[1];
    assert_eq!(patch.user, Some((ana, "ana".to_owned())));
    assert_eq!(
        (patch.target.as_deref(), patch.status, patch.ip.as_deref()),
        (Some("a1"), 200, Some("192.0.2.7"))
    );
    assert_eq!(home_events[0].user, None);

    let away_only = AuditFilter {
        namespace: Some(away),
        ..all.clone()
    };
    let away_events = store.audit_events(&away_only).await.unwrap();
    assert_eq!(away_events.len(), 1);
    assert_eq!(away_events[0].target.as_deref(), Some("b1"));

    let uploads = AuditFilter {
        action: Some("assets_upload".into()),
        ..all.clone()
    };
    assert_eq!(store.audit_events(&uploads).await.unwrap().len(), 1);
    let by_ana = AuditFilter {
        user: Some(ana),
        ..all.clone()
    };
    assert_eq!(store.audit_events(&by_ana).await.unwrap().len(), 2);
    let everywhere = AuditFilter {
        namespace: None,
        ..by_ana.clone()
    };
    let by_ana_everywhere = store.audit_events(&everywhere).await.unwrap();
    assert_eq!(by_ana_everywhere.len(), 3);
    assert_eq!(by_ana_everywhere[0].namespace, away);
    let older = AuditFilter {
        before: Some(home_events[0].id),
        limit: 1,
        ..all
    };
    let page = store.audit_events(&older).await.unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].id, patch.id);
}
