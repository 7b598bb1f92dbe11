//! GraphQL: a page of assets with their tags, variants and collections costs a fixed
//! number of statements, whatever its size (DataLoader batching).
//!
//! Statements are counted from sqlx's own events (target `sqlx::query`) inside the HTTP
//! request's span, on PostgreSQL, whose driver runs them on the task that awaits them,
//! on this test's thread (SQLite's run on its own worker threads, out of sight).
//!
//! Its own test binary, because `tracing` decides once per call site whether anyone
//! listens: other tests' threads, without this subscriber, would make it decide "no".

// The API tests' harness (server on a free port, corpus); not every helper is used here.
#[allow(dead_code)]
#[path = "api/helpers.rs"]
mod helpers;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use medialib_core::organise::TagSource;
use medialib_core::store::{BulkAction, IngestRecord, NewAsset, NewCollection};
use medialib_core::{AssetId, AssetKind, NamespaceId, Sha256};
use serde_json::json;
use tracing::Subscriber;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

use helpers::{TOKEN, TestApp, spawn_app_with};

/// Counts sqlx statements run inside an HTTP request's span.
struct Statements(Arc<AtomicUsize>);

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Statements {
    fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
        let in_request = ctx
            .event_scope(event)
            .is_some_and(|mut scope| scope.any(|span| span.name() == "request"));
        if event.metadata().target() == "sqlx::query" && in_request {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
}

const PAGE: &str = "query($first: Int!) { assets(first: $first) { totalCount
    nodes { id title tags { slug } variants { name } collections { slug } } } }";

/// Adds `n` assets, each tagged and in a collection.
async fn library(app: &TestApp, n: u8, collection: medialib_core::organise::CollectionId) {
    let store = &app.state.catalog.store;
    let mut ids = Vec::new();
    for i in 0..n {
        let sha = Sha256([i; 32]);
        let new = NewAsset {
            id: AssetId::new(),
            namespace: NamespaceId(1),
            kind: AssetKind::Image,
            mime: "image/jpeg".into(),
            size: 1000,
            sha256: sha,
            storage_key: format!("originals/1/{sha}"),
            original_filename: format!("photo-{i}.jpg"),
            title: format!("Photo {i}"),
            description: None,
            alt_text: None,
            is_public: false,
            width: Some(10),
            height: Some(10),
            duration_s: None,
            uploaded_by: None,
            max_attempts: 1,
        };
        match store.create_asset(new).await.unwrap() {
            IngestRecord::Created { asset, .. } => ids.push(asset.id),
            IngestRecord::Duplicate(asset) => panic!("{} is a duplicate", asset.id),
        }
    }
    let tag = BulkAction::Tag {
        names: vec!["match".into(), "crowd".into()],
        source: TagSource::User,
        confidence: None,
    };
    for action in [tag, BulkAction::AddToCollection(collection)] {
        assert!(
            store
                .bulk(NamespaceId(1), &action, &ids)
                .await
                .unwrap()
                .applied
        );
    }
}

/// Statements one request for a page of `first` assets runs.
async fn statements_for(app: &TestApp, first: u32) -> usize {
    let count = Arc::new(AtomicUsize::new(0));
    let subscriber = tracing_subscriber::registry().with(Statements(count.clone()));
    let _guard = tracing::subscriber::set_default(subscriber);
    let response = app
        .anonymous()
        .post(app.url("/api/v1/graphql"))
        .bearer_auth(TOKEN)
        .json(&json!({"query": PAGE, "variables": {"first": first}}))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(status, 200);
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(
        body["data"]["assets"]["nodes"].as_array().unwrap().len(),
        first as usize
    );
    let page = &body["data"]["assets"]["nodes"][0];
    assert_eq!(page["tags"].as_array().unwrap().len(), 2, "{page}");
    assert_eq!(page["collections"][0]["slug"], "final");
    count.load(Ordering::SeqCst)
}

#[tokio::test]
async fn a_page_of_100_assets_costs_the_statements_of_a_page_of_10() {
    let app = spawn_app_with(|_| {}, false).await;
    assert!(app.database.is_some(), "this binary runs on PostgreSQL");
    let store = &app.state.catalog.store;
    let final_ = NewCollection {
        title: "Final".into(),
        ..Default::default()
    };
    let collection = store
        .create_collection(NamespaceId(1), &final_)
        .await
        .unwrap()
        .id;
    library(&app, 100, collection).await;
    // A token's first use records it (a write a minute at most): not the page's cost.
    statements_for(&app, 1).await;
    let small = statements_for(&app, 10).await;
    let large = statements_for(&app, 100).await;
    assert!(small > 0, "no statement was counted");
    assert_eq!(
        large, small,
        "a page of 100 ran {large} statements, one of 10 ran {small}"
    );
    // The page read, its count, and one batch each for tags, variants and collections,
    // besides authenticating.
    assert!(small <= 10, "{small} statements for one page");
}
