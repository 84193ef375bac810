//! A circuit breaker on the database. Once a call fails because the database cannot be reached,
//! the breaker opens: every later call fails at once (a 503 upstream) instead of each waiting
//! out the pool's acquire timeout, and a background probe pings the database until it answers,
//! then closes the breaker.

use std::{
    future::Future,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::Duration,
};

/// How long one probe may take before it counts as a failure.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// One probe of the database: `true` when it answered.
pub type Probe = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = bool> + Send>> + Send + Sync>;

/// Closed (calls go through) or open (calls fail at once while a probe waits for the database).
pub struct CircuitBreaker {
    open: AtomicBool,
    /// Bumped whenever the breaker closes: a failure of a call let in before that is stale and
    /// must not open it again.
    epoch: AtomicU64,
    probing: AtomicBool,
    probe: Probe,
    interval: Duration,
}

/// A call the breaker let in; report how it ended with [`CircuitBreaker::failed`].
#[derive(Debug, Clone, Copy)]
pub struct Admitted {
    epoch: u64,
}

impl CircuitBreaker {
    /// A closed breaker that, once open, runs `probe` right away and then every `interval`.
    pub fn new(probe: Probe, interval: Duration) -> Arc<Self> {
        metrics::gauge!("agora_db_circuit_open").set(0.0);
        Arc::new(Self {
            open: AtomicBool::new(false),
            epoch: AtomicU64::new(0),
            probing: AtomicBool::new(false),
            probe,
            interval,
        })
    }

    pub fn is_open(&self) -> bool {
        self.open.load(Ordering::SeqCst)
    }

    /// `None` while the breaker is open: fail the call without touching the pool.
    pub fn admit(&self) -> Option<Admitted> {
        let epoch = self.epoch.load(Ordering::SeqCst);
        (!self.is_open()).then_some(Admitted { epoch })
    }

    /// An admitted call found the database unreachable: open the breaker (unless the database
    /// came back since the call was let in) and start probing.
    pub fn failed(self: &Arc<Self>, call: Admitted, cause: &dyn std::fmt::Display) {
        if self.epoch.load(Ordering::SeqCst) != call.epoch {
            return;
        }
        if !self.open.swap(true, Ordering::SeqCst) {
            metrics::gauge!("agora_db_circuit_open").set(1.0);
            metrics::counter!("agora_db_circuit_opened_total").increment(1);
            tracing::error!(
                error = %cause,
                "database unreachable: circuit open, answering 503 at once until a probe succeeds"
            );
        }
        self.start_probing();
    }

    fn start_probing(self: &Arc<Self>) {
        if self.probing.swap(true, Ordering::SeqCst) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // Every caller runs on a runtime; without one, the next failure tries again.
            self.probing.store(false, Ordering::SeqCst);
            return;
        };
        let this = Arc::clone(self);
        runtime.spawn(async move {
            loop {
                if (this.probe)().await {
                    // Probing ends before the breaker closes: a failure right after the close
                    // then starts a probe of its own.
                    this.probing.store(false, Ordering::SeqCst);
                    this.close();
                    return;
                }
                tokio::time::sleep(this.interval).await;
            }
        });
    }

    fn close(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        if self.open.swap(false, Ordering::SeqCst) {
            metrics::gauge!("agora_db_circuit_open").set(0.0);
            tracing::info!("database answers again: circuit closed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// A breaker probing every `interval_ms` with a probe that answers `up` and counts its
    /// calls in `calls`.
    fn breaker(
        up: &Arc<AtomicBool>,
        calls: &Arc<AtomicUsize>,
        interval_ms: u64,
    ) -> Arc<CircuitBreaker> {
        let (up, calls) = (up.clone(), calls.clone());
        let probe: Probe = Arc::new(move || {
            let (up, calls) = (up.clone(), calls.clone());
            Box::pin(async move {
                calls.fetch_add(1, Ordering::SeqCst);
                up.load(Ordering::SeqCst)
            })
        });
        CircuitBreaker::new(probe, Duration::from_millis(interval_ms))
    }

    async fn eventually(what: &str, check: impl Fn() -> bool) {
        for _ in 0..200 {
            if check() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!("{what} did not happen within a second");
    }

    #[tokio::test]
    async fn a_failure_opens_it_and_a_successful_probe_closes_it() {
        let (up, calls) = (Arc::new(AtomicBool::new(false)), Arc::default());
        let breaker = breaker(&up, &calls, 10);
        let call = breaker.admit().expect("closed at first");
        breaker.failed(call, &"connection refused");
        assert!(breaker.admit().is_none(), "open: calls fail at once");
        eventually("a few probes", || calls.load(Ordering::SeqCst) >= 3).await;
        assert!(breaker.is_open(), "still open while the probe fails");
        up.store(true, Ordering::SeqCst);
        eventually("the close", || !breaker.is_open()).await;
        assert!(breaker.admit().is_some());
    }

    #[tokio::test]
    async fn a_failure_of_a_call_let_in_before_the_recovery_does_not_reopen_it() {
        let up = Arc::new(AtomicBool::new(true));
        let breaker = breaker(&up, &Arc::default(), 10);
        let stale = breaker.admit().expect("closed");
        let first = breaker.admit().expect("closed");
        breaker.failed(first, &"connection reset");
        eventually("the close", || !breaker.is_open()).await;
        breaker.failed(stale, &"pool timed out");
        assert!(!breaker.is_open(), "a stale failure is ignored");
    }

    #[tokio::test]
    async fn many_failures_start_one_probe() {
        let calls = Arc::new(AtomicUsize::new(0));
        let breaker = breaker(&Arc::new(AtomicBool::new(false)), &calls, 50);
        let call = breaker.admit().expect("closed");
        for _ in 0..100 {
            breaker.failed(call, &"connection refused");
        }
        tokio::time::sleep(Duration::from_millis(120)).await;
        let probes = calls.load(Ordering::SeqCst);
        assert!((1..=4).contains(&probes), "{probes} probes in 120 ms");
    }

    #[tokio::test]
    async fn a_failure_right_after_a_close_opens_it_again_and_probes_again() {
        let (up, calls) = (Arc::new(AtomicBool::new(true)), Arc::default());
        let breaker = breaker(&up, &calls, 10);
        breaker.failed(breaker.admit().expect("closed"), &"refused");
        eventually("the close", || !breaker.is_open()).await;
        up.store(false, Ordering::SeqCst);
        breaker.failed(breaker.admit().expect("closed"), &"refused again");
        assert!(breaker.is_open());
        up.store(true, Ordering::SeqCst);
        eventually("the second close", || !breaker.is_open()).await;
    }
}
