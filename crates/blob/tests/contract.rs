//! The blob-store contract, on every store medialib writes to: a local directory, S3
//! (s3s-fs) and Azure Blob Storage (Azurite), each a real server on 127.0.0.1 started by
//! the tests (`medialib-test-servers`). Google Cloud Storage is read-only here: its
//! emulator refuses the XML API `object_store` writes through (DESIGN.md §9.2), so its
//! tests read objects written through the JSON API.

use std::time::Duration;

use bytes::Bytes;
use futures_util::TryStreamExt;
use medialib_blob::ObjectBlobStore;
use medialib_core::config::Storage;
use medialib_core::{BlobError, BlobStore, StorageKey};
use medialib_test_servers::{Kind, StorageServer};

/// A store under test, with the directory it may need kept alive.
struct Under {
    name: &'static str,
    store: ObjectBlobStore,
    _dir: tempfile::TempDir,
}

/// A fresh, empty store: a new directory, or a new bucket on the shared server.
fn fresh(kind: Option<Kind>) -> Under {
    let dir = tempfile::tempdir().unwrap();
    let (name, store) = match kind {
        None => (
            "local",
            ObjectBlobStore::local(&dir.path().join("blobs")).unwrap(),
        ),
        Some(kind) => {
            let server = StorageServer::shared(kind);
            let storage = Storage::parse(&server.fresh_bucket()).unwrap();
            let store = ObjectBlobStore::open_with_env(&storage, server.env()).unwrap();
            let name = match kind {
                Kind::S3 => "S3",
                Kind::Azure => "Azure",
                Kind::Gcs => "GCS",
            };
            (name, store)
        }
    };
    Under {
        name,
        store,
        _dir: dir,
    }
}

/// `len` bytes that differ from one offset to the next.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

fn key(s: &str) -> StorageKey {
    StorageKey::from_stored(s.to_owned())
}

/// A file of 17 MiB and a bit goes in as a multipart upload (8 MiB parts) and comes back
/// whole and by ranges; deleting twice succeeds; then it is gone.
async fn a_large_file_round_trips_with_ranges_and_idempotent_delete(under: Under) {
    let Under { name, store, _dir } = under;
    let data = pattern(17 * 1024 * 1024 + 17);
    let src = _dir.path().join("src.bin");
    std::fs::write(&src, &data).unwrap();
    let k = key("originals/1/ab/cd/abcd");

    store.put_file(&k, &src).await.unwrap();
    assert!(store.exists(&k).await.unwrap(), "{name}");
    assert!(store.get_bytes(&k).await.unwrap() == data, "{name}: whole");
    for range in [
        0..1,
        10..1_048_596,
        8_388_600..8_388_700,
        17_825_790..17_825_809,
    ] {
        let chunks: Vec<Bytes> = store
            .get_range(&k, range.clone())
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        let (start, end) = (range.start as usize, range.end as usize);
        assert!(chunks.concat() == data[start..end], "{name}: {range:?}");
    }
    store.delete(&k).await.unwrap();
    store.delete(&k).await.unwrap();
    assert!(!store.exists(&k).await.unwrap(), "{name}");
    assert!(
        matches!(store.get_bytes(&k).await, Err(BlobError::NotFound(_))),
        "{name}"
    );
}

/// Small blobs replace each other, list by prefix with their sizes, and come out as
/// files that are removed on drop when they are copies.
async fn blobs_list_by_prefix_and_come_out_as_files(under: Under) {
    let Under { name, store, _dir } = under;
    let scratch = _dir.path().join("scratch");
    std::fs::create_dir(&scratch).unwrap();
    let a = key("variants/a/thumbnail.webp");
    let b = key("variants/b/thumbnail.webp");
    store
        .put_bytes(&a, Bytes::from_static(b"first"))
        .await
        .unwrap();
    store
        .put_bytes(&a, Bytes::from_static(b"aaa"))
        .await
        .unwrap();
    store
        .put_bytes(&b, Bytes::from_static(b"bbbbb"))
        .await
        .unwrap();
    let listed = store.list("variants/a").await.unwrap();
    assert_eq!(
        listed.iter().map(|e| (&e.key, e.size)).collect::<Vec<_>>(),
        [(&a, 3)],
        "{name}"
    );
    let written = listed[0].modified.expect("a listing says when");
    let age = (medialib_core::Timestamp::now_utc() - written).whole_seconds();
    assert!((-5..120).contains(&age), "{name}: written {age} s ago");
    assert_eq!(store.list("variants/").await.unwrap().len(), 2, "{name}");
    assert_eq!(store.list("").await.unwrap().len(), 2, "{name}");
    assert!(store.list("originals").await.unwrap().is_empty(), "{name}");

    let file = store.get_to_file(&b, &scratch).await.unwrap();
    assert_eq!(std::fs::read(file.path()).unwrap(), b"bbbbb", "{name}");
    let path = file.path().to_owned();
    let is_copy = path.starts_with(&scratch);
    drop(file);
    assert_eq!(
        path.exists(),
        !is_copy,
        "{name}: a copy is removed, a blob kept"
    );
    assert!(
        matches!(
            store
                .get_to_file(&key("variants/c/none.webp"), &scratch)
                .await,
            Err(BlobError::NotFound(_))
        ),
        "{name}"
    );
    assert_eq!(std::fs::read_dir(&scratch).unwrap().count(), 0, "{name}");
}

