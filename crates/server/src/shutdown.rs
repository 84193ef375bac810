//! Signals: SIGTERM or SIGINT starts a graceful shutdown, SIGHUP re-reads the certificate.
//!
//! Shutdown runs in three steps so a load balancer can drain the instance: readiness answers
//! 503 at once and every answer asks its client to close the connection, while the listener
//! keeps accepting for `SHUTDOWN_DRAIN_SECONDS`; then the listener closes and in-flight
//! requests get `SHUTDOWN_TIMEOUT_SECONDS` to finish; then the pools close.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use actix_server::ServerHandle;
use anyhow::Context;
use application::health::Readiness;
use tokio::{
    signal::unix::{Signal, SignalKind, signal},
    sync::watch,
};

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

/// The HTTP connections open on every worker, so that once the server stops no worker ends
/// before the others have answered their last request.
///
/// Each worker runs its own Tokio runtime, and a pooled database or Redis connection belongs to
/// the runtime that opened it, whichever worker uses it later. A worker ends (and its runtime
/// with it) as soon as its own connections are done: a request still running on another worker
/// then fails with "A Tokio 1.x context was found, but it is being shutdown" on a pooled
/// connection the first one opened (a 503 in the middle of a graceful shutdown). So, once the
/// server stops, each connection's task outlives its connection until every worker's are done.
#[derive(Clone)]
pub struct Connections {
    open: Arc<watch::Sender<usize>>,
    stopping: Arc<AtomicBool>,
}

/// One open connection, counted until dropped.
pub struct Open(Arc<watch::Sender<usize>>);

impl Drop for Open {
    fn drop(&mut self) {
        self.0.send_modify(|open| *open -= 1);
    }
}

impl Default for Connections {
    fn default() -> Self {
        Self {
            open: Arc::new(watch::Sender::new(0)),
            stopping: Arc::default(),
        }
    }
}

impl Connections {
    /// Counts a connection until the returned guard drops.
    pub fn open(&self) -> Open {
        self.open.send_modify(|open| *open += 1);
        Open(Arc::clone(&self.open))
    }

    /// Once the server is stopping, waits until no connection is open on any worker; at once
    /// before that (connections end all the time).
    pub async fn outlast_the_others(&self) {
        if self.stopping.load(Ordering::SeqCst) {
            let _ = self.open.subscribe().wait_for(|open| *open == 0).await;
        }
    }

    fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }
}

/// Waits for SIGTERM or SIGINT, drains for `drain`, then stops `server` gracefully (its
/// in-flight requests get the server's shutdown timeout; see [`Connections`]).
pub async fn stop_on_signal(
    (mut term, mut int): (Signal, Signal),
    server: ServerHandle,
    connections: Connections,
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
    connections.stop();
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
