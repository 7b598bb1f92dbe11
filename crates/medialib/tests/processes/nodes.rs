//! Uploads across API nodes: two `serve --no-workers` nodes, each with a data directory
//! of its own, and one worker, on PostgreSQL and an S3 bucket (s3s-fs). A tus upload
//! created on one node is patched on both and completed on the other; two nodes writing
//! the same upload at once leave one of them 423; a chunked upload's chunks go to both
//! nodes in parallel and out of order; the asset is delivered by both, and the node in
//! redirect mode sends clients to the same bytes in the bucket.

use std::path::Path;
use std::time::Duration;

use base64::Engine;
use medialib_blob::ObjectBlobStore;
use medialib_core::BlobStore;
use medialib_core::config::Storage;
use medialib_test_servers::{Kind, PgCluster, StorageServer};
use reqwest::Method;
use serde_json::{Value, json};

use crate::{Process, TOKEN, all_ready, client, corpus, medialib_with, serve_with, tus};

/// One API node: its own data directory (nothing on disk is shared) and its address.
struct Node {
    _data: tempfile::TempDir,
    _process: Process,
    base: String,
}

/// Two nodes (the second in redirect mode) and a worker on one database and bucket.
struct Cluster {
    a: Node,
    b: Node,
    _worker: (tempfile::TempDir, Process),
    /// The bucket, as the test sees it.
    bucket: ObjectBlobStore,
}

fn configure(data: &Path, database: &str, bucket: &str, delivery: &str) {
    let config = format!(
        "database_url = \"{database}\"\nstorage_url = \"{bucket}\"\n\
         [delivery]\nmode = \"{delivery}\"\n\
         [[signing.keys]]\nid = \"nodes\"\nsecret = \"a-signing-key-every-node-shares-0123\"\n"
    );
    std::fs::write(data.join("medialib.toml"), config).unwrap();
}

impl Cluster {
    async fn start() -> Cluster {
        let database = PgCluster::shared().fresh_database().await;
        let s3 = StorageServer::shared(Kind::S3);
        let (bucket, env) = (s3.fresh_bucket(), s3.env());
        let node = |delivery: &'static str| {
            let (database, bucket, env) = (database.clone(), bucket.clone(), env.clone());
            async move {
                let data = tempfile::tempdir().unwrap();
                configure(data.path(), &database, &bucket, delivery);
                let (process, base) = serve_with(data.path(), &env).await;
                Node {
                    _data: data,
                    _process: process,
                    base,
                }
            }
        };
        let a = node("proxy").await;
        let b = node("redirect").await;
        let data = tempfile::tempdir().unwrap();
        configure(data.path(), &database, &bucket, "proxy");
        let worker = medialib_with(data.path(), &["worker"], &env);
        let storage = Storage::parse(&bucket).unwrap();
        Cluster {
            a,
            b,
            _worker: (data, worker),
            bucket: ObjectBlobStore::open_with_env(&storage, env).unwrap(),
        }
    }
}

async fn patch(base: &str, path: &str, offset: usize, body: reqwest::Body) -> reqwest::Response {
    tus(base, Method::PATCH, path)
        .header("Upload-Offset", offset.to_string())
        .header("Content-Type", "application/offset+octet-stream")
        .body(body)
        .send()
        .await
        .unwrap()
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response.headers()[name].to_str().unwrap().to_owned()
}

