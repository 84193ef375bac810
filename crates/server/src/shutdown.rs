//! Signals: SIGTERM or SIGINT starts a graceful shutdown, SIGHUP re-reads the certificate.
//!
//! Shutdown runs in three steps so a load balancer can drain the instance: readiness answers
//! 503 at once and every answer asks its client to close the connection, while the listener
//! keeps accepting for `SHUTDOWN_DRAIN_SECONDS`; then the listener closes and in-flight
//! requests get `SHUTDOWN_TIMEOUT_SECONDS` to finish; then the pools close.

use std::{sync::Arc, time::Duration};

use actix_server::ServerHandle;
use anyhow::Context;
use application::health::Readiness;
use tokio::signal::unix::{Signal, SignalKind, signal};

use crate::tls::CertStore;

/// The signals the server handles, taken over from their defaults before it says it is
/// listening: a SIGHUP or SIGTERM from then on never kills it outright.
pub struct Signals {
    term: Signal,
    int: Signal,
    hup: Signal,
}

impl Signals {
    pub fn listen() -> anyhow::Result<Self> {
        let listen = |kind: SignalKind, name: &str| {
            signal(kind).with_context(|| format!("cannot listen for {name}"))
        };
        Ok(Self {
            term: listen(SignalKind::terminate(), "SIGTERM")?,
            int: listen(SignalKind::interrupt(), "SIGINT")?,
            hup: listen(SignalKind::hangup(), "SIGHUP")?,
        })
    }

    /// Splits into the shutdown's signals and SIGHUP's.
    pub fn split(self) -> ((Signal, Signal), Signal) {
        ((self.term, self.int), self.hup)
    }
}

/// Waits for SIGTERM or SIGINT, drains for `drain`, then stops `server` gracefully (its
/// in-flight requests get the server's shutdown timeout).
pub async fn stop_on_signal(
    (mut term, mut int): (Signal, Signal),
    server: ServerHandle,
    readiness: Readiness,
    drain: Duration,
) {
    let name = tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = int.recv() => "SIGINT",
    };
    readiness.begin_draining();
    tracing::info!(
        signal = name,
        drain_seconds = drain.as_secs(),
        "shutting down: not ready; still accepting until the drain ends"
    );
    // A second signal (Ctrl-C again) cuts the drain short; in-flight requests still finish.
    tokio::select! {
        _ = tokio::time::sleep(drain) => {}
        _ = term.recv() => tracing::info!("SIGTERM again: drain cut short"),
        _ = int.recv() => tracing::info!("SIGINT again: drain cut short"),
    }
    tracing::info!("drain over: no new connections; finishing in-flight requests");
    server.stop(true).await;
}

/// Re-reads the certificate and key on every SIGHUP; a pair that does not load is logged and
/// the one in use stays. Without TLS, SIGHUP is ignored (its default would end the process).
pub async fn reload_on_hangup(mut hangups: Signal, store: Option<Arc<CertStore>>) {
    while hangups.recv().await.is_some() {
        let Some(store) = &store else {
            tracing::info!("SIGHUP ignored: no certificate to re-read");
            continue;
        };
        match store.reload() {
            Ok(()) => tracing::info!("SIGHUP: certificate re-read; new connections use it"),
            Err(err) => tracing::error!(
                error = %format!("{err:#}"),
                "SIGHUP: the new certificate could not be loaded; still serving the previous one"
            ),
        }
    }
}
