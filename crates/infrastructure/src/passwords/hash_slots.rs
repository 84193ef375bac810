//! The slots CPU-heavy password work runs in (bcrypt, zxcvbn): on the blocking pool, at most
//! `concurrency` at once, and a bounded wait for a slot, so a flood is shed with a 503 instead
//! of queueing without end while every other login waits behind it.

use std::time::Duration;

use anyhow::Context;
use application::{DependencyError, HashingSaturated};
use tokio::sync::Semaphore;
use tracing::Span;

pub struct HashSlots {
    permits: Semaphore,
    queue: Duration,
}

impl HashSlots {
    /// At most `concurrency` jobs at once; a job that waits longer than `queue` for a slot
    /// fails with `HashingSaturated`.
    pub fn new(concurrency: usize, queue: Duration) -> Self {
        Self {
            permits: Semaphore::new(concurrency.max(1)),
            queue,
        }
    }

    /// Runs `work` on the blocking pool in a slot, with the current span carried over.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
    ) -> Result<T, DependencyError> {
        let waiting = QueueDepth::enter();
        let permit = tokio::time::timeout(self.queue, self.permits.acquire()).await;
        drop(waiting);
        let _permit = match permit {
            Ok(permit) => permit.context("the hashing semaphore is closed")?,
            Err(_) => {
                tracing::warn!(
                    queue_ms = self.queue.as_millis() as u64,
                    "no password-hashing slot came free in time: request shed"
                );
                return Err(HashingSaturated.into());
            }
        };
        let span = Span::current();
        let started = std::time::Instant::now();
        let outcome = tokio::task::spawn_blocking(move || span.in_scope(work))
            .await
            .context("the hashing task panicked or was cancelled")?;
        metrics::histogram!("agora_password_hash_seconds").record(started.elapsed().as_secs_f64());
        // The work itself (bcrypt, zxcvbn) failing is a bug: only a full queue is an outage.
        outcome.map_err(DependencyError::Bug)
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_job_that_waits_past_the_bound_is_shed_not_queued() {
        let slots = Arc::new(HashSlots::new(1, Duration::from_millis(50)));
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
