//! Rate limiting that survives a Redis outage: the shared limiter while it answers, this
//! instance's own memory while it does not. Each switch is logged once.

use std::sync::atomic::{AtomicBool, Ordering};

use application::{
    StoreError,
    ports::{LoginAttempts, RateLimiter, Reservation},
    throttle::{LockoutPolicy, RateDecision, RatePolicy},
};
use async_trait::async_trait;

use super::{MemoryLoginAttempts, MemoryRateLimiter};

/// Wraps a shared store with a local one of the same kind.
pub struct LocalFallback<T: ?Sized, L> {
    shared: Box<T>,
    local: L,
    degraded: AtomicBool,
}

impl<T: ?Sized, L: Default> LocalFallback<T, L> {
    pub fn new(shared: Box<T>) -> Self {
        Self {
            shared,
            local: L::default(),
            degraded: AtomicBool::new(false),
        }
    }

    /// The shared answer when there is one; else notes the outage and says to go local.
    fn shared_or_local<V>(&self, result: Result<V, StoreError>) -> Option<V> {
        match result {
            Ok(value) => {
                if self.degraded.swap(false, Ordering::Relaxed) {
                    tracing::info!("rate limiting: the shared store answers again");
                }
                Some(value)
            }
            Err(err) => {
                if !self.degraded.swap(true, Ordering::Relaxed) {
                    tracing::warn!(error = ?err, "rate limiting: shared store unreachable, using this instance's own limits");
                }
                None
            }
        }
    }
}

pub type FallbackRateLimiter = LocalFallback<dyn RateLimiter, MemoryRateLimiter>;
pub type FallbackLoginAttempts = LocalFallback<dyn LoginAttempts, MemoryLoginAttempts>;

#[async_trait]
impl RateLimiter for FallbackRateLimiter {
    async fn hit(&self, key: &str, policy: &RatePolicy) -> Result<RateDecision, StoreError> {
        match self.shared_or_local(self.shared.hit(key, policy).await) {
            Some(decision) => Ok(decision),
            None => self.local.hit(key, policy).await,
        }
    }
}

#[async_trait]
impl LoginAttempts for FallbackLoginAttempts {
    async fn reserve(
        &self,
        bucket: &str,
        policy: &LockoutPolicy,
    ) -> Result<Reservation, StoreError> {
        match self.shared_or_local(self.shared.reserve(bucket, policy).await) {
            Some(reservation) => Ok(reservation),
            None => self.local.reserve(bucket, policy).await,
        }
    }

    /// Clears both, so a success counted during an outage leaves no stale local failures.
    async fn clear(&self, account: &str) -> Result<(), StoreError> {
        let shared = self.shared.clear(account).await;
        self.shared_or_local(shared);
        self.local.clear(account).await
    }

    async fn release(&self, bucket: &str) -> Result<(), StoreError> {
        match self.shared_or_local(self.shared.release(bucket).await) {
            Some(()) => Ok(()),
            None => self.local.release(bucket).await,
        }
    }
}
