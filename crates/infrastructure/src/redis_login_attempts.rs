//! `LoginAttempts` in Redis: one hash per account, counted and locked in one Lua script, so an
//! attacker spreading guesses over every instance meets one counter.

use std::time::Duration;

use application::{StoreError, ports::LoginAttempts, throttle::LockoutPolicy};
use async_trait::async_trait;
use deadpool_redis::{
    Pool,
    redis::{AsyncCommands, Script},
};

use crate::{redis_pool::redis_connection, unavailable::StoreContext};

/// The remaining lock in milliseconds (0 when not locked), on Redis's clock.
const LOCKED_FOR: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local until_ms = tonumber(redis.call('HGET', KEYS[1], 'until') or 0)
if until_ms > now then return until_ms - now end
return 0
";

/// Counts a failure; at ARGV[1] failures, locks for ARGV[2] * 2^(lock-outs so far), capped
/// at ARGV[3] ms. The record lives ARGV[4] ms past the last failure. Returns the lock in ms, or 0.
const RECORD_FAILURE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
local lock = 0
if failures >= tonumber(ARGV[1]) then
  local n = redis.call('HINCRBY', KEYS[1], 'lockouts', 1)
  lock = math.min(tonumber(ARGV[2]) * 2 ^ math.min(n - 1, 20), tonumber(ARGV[3]))
  redis.call('HSET', KEYS[1], 'failures', 0, 'until', string.format('%d', now + lock))
end
redis.call('PEXPIRE', KEYS[1], math.max(tonumber(ARGV[4]), lock))
return lock
";

pub struct RedisLoginAttempts {
    pool: Pool,
    prefix: String,
    locked_for: Script,
    record_failure: Script,
}

impl RedisLoginAttempts {
    pub fn new(pool: Pool, prefix: &str) -> Self {
        Self {
            pool,
            prefix: format!("{prefix}:login-failures:"),
            locked_for: Script::new(LOCKED_FOR),
            record_failure: Script::new(RECORD_FAILURE),
        }
    }

    fn key(&self, account: &str) -> String {
        format!("{}{account}", self.prefix)
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn lock(ms: i64) -> Option<Duration> {
    u64::try_from(ms)
        .ok()
        .filter(|ms| *ms > 0)
        .map(Duration::from_millis)
}

#[async_trait]
impl LoginAttempts for RedisLoginAttempts {
    async fn locked_for(&self, account: &str) -> Result<Option<Duration>, StoreError> {
        let mut conn = redis_connection(&self.pool).await?;
        let ms: i64 = self
            .locked_for
            .key(self.key(account))
            .invoke_async(&mut conn)
            .await
            .store_context("reading a login lock-out")?;
        Ok(lock(ms))
    }

    async fn record_failure(
        &self,
        account: &str,
        policy: &LockoutPolicy,
    ) -> Result<Option<Duration>, StoreError> {
        let mut conn = redis_connection(&self.pool).await?;
        let ms: i64 = self
            .record_failure
            .key(self.key(account))
            .arg(policy.threshold.max(1))
            .arg(millis(policy.base))
            .arg(millis(policy.max))
            .arg(millis(policy.memory).max(1))
            .invoke_async(&mut conn)
            .await
            .store_context("counting a failed login")?;
        Ok(lock(ms))
    }

    async fn clear(&self, account: &str) -> Result<(), StoreError> {
        let mut conn = redis_connection(&self.pool).await?;
        let _: i64 = conn
            .del(self.key(account))
            .await
            .store_context("clearing failed logins")?;
        Ok(())
    }
}
