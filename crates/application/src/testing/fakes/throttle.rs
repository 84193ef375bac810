//! Failed logins per account, on the fake clock.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use super::FakeClock;
use crate::{
    StoreError,
    ports::{Clock, LoginAttempts, Reservation},
    throttle::LockoutPolicy,
};

/// Failures, lock-outs so far, locked until.
type Attempts = (u32, u32, DateTime<Utc>);

/// Failed logins per account on the fake clock.
pub struct FakeAttempts {
    clock: Arc<FakeClock>,
    accounts: Mutex<HashMap<String, Attempts>>,
}

impl FakeAttempts {
    /// Lock-outs end only when `clock` is advanced past them.
    pub fn new(clock: Arc<FakeClock>) -> Self {
        Self {
            clock,
            accounts: Mutex::default(),
        }
    }
}

#[async_trait]
impl LoginAttempts for FakeAttempts {
    async fn reserve(
        &self,
        bucket: &str,
        policy: &LockoutPolicy,
    ) -> Result<Reservation, StoreError> {
        let now = self.clock.now();
        let mut accounts = self.accounts.lock().expect("lock");
        let entry = accounts.entry(bucket.to_owned()).or_insert((0, 0, now));
        if let Some(left) = (entry.2 - now).to_std().ok().filter(|d| !d.is_zero()) {
            return Ok(Reservation::Refused { retry_after: left });
        }
        entry.0 += 1;
        if entry.0 < policy.threshold {
            return Ok(Reservation::Reserved { locked: None });
        }
        entry.0 = 0;
        entry.1 += 1;
        let lock = policy.lock_duration(entry.1);
        entry.2 = now + Duration::from_std(lock).expect("small duration");
        Ok(Reservation::Reserved { locked: Some(lock) })
    }

    async fn clear(&self, bucket: &str) -> Result<(), StoreError> {
        self.accounts.lock().expect("lock").remove(bucket);
        Ok(())
    }

    async fn release(&self, bucket: &str) -> Result<(), StoreError> {
        if let Some(entry) = self.accounts.lock().expect("lock").get_mut(bucket) {
            entry.0 = entry.0.saturating_sub(1);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::contract;

    #[tokio::test]
    async fn the_fake_login_attempts_pass_the_contract() {
        let clock = Arc::new(FakeClock::new(Utc::now()));
        contract::login_attempts(&FakeAttempts::new(clock)).await;
    }
}
