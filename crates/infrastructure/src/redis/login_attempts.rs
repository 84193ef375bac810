//! `LoginAttempts` in Redis: one hash per bucket, reserved and locked in one Lua script, so an
//! attacker spreading guesses over every instance, or racing them, meets one counter.

use std::time::Duration;

use application::{
    StoreError,
    ports::{LoginAttempts, Reservation},
    throttle::LockoutPolicy,
};
use async_trait::async_trait;
use redis::{AsyncCommands, Script};

use super::pool::{RedisPool, redis_connection};
use crate::unavailable::StoreContext;

/// Reserves one attempt, in one step so racing callers on every instance are counted one by
/// one: when locked, returns {remaining lock ms, 0}; else counts the attempt and, at ARGV[1]
/// attempts, locks for ARGV[2] * 2^(lock-outs so far) capped at ARGV[3] ms, returning
/// {0, lock ms or 0}. The record lives ARGV[4] ms past the last attempt (or to its lock's end).
const RESERVE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local until_ms = tonumber(redis.call('HGET', KEYS[1], 'until') or 0)
if until_ms > now then return {until_ms - now, 0} end
local attempts = redis.call('HINCRBY', KEYS[1], 'failures', 1)
local lock = 0
if attempts >= tonumber(ARGV[1]) then
  local n = redis.call('HINCRBY', KEYS[1], 'lockouts', 1)
  lock = math.min(tonumber(ARGV[2]) * 2 ^ math.min(n - 1, 20), tonumber(ARGV[3]))
  redis.call('HSET', KEYS[1], 'failures', 0, 'until', string.format('%d', now + lock))
end
redis.call('PEXPIRE', KEYS[1], math.max(tonumber(ARGV[4]), lock))
return {0, lock}
";

/// Gives one reserved attempt back, never below zero; leaves a lock alone.
const RELEASE: &str = r"
local attempts = tonumber(redis.call('HGET', KEYS[1], 'failures') or 0)
if attempts > 0 then redis.call('HINCRBY', KEYS[1], 'failures', -1) end
return 0
";

pub struct RedisLoginAttempts {
    pool: RedisPool,
    prefix: String,
    reserve: Script,
    release: Script,
}

impl RedisLoginAttempts {
    pub fn new(pool: RedisPool, prefix: &str) -> Self {
        Self {
            pool,
            prefix: format!("{prefix}:login-failures:"),
            reserve: Script::new(RESERVE),
            release: Script::new(RELEASE),
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
    async fn reserve(
        &self,
        bucket: &str,
        policy: &LockoutPolicy,
    ) -> Result<Reservation, StoreError> {
        let mut conn = redis_connection(&self.pool).await?;
        let (refused, locked): (i64, i64) = self
            .reserve
            .key(self.key(bucket))
            .arg(policy.threshold.max(1))
            .arg(millis(policy.base))
            .arg(millis(policy.max))
            .arg(millis(policy.memory).max(1))
            .invoke_async(&mut conn)
            .await
            .store_context("reserving a login attempt")?;
        let locked = lock(locked);
        if locked.is_some() {
            metrics::counter!("agora_lockouts_total").increment(1);
        }
        Ok(match lock(refused) {
            Some(retry_after) => Reservation::Refused { retry_after },
            None => Reservation::Reserved { locked },
        })
    }

    async fn clear(&self, account: &str) -> Result<(), StoreError> {
        let mut conn = redis_connection(&self.pool).await?;
        let _: i64 = conn
            .del(self.key(account))
            .await
            .store_context("clearing failed logins")?;
        Ok(())
    }

    async fn release(&self, bucket: &str) -> Result<(), StoreError> {
        let mut conn = redis_connection(&self.pool).await?;
        let _: i64 = self
            .release
            .key(self.key(bucket))
            .invoke_async(&mut conn)
            .await
            .store_context("giving back a login attempt")?;
        Ok(())
    }
}
