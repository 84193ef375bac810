//! `RateLimiter` in Redis: GCRA in one Lua script, so every instance spends from one budget
//! on Redis's clock. A busy client's budget is leased in chunks and spent here
//! (`leases.rs`: the bound that costs, and why it never admits more than the limit).

use std::time::{Duration, Instant};

use application::{
    StoreError,
    ports::RateLimiter,
    throttle::{RateDecision, RatePolicy},
};
use async_trait::async_trait;
use redis::Script;

use super::leases::{Fetched, Grant, Leases, Take, WAIT_AT_MOST};
use super::pool::{RedisPool, redis_connection};
use crate::unavailable::StoreContext;

/// GCRA with a burst of the whole budget, spending up to `want` units at once. The key holds
/// the theoretical arrival time (TAT) in microseconds. ARGV: window and emission interval, in
/// microseconds, and the units wanted. Takes as many as fit, up to `want`.
/// Returns {granted, remaining, retry_after_us, reset_after_us}.
const GCRA: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local fit = math.floor((now + window - tat) / interval)
if fit < 1 then
  return {0, 0, math.ceil(tat + interval - window - now), math.ceil(tat - now)}
end
local granted = math.min(want, fit)
local new_tat = tat + granted * interval
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', math.ceil((new_tat - now) / 1000) + 1)
local remaining = math.floor((window - (new_tat - now)) / interval)
return {granted, remaining, 0, math.ceil(new_tat - now)}
";

pub struct RedisRateLimiter {
    pool: RedisPool,
    prefix: String,
    gcra: Script,
    leases: Leases,
}

impl RedisRateLimiter {
    pub fn new(pool: RedisPool, prefix: &str) -> Self {
        Self {
            pool,
            prefix: format!("{prefix}:ratelimit:"),
            gcra: Script::new(GCRA),
            leases: Leases::default(),
        }
    }

    /// Takes up to `want` units of `key`'s budget in Redis.
    async fn lease(&self, key: &str, policy: &RatePolicy, want: u32) -> Result<Grant, StoreError> {
        let mut conn = redis_connection(&self.pool).await?;
        let (granted, remaining, retry_us, reset_us): (i64, i64, i64, i64) = self
            .gcra
            .key(format!("{}{key}", self.prefix))
            .arg(micros(policy.window))
            .arg(micros(policy.emission_interval()).max(1))
            .arg(want)
            .invoke_async(&mut conn)
            .await
            .store_context("spending a rate budget")?;
        let duration = |us: i64| Duration::from_micros(u64::try_from(us).unwrap_or(0));
        Ok(Grant {
            granted: u32::try_from(granted).unwrap_or(0).min(want),
            remaining: u32::try_from(remaining).unwrap_or(0),
            retry_after: duration(retry_us),
            reset_after: duration(reset_us),
        })
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

#[async_trait]
impl RateLimiter for RedisRateLimiter {
    async fn hit(&self, key: &str, policy: &RatePolicy) -> Result<RateDecision, StoreError> {
        // Waits for the leases other requests of the key are asking for, WAIT_AT_MOST in all:
        // whatever ends a wait (an answer, the bound, a waited-for request dropped mid-call),
        // the lease is looked at again. Only a failure is passed on to the requests waiting.
        let deadline = tokio::time::Instant::now() + WAIT_AT_MOST;
        let fetch = loop {
            let may_wait = tokio::time::Instant::now() < deadline;
            match self.leases.take(key, policy, Instant::now(), may_wait) {
                Take::Decided(decision) => return Ok(decision),
                Take::Fetch(fetch) => break fetch,
                Take::Wait(mut waiting) => {
                    let ended = tokio::time::timeout_at(deadline, waiting.changed()).await;
                    if matches!(ended, Ok(Ok(()))) && *waiting.borrow() == Some(Fetched::Failed) {
                        return Err(StoreError::Unavailable(anyhow::anyhow!(
                            "the lease request this request waited for failed"
                        )));
                    }
                }
            }
        };
        match self.lease(key, policy, fetch.size).await {
            Ok(grant) => Ok(self.leases.granted(key, fetch, grant, Instant::now())),
            Err(err) => {
                self.leases.failed(key, fetch, Instant::now());
                Err(err)
            }
        }
    }
}
