//! Request budgets in memory, by the generic cell rate algorithm on tokio's clock (so a test
//! with paused time can advance it).

use std::{collections::HashMap, sync::Mutex, time::Duration};

use async_trait::async_trait;
use tokio::time::Instant;

use crate::{
    StoreError,
    ports::RateLimiter,
    throttle::{RateDecision, RatePolicy},
};

/// Each budget is the instant it is next empty (its theoretical arrival time): every request
/// moves it one emission interval on, and a request that would move it more than the burst
/// ahead of now is refused and moves nothing.
#[derive(Default)]
pub struct FakeRateLimiter(Mutex<HashMap<String, Instant>>);

#[async_trait]
impl RateLimiter for FakeRateLimiter {
    async fn hit(&self, key: &str, policy: &RatePolicy) -> Result<RateDecision, StoreError> {
        let interval = policy.emission_interval();
        let burst = interval * policy.limit;
        let now = Instant::now();
        let mut budgets = self.0.lock().expect("lock");
        let due = budgets
            .get(key)
            .copied()
            .filter(|t| *t > now)
            .unwrap_or(now);
        let backlog = due + interval - now;
        if backlog > burst {
            return Ok(RateDecision {
                allowed: false,
                remaining: 0,
                reset_after: due - now,
                retry_after: backlog - burst,
            });
        }
        budgets.insert(key.to_owned(), due + interval);
        let remaining = (burst - backlog).as_nanos() / interval.as_nanos().max(1);
        Ok(RateDecision {
            allowed: true,
            remaining: u32::try_from(remaining).unwrap_or(u32::MAX),
            reset_after: backlog,
            retry_after: Duration::ZERO,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::contract;

    #[tokio::test]
    async fn the_fake_rate_limiter_passes_the_contract() {
        contract::rate_limiter(&FakeRateLimiter::default()).await;
    }
}
