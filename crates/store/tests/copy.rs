//! `medialib_store::copy`: an SQLite store moved into an empty PostgreSQL database keeps
//! every row, and PostgreSQL goes on from there (sequences, the search document).

use std::time::Duration;

use medialib_core::access::{Role, Scopes};
use medialib_core::organise::TagSource;
use medialib_core::store::{
    BulkAction, DeliveryCount, IngestRecord, NewAsset, NewAuditEvent, NewCollection, NewToken,
    Processed, epoch_day,
};
use medialib_core::{
    AssetId, AssetKind, ImageMetadata, Metadata, MetadataStore, NamespaceId, Sha256, Timestamp,
};
use medialib_store::copy::{Progress, sqlite_to_postgres};
use medialib_store::{PgStore, SqliteStore};
use sqlx::{Connection, PgConnection};

fn new_asset(byte: u8, title: &str) -> NewAsset {
    let sha = Sha256([byte; 32]);
    NewAsset {
        id: AssetId::new(),
        namespace: NamespaceId(1),
        kind: AssetKind::Image,
        mime: "image/jpeg".into(),
        size: 1000 + u64::from(byte),
        sha256: sha,
        storage_key: format!("originals/1/{sha}"),
        original_filename: format!("{title}.jpg"),
        title: title.into(),
        description: Some("a harbour at dusk".into()),
        alt_text: None,
        is_public: byte.is_multiple_of(2),
        width: Some(640),
        height: Some(480),
        duration_s: None,
        uploaded_by: None,
        max_attempts: 3,
    }
}

