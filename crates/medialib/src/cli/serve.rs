//! `medialib serve`.

use std::process::ExitCode;

use anyhow::Context;
use medialib_core::Settings;
use medialib_server::App;

/// Opens the data directory, creates the first token if needed, and serves until
/// Ctrl-C or SIGTERM.
pub async fn run(settings: Settings, workers: bool) -> anyhow::Result<ExitCode> {
    let listen = settings.listen;
    let data_dir = settings.data_dir.clone();
    let app = App::open(settings).await?;
    if let Some(token) = app.ensure_admin_token().await? {
        // Printed once, to stdout, so it can be captured; only its hash is stored.
        println!("Created the first admin API token (shown only once, store it now):");
        println!("  {token}");
        println!(
            "Use it as: curl -H \"Authorization: Bearer {token}\" http://{listen}/api/v1/assets"
        );
    }
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listen on {listen}"))?;
    tracing::info!(address = %listener.local_addr()?, data_dir = %data_dir.display(), workers, "medialib serving");
    app.serve(listener, workers, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// Completes on Ctrl-C or SIGTERM.
pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