/// The asset's original through `base`, following a redirect by hand (it leaves the
/// node, so no token goes with it).
async fn original(base: &str, asset: &Value) -> Vec<u8> {
    let path = asset["links"]["original"].as_str().unwrap();
    let response = client()
        .get(format!("{base}{path}"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    let response = match response.status().as_u16() {
        200 => response,
        302 => {
            let target = header(&response, "Location");
            assert!(
                !target.starts_with(base),
                "redirected to the bucket: {target}"
            );
            client().get(target).send().await.unwrap()
        }
        other => panic!("{path}: {other}"),
    };
    assert_eq!(response.status(), 200);
    response.bytes().await.unwrap().to_vec()
}

/// Sends `rest` to node `a` at `offset`, holding its body open, and meanwhile a `PATCH`
/// to node `b`; returns `a`'s answer once it ends, and `b`'s 423.
///
/// `b`'s probes go at offset 0, which is wrong: while `a` does not hold the upload they
/// are refused for their offset (409) and write nothing. A probe can hold the upload at
/// the moment `a` asks for it, and then `a` is the one refused: it is sent again.
async fn contest(
    a: &str,
    b: &str,
    path: &str,
    offset: usize,
    rest: &[u8],
) -> (reqwest::Response, reqwest::Response) {
    for _ in 0..5 {
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(1);
        let slow = reqwest::Body::wrap_stream(futures_util::stream::unfold(rx, |mut rx| async {
            rx.recv().await.map(|chunk| (chunk, rx))
        }));
        let writing = tokio::spawn({
            let (a, path) = (a.to_owned(), path.to_owned());
            async move { patch(&a, &path, offset, slow).await }
        });
        tx.send(Ok(rest[..1000].to_vec())).await.unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
        let mut contested = None;
        while !writing.is_finished() {
            let answer = patch(b, path, 0, vec![0u8; 10].into()).await;
            if answer.status() == 423 {
                contested = Some(answer);
                break;
            }
            assert_eq!(answer.status(), 409);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let Some(contested) = contested else {
            let refused = writing.await.unwrap();
            assert_eq!(refused.status(), 423, "a probe held the upload");
            continue;
        };
        tx.send(Ok(rest[1000..].to_vec())).await.unwrap();
        drop(tx);
        return (writing.await.unwrap(), contested);
    }
    panic!("{b} was never refused while {a} wrote");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tus_upload_moves_between_nodes_and_ends_on_either() {
    let nodes = Cluster::start().await;
    let (a, b) = (&nodes.a.base, &nodes.b.base);
    let bytes = std::fs::read(corpus().join("images/jpeg/progressive_icc.jpg")).unwrap();
    let filename = base64::engine::general_purpose::STANDARD.encode("harbour.jpg");
    let created = tus(a, Method::POST, "/api/v1/uploads")
        .header("Upload-Length", bytes.len().to_string())
        .header("Upload-Metadata", format!("filename {filename}"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let path = header(&created, "Location");

    // A third, a third, and the rest: on A, on B, then on B after asking A the offset.
    let third = bytes.len() / 3;
    let first = patch(a, &path, 0, bytes[..third].to_vec().into()).await;
    assert_eq!(first.status(), 204);
    let second = patch(b, &path, third, bytes[third..2 * third].to_vec().into()).await;
    assert_eq!(second.status(), 204, "node B continues what A began");
    let head = tus(a, Method::HEAD, &path).send().await.unwrap();
    assert_eq!(header(&head, "Upload-Offset"), (2 * third).to_string());

    // The rest on B, while A tries to write it too: A finds it locked while B's body is
    // still arriving.
    let (last, contested) = contest(b, a, &path, 2 * third, &bytes[2 * third..]).await;
    let error: Value = contested.json().await.unwrap();
    assert_eq!(error["error"]["code"], "upload_locked");
    assert_eq!(last.status(), 204);
    let id = header(&last, "Medialib-Asset-Id");

    let ready = all_ready(b, std::slice::from_ref(&id)).await;
    assert_eq!(ready[0]["size"], bytes.len());
    assert!(
        original(a, &ready[0]).await == bytes,
        "node A delivers the bytes"
    );
    assert!(
        original(b, &ready[0]).await == bytes,
        "node B's redirect leads to them"
    );
    // The whole file in the creating request (one part, which the ingest copies inside
    // the bucket, from the node's own copy of the bytes).
    let other = std::fs::read(corpus().join("images/camera/canon_hdr_NO.jpg")).unwrap();
    let filename = base64::engine::general_purpose::STANDARD.encode("canon.jpg");
    let whole = tus(b, Method::POST, "/api/v1/uploads")
        .header("Upload-Length", other.len().to_string())
        .header("Upload-Metadata", format!("filename {filename}"))
        .header("Content-Type", "application/offset+octet-stream")
        .body(other.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(whole.status(), 201);
    let id = header(&whole, "Medialib-Asset-Id");
    let ready = all_ready(a, std::slice::from_ref(&id)).await;
    assert!(original(a, &ready[0]).await == other);
    let left = nodes.bucket.list("uploads").await.unwrap();
    assert!(left.is_empty(), "finished uploads leave no parts: {left:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunked_upload_takes_its_chunks_on_both_nodes_at_once() {
    let nodes = Cluster::start().await;
    let (a, b) = (&nodes.a.base, &nodes.b.base);
    let bytes = std::fs::read(corpus().join("images/camera/canon_hdr_NO.jpg")).unwrap();
    const CHUNK: usize = 64 * 1024;
    let created: Value = client()
        .post(format!("{b}/api/v1/uploads/chunked"))
        .bearer_auth(TOKEN)
        .json(&json!({"file_name": "canon.jpg", "file_size": bytes.len(), "chunk_size": CHUNK}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["upload_id"].as_str().unwrap().to_owned();
    let total = bytes.len().div_ceil(CHUNK);
    assert!(total >= 4, "{total} chunks");
    // Last to first, alternating nodes, all in flight together.
    let sends = (0..total).rev().map(|index| {
        let base = if index % 2 == 0 { a } else { b };
        let url = format!("{base}/api/v1/uploads/chunked/{id}/chunks/{index}");
        let chunk = bytes[index * CHUNK..((index + 1) * CHUNK).min(bytes.len())].to_vec();
        async move {
            let response = client()
                .put(url)
                .bearer_auth(TOKEN)
                .body(chunk)
                .send()
                .await
                .unwrap();
            response.status().as_u16()
        }
    });
    let statuses = futures_util::future::join_all(sends).await;
    assert!(statuses.iter().all(|s| *s == 204), "{statuses:?}");
    let progress: Value = client()
        .get(format!("{a}/api/v1/uploads/chunked/{id}"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(progress["missing"], json!([]), "{progress}");
    assert_eq!(progress["progress"], 1.0);
    let finalized = client()
        .post(format!("{a}/api/v1/uploads/chunked/{id}/finalize"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(finalized.status(), 201);
    let asset: Value = finalized.json().await.unwrap();
    let id = asset["id"].as_str().unwrap().to_owned();
    let ready = all_ready(a, std::slice::from_ref(&id)).await;
    assert!(original(a, &ready[0]).await == bytes);
    assert!(original(b, &ready[0]).await == bytes);
}
