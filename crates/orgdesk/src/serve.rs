//! `orgdesk serve`: migrate, listen, shut down cleanly on Ctrl-C or SIGTERM.

use anyhow::Context;
use orgdesk_app::{App, DatabaseUrl};
use std::net::SocketAddr;

pub async fn serve(listen: SocketAddr, url: &DatabaseUrl) -> anyhow::Result<()> {
    let app = App::open(url)
        .await
        .map_err(|err| anyhow::anyhow!("{err}"))
        .with_context(|| format!("opening the database {url}"))?;
    tracing::info!(database = %url, backend = app.backend_name(), "database ready");
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    tracing::info!(address = %listener.local_addr()?, "orgdesk is listening");
    axum::serve(listener, orgdesk_web::router(app.clone()))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    app.close().await.map_err(|err| anyhow::anyhow!("{err}"))?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
