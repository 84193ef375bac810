//! Readiness: whether the dependencies a request needs are answering. Probes are exempt from
//! every budget, so the answer is cached for [`READINESS_TTL`]: however often it is asked, the
//! database and the session store are pinged about once a second. Once the process begins
//! shutting down it is never ready again, whatever the dependencies say.

use std::{
    future::Future,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use crate::ports::{SessionStore, UserRepository};

/// How long one check's answer is served to every caller.
pub const READINESS_TTL: Duration = Duration::from_secs(1);

#[derive(Clone)]
pub struct Readiness {
    users: Arc<dyn UserRepository>,
    sessions: Arc<dyn SessionStore>,
    cache: Arc<ReportCache>,
    /// Set once, at the start of a graceful shutdown; shared by every clone.
    draining: Arc<AtomicBool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadinessReport {
    pub database: bool,
    pub session_store: bool,
}

impl ReadinessReport {
    pub fn ready(&self) -> bool {
        self.database && self.session_store
    }
}

impl Readiness {
    pub fn new(users: Arc<dyn UserRepository>, sessions: Arc<dyn SessionStore>) -> Self {
        Self {
            users,
            sessions,
            cache: Arc::new(ReportCache::default()),
            draining: Arc::new(AtomicBool::new(false)),
        }
    }

    /// The process is shutting down: from now on it reports not ready, so load balancers
    /// send it no new work while it finishes what it has.
    pub fn begin_draining(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }

    /// Whether [`Self::begin_draining`] was called.
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }

    /// The last answer if it is younger than [`READINESS_TTL`], else a fresh one. A failure is
    /// logged with its cause and reported as `false`.
    pub async fn check(&self) -> ReadinessReport {
        self.cache
            .get_or_probe(Instant::now(), || self.probe())
            .await
    }

    async fn probe(&self) -> ReadinessReport {
        let database = self.users.ping().await;
        let sessions = self.sessions.ping().await;
        if let Err(err) = &database {
            tracing::warn!(error = ?err, "readiness: database unavailable");
        }
        if let Err(err) = &sessions {
            tracing::warn!(error = ?err, "readiness: session store unavailable");
        }
        ReadinessReport {
            database: database.is_ok(),
            session_store: sessions.is_ok(),
        }
    }
}

#[derive(Default)]
struct ReportCache(Mutex<CacheState>);

#[derive(Default)]
struct CacheState {
    last: Option<(Instant, ReadinessReport)>,
    /// A caller is probing: the others serve the last answer meanwhile instead of piling on.
    probing: bool,
}

/// Clears `probing` however the probing caller ends, even if its request is dropped mid-probe.
struct ProbingGuard<'a>(&'a ReportCache);

impl Drop for ProbingGuard<'_> {
    fn drop(&mut self) {
        self.0.lock().probing = false;
    }
}

impl ReportCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, CacheState> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn get_or_probe<F, Fut>(&self, now: Instant, probe: F) -> ReadinessReport
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = ReadinessReport>,
    {
        {
            let mut state = self.lock();
            match state.last {
                Some((at, report)) if now.saturating_duration_since(at) < READINESS_TTL => {
                    return report;
                }
                Some((_, report)) if state.probing => return report,
                _ => state.probing = true,
            }
        }
        let _guard = ProbingGuard(self);
        let report = probe().await;
        self.lock().last = Some((Instant::now().max(now), report));
        report
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    const UP: ReadinessReport = ReadinessReport {
        database: true,
        session_store: true,
    };
    const DOWN: ReadinessReport = ReadinessReport {
        database: false,
        session_store: true,
    };

    #[tokio::test]
    async fn a_flood_of_checks_pings_once_per_second() {
        let cache = ReportCache::default();
        let pings = AtomicUsize::new(0);
        let probe = || async {
            pings.fetch_add(1, Ordering::SeqCst);
            UP
        };
        let start = Instant::now();
        for n in 0..1_000u64 {
            // 1,000 checks spread over 2.5 seconds.
            let now = start + Duration::from_millis(n * 5 / 2);
            assert_eq!(cache.get_or_probe(now, probe).await, UP);
        }
        let pings = pings.load(Ordering::SeqCst);
        assert!(
            (2..=4).contains(&pings),
            "{pings} pings for 2.5 s of checks"
        );
    }

    #[tokio::test]
    async fn a_stale_answer_is_replaced_and_failures_are_reported() {
        let cache = ReportCache::default();
        let start = Instant::now();
        assert_eq!(cache.get_or_probe(start, || async { UP }).await, UP);
        let fresh = cache
            .get_or_probe(start + Duration::from_millis(500), || async { DOWN })
            .await;
        assert_eq!(fresh, UP, "younger than a second: served from the cache");
        let later = cache
            .get_or_probe(Instant::now() + READINESS_TTL * 2, || async { DOWN })
            .await;
        assert_eq!(later, DOWN);
    }

    #[tokio::test]
    async fn callers_during_a_probe_get_the_last_answer_and_do_not_ping() {
        let cache = Arc::new(ReportCache::default());
        let start = Instant::now();
        cache.get_or_probe(start, || async { UP }).await;
        let stale = start + READINESS_TTL * 2;
        let (release, wait) = tokio::sync::oneshot::channel::<()>();
        let slow = {
            let cache = cache.clone();
            tokio::spawn(async move {
                cache
                    .get_or_probe(stale, || async {
                        wait.await.ok();
                        DOWN
                    })
                    .await
            })
        };
        tokio::task::yield_now().await;
        while !cache.lock().probing {
            tokio::task::yield_now().await;
        }
        let pinged = AtomicUsize::new(0);
        let meanwhile = cache
            .get_or_probe(stale, || async {
                pinged.fetch_add(1, Ordering::SeqCst);
                DOWN
            })
            .await;
        assert_eq!(
            meanwhile, UP,
            "the last answer, while another caller probes"
        );
        assert_eq!(pinged.load(Ordering::SeqCst), 0);
        release.send(()).ok();
        assert_eq!(slow.await.expect("joins"), DOWN);
        assert!(!cache.lock().probing);
    }

    #[tokio::test]
    async fn a_probe_abandoned_midway_does_not_freeze_the_cache() {
        let cache = ReportCache::default();
        let start = Instant::now();
        cache.get_or_probe(start, || async { UP }).await;
        let stale = start + READINESS_TTL * 2;
        let abandoned = cache.get_or_probe(stale, std::future::pending::<ReadinessReport>);
        let timed_out = tokio::time::timeout(Duration::from_millis(10), abandoned).await;
        assert!(timed_out.is_err());
        let next = cache.get_or_probe(stale, || async { DOWN }).await;
        assert_eq!(next, DOWN, "the next caller probes again");
    }
}
