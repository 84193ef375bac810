//! `RateLimiter` in Redis: GCRA in one Lua script, so every instance spends from one budget
//! in one round trip, on Redis's clock.

use std::time::Duration;

use application::{
    StoreError,
    ports::RateLimiter,
    throttle::{RateDecision, RatePolicy},
};
use async_trait::async_trait;
use redis::Script;

use super::pool::{RedisPool, redis_connection};
use crate::unavailable::StoreContext;

/// GCRA with a burst of the whole budget. The key holds the theoretical arrival time (TAT) in
/// microseconds. ARGV: window and emission interval, in microseconds.
/// Returns {allowed, remaining, retry_after_us, reset_after_us}.
const GCRA: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - window
if allow_at > now then
  return {0, 0, math.ceil(allow_at - now), math.ceil(tat - now)}
end
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', math.ceil((new_tat - now) / 1000) + 1)
local remaining = math.floor((window - (new_tat - now)) / interval)
return {1, remaining, 0, math.ceil(new_tat - now)}
";

pub struct RedisRateLimiter {
    pool: RedisPool,
    prefix: String,
    gcra: Script,
}

impl RedisRateLimiter {
    pub fn new(pool: RedisPool, prefix: &str) -> Self {
        Self {
            pool,
            prefix: format!("{prefix}:ratelimit:"),
            gcra: Script::new(GCRA),
        }
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

#[async_trait]
impl RateLimiter for RedisRateLimiter {
    async fn hit(&self, key: &str, policy: &RatePolicy) -> Result<RateDecision, StoreError> {
        let mut conn = redis_connection(&self.pool).await?;
        let (allowed, remaining, retry_us, reset_us): (i64, i64, i64, i64) = self
            .gcra
            .key(format!("{}{key}", self.prefix))
            .arg(micros(policy.window))
            .arg(micros(policy.emission_interval()).max(1))
            .invoke_async(&mut conn)
            .await
            .store_context("spending a rate budget")?;
        let duration = |us: i64| Duration::from_micros(u64::try_from(us).unwrap_or(0));
        Ok(RateDecision {
            allowed: allowed == 1,
            remaining: u32::try_from(remaining).unwrap_or(0),
            reset_after: duration(reset_us),
            retry_after: duration(retry_us),
        })
    }
}
