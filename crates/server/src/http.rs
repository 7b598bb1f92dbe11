//! The one way medialib serves HTTP on a TCP listener.

use std::future::Future;
use std::net::SocketAddr;

use axum::Router;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;

/// Serves `app` on `listener` until `shutdown` completes, then lets the requests in flight
/// finish. Handlers may extract the peer as `ConnectInfo<SocketAddr>`.
///
/// Every accepted connection gets `TCP_NODELAY`. Without it, a response written in more
/// than one piece (the headers, then a streamed body) meets Nagle's algorithm on a
/// keep-alive connection: the second write waits for the ACK of the first, which the
/// client delays by up to 40 ms, so each request after a connection's first took ~44 ms.
/// `clippy.toml` forbids `axum::serve` elsewhere, so no listener can miss this.
///
/// Errors when accepting or serving fails at the socket level.
#[allow(clippy::disallowed_methods)]
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::warn!(error = %e, "could not set TCP_NODELAY on a connection");
        }
    });
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
