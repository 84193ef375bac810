//! Signals: SIGTERM or SIGINT starts a graceful shutdown, SIGHUP re-reads the certificate.
//!
//! Shutdown runs in three steps so a load balancer can drain the instance: readiness answers
//! 503 at once and every answer asks its client to close the connection, while the listener
//! keeps accepting for `SHUTDOWN_DRAIN_SECONDS`; then the listener closes and in-flight
//! requests get `SHUTDOWN_TIMEOUT_SECONDS` to finish; then the pools close.

use std::{sync::Arc, time::Duration};

use actix_server::ServerHandle;
use application::health::Readiness;
use tokio::signal::unix::{SignalKind, signal};

use crate::tls::CertStore;

/// Waits for SIGTERM or SIGINT, drains for `drain`, then stops `server` gracefully (its
/// in-flight requests get the server's shutdown timeout).
pub async fn stop_on_signal(server: ServerHandle, readiness: Readiness, drain: Duration) {
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::error!("cannot listen for SIGTERM and SIGINT; stop the process with SIGKILL");
        return;
    };
    let name = tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = int.recv() => "SIGINT",
    };
    drain_then_stop(name, &server, &readiness, drain).await;
}

/// The shutdown itself, whatever asked for it.
pub async fn drain_then_stop(
    cause: &str,
    server: &ServerHandle,
    readiness: &Readiness,
    drain: Duration,
) {
    readiness.begin_draining();
    tracing::info!(
        signal = cause,
        drain_seconds = drain.as_secs(),
        "shutting down: not ready; still accepting until the drain ends"
    );
    tokio::time::sleep(drain).await;
    tracing::info!("drain over: no new connections; finishing in-flight requests");
    server.stop(true).await;
}

/// Re-reads the certificate and key on every SIGHUP; a pair that does not load is logged and
/// the one in use stays.
pub async fn reload_on_hangup(store: Arc<CertStore>) {
    let Ok(mut hangups) = signal(SignalKind::hangup()) else {
        tracing::error!("cannot listen for SIGHUP: the certificate will not be re-read");
        return;
    };
    while hangups.recv().await.is_some() {
        match store.reload() {
            Ok(()) => tracing::info!("SIGHUP: certificate re-read; new connections use it"),
            Err(err) => tracing::error!(
                error = %format!("{err:#}"),
                "SIGHUP: the new certificate could not be loaded; still serving the previous one"
            ),
        }
    }
}