/// A small install with a row in every table that matters: assets (one processed, with
/// metadata JSON), tags, a collection, usage, deliveries, a user with a role, a token, a
/// session and an audit event.
async fn populate(store: &dyn MetadataStore) -> Vec<AssetId> {
    let mut ids = Vec::new();
    for (byte, title) in [(1, "Harbour"), (2, "Zürich at night"), (3, "café\0menu")] {
        match store.create_asset(new_asset(byte, title)).await.unwrap() {
            IngestRecord::Created { asset, .. } => ids.push(asset.id),
            IngestRecord::Duplicate(a) => panic!("duplicate {}", a.id),
        }
    }
    let (_, lease) = store
        .claim_job("copy", Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    let processed = Processed {
        metadata: Metadata::Image(ImageMetadata {
            camera_make: Some("Fujifilm".into()),
            ..Default::default()
        }),
        placeholder: None,
        taken_at: None,
        variants: Vec::new(),
        text: None,
        phash: None,
        transcodes: Vec::new(),
        analyse: false,
    };
    store.record_processed(lease, processed).await.unwrap();
    let tag = BulkAction::Tag {
        names: vec!["sunset".into(), "boats".into()],
        source: TagSource::User,
        confidence: None,
    };
    store.bulk(NamespaceId(1), &tag, &ids[..2]).await.unwrap();
    let collection = store
        .create_collection(
            NamespaceId(1),
            &NewCollection {
                title: "Front page".into(),
                slug: None,
                description: None,
                kind: String::new(),
                color: None,
                is_public: true,
                cover_asset: None,
                watermark: Some("credit".into()),
            },
        )
        .await
        .unwrap();
    store.insert_items(collection.id, &ids, None).await.unwrap();
    let usage = medialib_core::organise::UsageRef {
        entity_type: "article".into(),
        entity_id: "42".into(),
        usage_type: "hero".into(),
    };
    store.record_usage(ids[0], &usage).await.unwrap();
    let day = epoch_day(Timestamp::now_utc());
    let counts = [DeliveryCount {
        asset: ids[1],
        day,
        views: 7,
        bytes: 7000,
    }];
    store.record_deliveries(&counts).await.unwrap();
    let user = store
        .create_user("ada", Some("ada@example.org"), None)
        .await
        .unwrap();
    store
        .set_role(user.id, NamespaceId(1), Some(Role::Editor))
        .await
        .unwrap();
    store
        .create_token(NewToken {
            user: user.id,
            namespace: NamespaceId(1),
            name: "laptop".into(),
            hash: Sha256([9; 32]),
            scopes: Scopes::ALL,
            expires_at: None,
        })
        .await
        .unwrap();
    store
        .create_session(&Sha256([8; 32]), user.id, NamespaceId(1))
        .await
        .unwrap();
    store
        .record_audit(NewAuditEvent {
            namespace: NamespaceId(1),
            user: Some(user.id),
            action: "assets_patch".into(),
            target: Some(ids[0].to_string()),
            status: 200,
            ip: Some("127.0.0.1".into()),
        })
        .await
        .unwrap();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sqlite_store_moves_into_an_empty_postgres_database_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("medialib.db");
    let sqlite = SqliteStore::open(&path).await.unwrap();
    let ids = populate(&sqlite).await;
    sqlite.close().await;

    let url = medialib_test_servers::PgCluster::shared()
        .fresh_database()
        .await;
    PgStore::open(&url, 2).await.unwrap().close().await;
    let (mut total, mut seen) = (0, 0);
    let report = sqlite_to_postgres(&path, &url, |p| match p {
        Progress::Total(n) => total = n,
        Progress::Rows(n) => seen += n,
    })
    .await
    .unwrap();
    assert_eq!((total, seen), (report.rows(), report.rows()));
    let count = |table: &str| {
        report
            .tables
            .iter()
            .find(|(t, _)| t == table)
            .map_or(0, |(_, n)| *n)
    };
    assert_eq!(count("asset"), 3);
    assert_eq!(count("asset_tag"), 4);
    assert_eq!(count("collection_item"), 3);
    assert_eq!(
        (count("user"), count("api_token"), count("ui_session")),
        (1, 1, 1)
    );
    assert!(count("job") >= 3 && count("namespace") == 1 && count("audit_event") == 1);

    let mut pg = PgConnection::connect(&url).await.unwrap();
    let mut copied: Vec<uuid::Uuid> = sqlx::query_scalar("SELECT id FROM asset ORDER BY id")
        .fetch_all(&mut pg)
        .await
        .unwrap();
    let mut expected: Vec<uuid::Uuid> = ids.iter().map(|a| a.0).collect();
    copied.sort();
    expected.sort();
    assert_eq!(copied, expected);
    let menu: String = sqlx::query_scalar("SELECT title FROM asset WHERE title LIKE 'café%'")
        .fetch_one(&mut pg)
        .await
        .unwrap();
    assert_eq!(
        menu, "cafémenu",
        "U+0000, which PostgreSQL refuses, is dropped"
    );
    let kind: String = sqlx::query_scalar(
        "SELECT jsonb_typeof(metadata) FROM asset WHERE metadata::text LIKE '%Fujifilm%'",
    )
    .fetch_one(&mut pg)
    .await
    .unwrap();
    assert_eq!(kind, "object", "metadata arrives as jsonb");
    let found: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM asset
         WHERE search_doc @@ to_tsquery('medialib_search', 'zurich:* & sunset:*')",
    )
    .fetch_one(&mut pg)
    .await
    .unwrap();
    assert_eq!(
        found, 1,
        "the triggers built the search document from title and tags"
    );
    let next: i64 =
        sqlx::query_scalar("INSERT INTO tag (namespace_id, name, slug, created_at) VALUES (1, 'new', 'new', 0) RETURNING id")
            .fetch_one(&mut pg)
            .await
            .unwrap();
    let highest: i64 = sqlx::query_scalar("SELECT max(id) FROM tag WHERE slug <> 'new'")
        .fetch_one(&mut pg)
        .await
        .unwrap();
    assert!(next > highest, "sequences go on past the copied ids");

    let again = sqlite_to_postgres(&path, &url, |_| {}).await;
    assert!(
        again.is_err(),
        "a database that holds assets is never copied into"
    );
}
