//! `orgdesk serve`: migrate, listen, shut down cleanly on Ctrl-C or SIGTERM.

use crate::cli::ServeSettings;
use anyhow::Context;
use orgdesk_app::{App, BlobStore, DatabaseUrl, MailSettings, PageRequest, Settings};
use orgdesk_web::{SecureCookies, TrustedProxies, WebSettings};
use std::net::SocketAddr;
use std::time::Duration;

pub async fn serve(
    listen: SocketAddr,
    url: &DatabaseUrl,
    settings: ServeSettings,
) -> anyhow::Result<()> {
    let blob_location = crate::config::blob_location(settings.blob_store.as_deref(), url)?;
    let blob_store = BlobStore::open(&blob_location, std::env::vars())
        .with_context(|| format!("opening the blob store {blob_location}"))?;
    blob_store
        .check()
        .await
        .with_context(|| format!("reaching the blob store {blob_location}"))?;
    let transport = crate::config::mail_transport(
        settings.smtp_url.as_deref(),
        settings.mail_outbox.as_deref(),
        url,
    )?;
    let public_url = settings
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{listen}"));
    let mail = MailSettings::new(&settings.mail_from, Some(&public_url))
        .map_err(|err| anyhow::anyhow!(err))?;
    let app = App::open(url)
        .await
        .map_err(anyhow::Error::from)
        .with_context(|| format!("opening the database {url}"))?
        .with_settings(Settings {
            token_lifetime: Duration::from_secs(u64::from(settings.token_lifetime_days) * 86_400),
            blob_store: Some(blob_store),
            upload_limit_bytes: u64::from(settings.upload_limit_mib) * 1024 * 1024,
            mail,
        });
    let web = WebSettings {
        trusted_proxies: TrustedProxies(settings.trusted_proxies.into()),
        secure_cookies: SecureCookies(settings.secure_cookies),
    };
    tracing::info!(database = %url, backend = app.backend_name(), "database ready");
    tracing::info!(blob_store = %blob_location, "files attached to notes are kept here");
    // Imports run inside the server that took them: any left unfinished by a previous
    // run are over, and applied nothing (applying commits with the outcome).
    let interrupted = app.fail_interrupted_imports().await?;
    if interrupted > 0 {
        tracing::warn!(
            imports = interrupted,
            "imports interrupted by the last stop are marked failed; nothing of theirs was applied"
        );
    }
    if app
        .list_agents(None, &PageRequest::first(1))
        .await?
        .items
        .is_empty()
    {
        // Said where a newcomer looks first. The command works while the server runs.
        tracing::warn!(
            "no agents yet: create the first admin with `ORGDESK_AGENT_PASSWORD='a long password' orgdesk agent create --admin --email you@example.com --name \"Your Name\"`, with the same --database as this server (the server can keep running)"
        );
    }
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    tracing::info!(address = %listener.local_addr()?, "orgdesk is listening");
    let mail_worker = app.start_mail_worker(transport);
    let router = orgdesk_web::router(app.clone(), &web);
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    mail_worker.stop().await;
    app.close().await.map_err(anyhow::Error::from)?;
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
