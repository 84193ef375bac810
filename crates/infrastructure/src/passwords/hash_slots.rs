//! The slots CPU-heavy password work runs in (bcrypt, zxcvbn): `concurrency` threads of its own,
//! and a bounded wait for a slot, so a flood is shed with a 503 instead of queueing without end
//! while every other login waits behind it.
//!
//! The threads are started with the slots, by the thread that builds them, and take their
//! scheduling priority from it. The server then runs every other thread at a lower one
//! (`WORKER_NICE`, see the server's `priority`), so during a login flood the hashers keep the
//! `concurrency` cores reserved for them and the request workers share the rest.

use std::{panic::AssertUnwindSafe, sync::Arc, time::Duration};

use anyhow::Context;
use application::{DependencyError, HashingSaturated};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};
use tracing::Span;

/// The name every hashing thread's name starts with (`agora-hash-0`, ...).
pub const HASH_THREAD_PREFIX: &str = "agora-hash-";

type Job = Box<dyn FnOnce() + Send>;

pub struct HashSlots {
    permits: Arc<Semaphore>,
    queue: Duration,
    jobs: flume::Sender<Job>,
}

impl HashSlots {
    /// At most `concurrency` jobs at once, each on one of `concurrency` threads started here; a
    /// job that waits longer than `queue` for a slot fails with `HashingSaturated`. The threads
    /// end when the slots are dropped.
    pub fn new(concurrency: usize, queue: Duration) -> anyhow::Result<Self> {
        let concurrency = concurrency.max(1);
        let (jobs, inbox) = flume::unbounded::<Job>();
        for n in 0..concurrency {
            let inbox = inbox.clone();
            std::thread::Builder::new()
                .name(format!("{HASH_THREAD_PREFIX}{n}"))
                .spawn(move || {
                    while let Ok(job) = inbox.recv() {
                        job();
                    }
                })
                .context("PASSWORD_HASH_CONCURRENCY: cannot start a hashing thread")?;
        }
        Ok(Self {
            permits: Arc::new(Semaphore::new(concurrency)),
            queue,
            jobs,
        })
    }

    /// Runs `work` on a hashing thread in a slot, with the current span carried over. The slot
    /// is held until the work ends, also when the waiting request is dropped first, so there
    /// are never more jobs than threads.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
    ) -> Result<T, DependencyError> {
        let permit = self.slot().await?;
        let span = Span::current();
        let started = std::time::Instant::now();
        let (done, outcome) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _permit: OwnedSemaphorePermit = permit;
            // A panic ends the job, not the thread: the caller hears of it below.
            if let Ok(outcome) = std::panic::catch_unwind(AssertUnwindSafe(|| span.in_scope(work)))
            {
                let _ = done.send(outcome);
            }
        });
        if self.jobs.send(job).is_err() {
            return Err(anyhow::anyhow!("the hashing threads are gone").into());
        }
        let outcome = outcome.await.context("the hashing job panicked")?;
        metrics::histogram!("agora_password_hash_seconds").record(started.elapsed().as_secs_f64());
        // The work itself (bcrypt, zxcvbn) failing is a bug: only a full queue is an outage.
        outcome.map_err(DependencyError::Bug)
    }

    /// A free slot, or `HashingSaturated` once none came free within the queue bound.
    async fn slot(&self) -> Result<OwnedSemaphorePermit, DependencyError> {
        let waiting = QueueDepth::enter();
        let permit = tokio::time::timeout(self.queue, self.permits.clone().acquire_owned()).await;
        drop(waiting);
        match permit {
            Ok(permit) => Ok(permit.context("the hashing semaphore is closed")?),
            Err(_) => {
                tracing::warn!(
                    queue_ms = self.queue.as_millis() as u64,
                    "no password-hashing slot came free in time: request shed"
                );
                Err(HashingSaturated.into())
            }
        }
    }
}

/// Jobs waiting for a slot (the `agora_password_hash_queue_depth` gauge), also when the
/// waiting request is dropped.
struct QueueDepth;

impl QueueDepth {
    fn enter() -> Self {
        metrics::gauge!("agora_password_hash_queue_depth").increment(1.0);
        Self
    }
}

impl Drop for QueueDepth {
    fn drop(&mut self) {
        metrics::gauge!("agora_password_hash_queue_depth").decrement(1.0);
    }
}

#[cfg(test)]
impl HashSlots {
    /// A job that holds a slot for `held` (a busy hasher, for tests); its handle yields the
    /// job's outcome.
    pub(crate) fn occupy(
        self: &std::sync::Arc<Self>,
        held: Duration,
    ) -> tokio::task::JoinHandle<Result<(), DependencyError>> {
        let slots = self.clone();
        tokio::spawn(async move {
            slots
                .run(move || {
                    std::thread::sleep(held);
                    Ok(())
                })
                .await
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn one_slot(queue: Duration) -> Arc<HashSlots> {
        Arc::new(HashSlots::new(1, queue).expect("the thread starts"))
    }

    #[tokio::test]
    async fn jobs_run_on_the_slots_own_threads() {
        let slots = Arc::new(HashSlots::new(2, Duration::from_secs(5)).expect("threads start"));
        for _ in 0..4 {
            let name = slots
                .run(|| Ok(std::thread::current().name().map(str::to_owned)))
                .await
                .expect("ran");
            let name = name.expect("named");
            assert!(name.starts_with(HASH_THREAD_PREFIX), "{name}");
        }
    }

    #[tokio::test]
    async fn a_job_that_panics_is_an_error_and_its_slot_and_thread_serve_the_next() {
        let slots = one_slot(Duration::from_millis(500));
        let panicked = slots.run(|| -> anyhow::Result<()> { panic!("a bug in the work") });
        let err = panicked.await.expect_err("the panic is reported");
        assert!(!err.is_unavailable(), "a bug, not an outage: {err:?}");
        let again = slots
            .run(|| Ok(7))
            .await
            .expect("the one thread still serves");
        assert_eq!(again, 7);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_dropped_request_keeps_its_slot_until_its_work_ends() {
        let slots = one_slot(Duration::from_millis(100));
        let busy = slots.occupy(Duration::from_millis(600));
        tokio::time::sleep(Duration::from_millis(50)).await;
        // The request gives up; its hash is still running on the one thread.
        busy.abort();
        let _ = busy.await;
        let shed = slots.run(|| Ok(())).await;
        assert!(
            shed.expect_err("the slot is still taken").is_unavailable(),
            "no second job beside the running one"
        );
        tokio::time::sleep(Duration::from_millis(600)).await;
        slots
            .run(|| Ok(()))
            .await
            .expect("free once the work ended");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_job_that_waits_past_the_bound_is_shed_not_queued() {
        let slots = one_slot(Duration::from_millis(50));
        let busy = slots.occupy(Duration::from_millis(400));
        tokio::time::sleep(Duration::from_millis(50)).await;
        let started = std::time::Instant::now();
        let shed = slots.run(|| Ok(())).await;
        let err = shed.expect_err("no slot within 50 ms");
        assert!(err.is_unavailable(), "{err:?}");
        assert!(
            started.elapsed() < Duration::from_millis(300),
            "bounded wait"
        );
        busy.await.expect("joined").expect("ran");
        slots.run(|| Ok(())).await.expect("a free slot runs");
    }
}
