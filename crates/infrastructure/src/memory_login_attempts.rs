//! `LoginAttempts` in this process's memory: for a single instance, and the fallback when
//! Redis cannot be reached.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use application::{StoreError, ports::LoginAttempts, throttle::LockoutPolicy};
use async_trait::async_trait;

struct Record {
    failures: u32,
    lockouts: u32,
    locked_until: Option<Instant>,
    forget_at: Instant,
}

#[derive(Default)]
pub struct MemoryLoginAttempts {
    accounts: Mutex<HashMap<String, Record>>,
}

impl MemoryLoginAttempts {
    fn with<T>(
        &self,
        f: impl FnOnce(&mut HashMap<String, Record>, Instant) -> T,
    ) -> Result<T, StoreError> {
        let mut accounts = self
            .accounts
            .lock()
            .map_err(|_| anyhow::anyhow!("login attempts lock poisoned"))?;
        let now = Instant::now();
        Ok(f(&mut accounts, now))
    }
}

#[async_trait]
impl LoginAttempts for MemoryLoginAttempts {
    async fn locked_for(&self, account: &str) -> Result<Option<Duration>, StoreError> {
        self.with(|accounts, now| {
            accounts
                .get(account)
                .and_then(|r| r.locked_until)
                .map(|until| until.saturating_duration_since(now))
                .filter(|left| !left.is_zero())
        })
    }

    async fn record_failure(
        &self,
        account: &str,
        policy: &LockoutPolicy,
    ) -> Result<Option<Duration>, StoreError> {
        self.with(|accounts, now| {
            accounts.retain(|_, r| r.forget_at > now);
            let record = accounts.entry(account.to_owned()).or_insert(Record {
                failures: 0,
                lockouts: 0,
                locked_until: None,
                forget_at: now,
            });
            record.failures += 1;
            let mut lock = None;
            if record.failures >= policy.threshold.max(1) {
                record.failures = 0;
                record.lockouts += 1;
                let duration = policy.lock_duration(record.lockouts);
                record.locked_until = Some(now + duration);
                lock = Some(duration);
            }
            record.forget_at = now + policy.memory.max(lock.unwrap_or_default());
            lock
        })
    }

    async fn clear(&self, account: &str) -> Result<(), StoreError> {
        self.with(|accounts, _| {
            accounts.remove(account);
        })
    }
}
