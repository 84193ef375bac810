//! `LoginAttempts` in this process's memory: for a single instance, and the fallback when
//! Redis cannot be reached. Bounded: at most `capacity` buckets, the least recently attempted
//! evicted first, every operation O(1).

use std::{sync::Mutex, time::Instant};

use application::{
    StoreError,
    ports::{LoginAttempts, Reservation},
    throttle::LockoutPolicy,
};
use async_trait::async_trait;
use hashlink::LruCache;

/// Buckets remembered at once (about 200 bytes each): a flood of unknown addresses costs at
/// most ~20 MB, and evicts the buckets attempted least recently, never scans.
pub const DEFAULT_CAPACITY: usize = 100_000;

struct Record {
    attempts: u32,
    lockouts: u32,
    locked_until: Option<Instant>,
    /// Past this, the record is as good as absent (`LockoutPolicy::memory` after the last
    /// attempt, or the end of its lock if later).
    forget_at: Instant,
}

pub struct MemoryLoginAttempts {
    buckets: Mutex<LruCache<String, Record>>,
}

impl Default for MemoryLoginAttempts {
    fn default() -> Self {
        Self::with_capacity(DEFAULT_CAPACITY)
    }
}

impl MemoryLoginAttempts {
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            buckets: Mutex::new(LruCache::new(capacity.max(1))),
        }
    }

    /// Buckets held now (expired ones included until they are touched or evicted).
    pub fn len(&self) -> usize {
        self.buckets.lock().map_or(0, |b| b.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut LruCache<String, Record>, Instant) -> T,
    ) -> Result<T, StoreError> {
        let mut buckets = self
            .buckets
            .lock()
            .map_err(|_| anyhow::anyhow!("login attempts lock poisoned"))?;
        Ok(f(&mut buckets, Instant::now()))
    }
}

#[async_trait]
impl LoginAttempts for MemoryLoginAttempts {
    async fn reserve(
        &self,
        bucket: &str,
        policy: &LockoutPolicy,
    ) -> Result<Reservation, StoreError> {
        self.with(|buckets, now| {
            let fresh = Record {
                attempts: 0,
                lockouts: 0,
                locked_until: None,
                forget_at: now,
            };
            let record = match buckets.get_mut(bucket) {
                Some(record) if record.forget_at > now => record,
                Some(record) => {
                    *record = fresh;
                    record
                }
                None => {
                    // Inserting past capacity evicts the least recently used bucket: O(1).
                    buckets.insert(bucket.to_owned(), fresh);
                    match buckets.get_mut(bucket) {
                        Some(record) => record,
                        None => {
                            return Err(anyhow::anyhow!("a bucket vanished on insert").into());
                        }
                    }
                }
            };
            if let Some(left) = record
                .locked_until
                .map(|until| until.saturating_duration_since(now))
                .filter(|left| !left.is_zero())
            {
                return Ok(Reservation::Refused { retry_after: left });
            }
            record.attempts += 1;
            let mut locked = None;
            if record.attempts >= policy.threshold.max(1) {
                record.attempts = 0;
                record.lockouts += 1;
                let duration = policy.lock_duration(record.lockouts);
                record.locked_until = Some(now + duration);
                locked = Some(duration);
                metrics::counter!("agora_lockouts_total").increment(1);
            }
            record.forget_at = now + policy.memory.max(locked.unwrap_or_default());
            Ok(Reservation::Reserved { locked })
        })?
    }

    async fn clear(&self, bucket: &str) -> Result<(), StoreError> {
        self.with(|buckets, _| {
            buckets.remove(bucket);
        })
    }

    async fn release(&self, bucket: &str) -> Result<(), StoreError> {
        self.with(|buckets, _| {
            if let Some(record) = buckets.peek_mut(bucket) {
                record.attempts = record.attempts.saturating_sub(1);
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn policy() -> LockoutPolicy {
        LockoutPolicy {
            threshold: 3,
            ..LockoutPolicy::default()
        }
    }

    #[tokio::test]
    async fn the_threshold_th_attempt_locks_and_the_next_is_refused() {
        let attempts = MemoryLoginAttempts::default();
        for _ in 0..2 {
            let r = attempts.reserve("a", &policy()).await.expect("reserves");
            assert_eq!(r, Reservation::Reserved { locked: None });
        }
        let third = attempts.reserve("a", &policy()).await.expect("reserves");
        assert_eq!(
            third,
            Reservation::Reserved {
                locked: Some(Duration::from_secs(60))
            }
        );
        let fourth = attempts.reserve("a", &policy()).await.expect("answers");
        assert!(
            matches!(fourth, Reservation::Refused { retry_after } if retry_after.as_secs() > 50)
        );
        attempts.release("a").await.expect("releases");
        assert!(
            matches!(
                attempts.reserve("a", &policy()).await.expect("answers"),
                Reservation::Refused { .. }
            ),
            "giving an attempt back never lifts a lock"
        );
        attempts.clear("a").await.expect("clears");
        let after = attempts.reserve("a", &policy()).await.expect("reserves");
        assert_eq!(after, Reservation::Reserved { locked: None });
        attempts.release("a").await.expect("releases");
        attempts.release("a").await.expect("never below zero");
        for _ in 0..2 {
            let r = attempts.reserve("a", &policy()).await.expect("reserves");
            assert_eq!(r, Reservation::Reserved { locked: None }, "given back");
        }
    }

    #[tokio::test]
    async fn a_flood_of_unknown_buckets_stays_within_capacity() {
        let attempts = MemoryLoginAttempts::with_capacity(1_000);
        let started = Instant::now();
        for n in 0..50_000 {
            attempts
                .reserve(&format!("unknown-{n}"), &policy())
                .await
                .expect("reserves");
        }
        assert_eq!(attempts.len(), 1_000, "bounded");
        // 50,000 attempts with O(1) eviction take milliseconds; a scan per attempt would not.
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }

    #[tokio::test]
    async fn the_most_recently_attempted_buckets_survive_a_flood() {
        let attempts = MemoryLoginAttempts::with_capacity(10);
        for _ in 0..2 {
            attempts
                .reserve("target", &policy())
                .await
                .expect("reserves");
        }
        for n in 0..9 {
            attempts
                .reserve(&format!("other-{n}"), &policy())
                .await
                .expect("reserves");
        }
        let third = attempts
            .reserve("target", &policy())
            .await
            .expect("reserves");
        assert!(
            matches!(third, Reservation::Reserved { locked: Some(_) }),
            "the target's count survived: {third:?}"
        );
    }
}
