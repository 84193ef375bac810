//! `RateLimiter` in this process's memory (governor's GCRA): for a single instance, and the
//! fallback when Redis cannot be reached.

use std::{
    collections::HashMap,
    num::NonZeroU32,
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
};

use application::{
    StoreError,
    ports::RateLimiter,
    throttle::{RateDecision, RatePolicy},
};
use async_trait::async_trait;
use governor::{
    DefaultKeyedRateLimiter, Quota,
    clock::{Clock, DefaultClock},
    middleware::StateInformationMiddleware,
};
use std::sync::Arc;

type Keyed = DefaultKeyedRateLimiter<String, StateInformationMiddleware>;

/// Forget idle clients every this many requests, so memory follows the active clients only.
const SWEEP_EVERY: u64 = 4096;

#[derive(Default)]
pub struct MemoryRateLimiter {
    /// One limiter per policy name: governor fixes the quota per limiter.
    limiters: Mutex<HashMap<&'static str, Arc<Keyed>>>,
    hits: AtomicU64,
}

impl MemoryRateLimiter {
    fn limiter(&self, policy: &RatePolicy) -> Result<Arc<Keyed>, StoreError> {
        let mut limiters = self
            .limiters
            .lock()
            .map_err(|_| anyhow::anyhow!("rate limiter lock poisoned"))?;
        if let Some(limiter) = limiters.get(policy.name) {
            return Ok(limiter.clone());
        }
        let burst = NonZeroU32::new(policy.limit).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(policy.emission_interval())
            .ok_or_else(|| anyhow::anyhow!("rate policy {} has a zero interval", policy.name))?
            .allow_burst(burst);
        let limiter = Arc::new(
            governor::RateLimiter::keyed(quota).with_middleware::<StateInformationMiddleware>(),
        );
        limiters.insert(policy.name, limiter.clone());
        Ok(limiter)
    }
}

#[async_trait]
impl RateLimiter for MemoryRateLimiter {
    async fn hit(&self, key: &str, policy: &RatePolicy) -> Result<RateDecision, StoreError> {
        let limiter = self.limiter(policy)?;
        if self.hits.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            limiter.retain_recent();
        }
        let interval = policy.emission_interval();
        Ok(match limiter.check_key(&key.to_owned()) {
            Ok(state) => {
                let remaining = state.remaining_burst_capacity();
                RateDecision {
                    allowed: true,
                    remaining,
                    reset_after: interval * (policy.limit - remaining.min(policy.limit)),
                    retry_after: std::time::Duration::ZERO,
                }
            }
            Err(not_until) => RateDecision {
                allowed: false,
                remaining: 0,
                reset_after: policy.window,
                retry_after: not_until.wait_time_from(DefaultClock::default().now()),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_budget_allows_its_burst_then_refuses_with_a_wait() {
        let limiter = MemoryRateLimiter::default();
        let policy = RatePolicy::per_minute("test", 3);
        for left in [2, 1, 0] {
            let decision = limiter.hit("k", &policy).await.expect("memory never fails");
            assert!(decision.allowed);
            assert_eq!(decision.remaining, left);
        }
        let refused = limiter.hit("k", &policy).await.expect("memory never fails");
        assert!(!refused.allowed);
        assert!(refused.retry_after.as_secs() > 10 && refused.retry_after.as_secs() <= 20);
        let other = limiter
            .hit("other", &policy)
            .await
            .expect("memory never fails");
        assert!(other.allowed, "each key has its own budget");
    }
}
