//! The reference servers `medialib bench upload` measures medialib's upload path
//! against: the least an HTTP server can do with an upload body.

use std::io::Write;

use axum::body::Body;
use futures_util::StreamExt;
use sha2::Digest;
use tokio::net::TcpListener;

/// Serves on `listener` until the task is dropped: `PUT /sink` reads a request body and
/// drops it, `PUT /keep` hashes it (SHA-256) and writes it to a temporary file; both
/// answer the number of bytes received.
///
/// Errors: only when serving fails.
pub async fn serve(listener: TcpListener) -> std::io::Result<()> {
    let app = axum::Router::new()
        .route("/sink", axum::routing::put(discard))
        .route("/keep", axum::routing::put(keep));
    crate::http::serve(listener, app, std::future::pending()).await
}

async fn discard(body: Body) -> String {
    let mut stream = body.into_data_stream();
    let mut bytes = 0usize;
    while let Some(Ok(chunk)) = stream.next().await {
        bytes += chunk.len();
    }
    bytes.to_string()
}

/// What any server that keeps an upload must do at least: hash it and write it
/// to a file.
async fn keep(body: Body) -> String {
    let Ok(mut file) = tokio::task::spawn_blocking(tempfile::tempfile).await else {
        return "0".into();
    };
    let mut hasher = sha2::Sha256::new();
    let mut stream = body.into_data_stream();
    let mut bytes = 0usize;
    while let Some(Ok(chunk)) = stream.next().await {
        bytes += chunk.len();
        hasher.update(&chunk);
        if let Ok(f) = file.as_mut()
            && f.write_all(&chunk).is_err()
        {
            return "0".into();
        }
    }
    let _ = hasher.finalize();
    bytes.to_string()
}