/// A presigned URL lets a client with no credentials read the blob, and only it; the
/// local directory presigns nothing (signed delivery URLs cover it).
async fn presigned_urls_read_the_blob_without_credentials(under: Under) {
    let Under { name, store, _dir } = under;
    let k = key("variants/p/large.webp");
    store
        .put_bytes(&k, Bytes::from_static(b"presigned bytes"))
        .await
        .unwrap();
    let url = store
        .presigned_get(&k, Duration::from_secs(60))
        .await
        .unwrap();
    let Some(url) = url else {
        assert_eq!(name, "local", "only local storage cannot presign");
        return;
    };
    let client = reqwest::Client::new();
    let response = client.get(&url).send().await.unwrap();
    assert_eq!(response.status(), 200, "{name}: {url}");
    assert_eq!(response.bytes().await.unwrap(), "presigned bytes", "{name}");
    // The signature covers the key: another key under the same signature is refused.
    let other = url.replace("large.webp", "small.webp");
    let refused = client.get(&other).send().await.unwrap().status();
    assert!(
        refused == 403 || refused == 401,
        "{name}: {refused} for {other}"
    );
}

/// The probe writes, reads back and deletes one object, and leaves nothing behind.
async fn the_probe_leaves_nothing_behind(under: Under) {
    let Under { name, store, _dir } = under;
    store.probe().await.unwrap();
    assert!(store.list("").await.unwrap().is_empty(), "{name}");
}

/// `contract!(test, …)`: one `#[tokio::test]` per store for each contract test.
macro_rules! contract {
    ($($test:ident),* $(,)?) => {
        mod local {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() { super::$test(super::fresh(None)).await })*
        }
        mod s3 {
            use medialib_test_servers::Kind;
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() { super::$test(super::fresh(Some(Kind::S3))).await })*
        }
        mod azure {
            use medialib_test_servers::Kind;
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() { super::$test(super::fresh(Some(Kind::Azure))).await })*
        }
    };
}

contract!(
    a_large_file_round_trips_with_ranges_and_idempotent_delete,
    blobs_list_by_prefix_and_come_out_as_files,
    presigned_urls_read_the_blob_without_credentials,
    the_probe_leaves_nothing_behind,
);

/// GCS, read-only: objects written through the JSON API read back whole, by ranges and
/// as files, list by prefix, and delete.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gcs_reads_lists_and_deletes() {
    let server = StorageServer::shared(Kind::Gcs);
    let url = server.fresh_bucket();
    let bucket = url.trim_start_matches("gs://");
    let data = pattern(3 * 1024 * 1024 + 5);
    server.put_through_json_api(bucket, "originals/1/ab/cd/abcd", &data);
    server.put_through_json_api(bucket, "variants/a/thumbnail.webp", b"aaa");
    let store =
        ObjectBlobStore::open_with_env(&Storage::parse(&url).unwrap(), server.env()).unwrap();
    let k = key("originals/1/ab/cd/abcd");

    assert!(store.get_bytes(&k).await.unwrap() == data);
    let chunks: Vec<Bytes> = store
        .get_range(&k, 1_000_000..2_000_001)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert!(chunks.concat() == data[1_000_000..2_000_001]);
    let scratch = tempfile::tempdir().unwrap();
    let file = store.get_to_file(&k, scratch.path()).await.unwrap();
    assert!(std::fs::read(file.path()).unwrap() == data);
    drop(file);
    assert_eq!(std::fs::read_dir(scratch.path()).unwrap().count(), 0);
    let listed = store.list("variants").await.unwrap();
    assert_eq!(
        listed.iter().map(|e| (&e.key, e.size)).collect::<Vec<_>>(),
        [(&key("variants/a/thumbnail.webp"), 3)]
    );
    assert!(store.exists(&k).await.unwrap());
    store.delete(&k).await.unwrap();
    assert!(!store.exists(&k).await.unwrap());
    assert!(matches!(
        store.get_bytes(&k).await,
        Err(BlobError::NotFound(_))
    ));
}
