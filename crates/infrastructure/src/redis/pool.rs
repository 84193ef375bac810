//! The one Redis pool every Redis adapter shares.

use std::time::Duration;

use anyhow::Context;
use application::StoreError;
use deadpool_redis::{Config, Connection, Pool, PoolConfig, Runtime, Timeouts};

use crate::unavailable::pool_unavailable;

/// Short: a request waiting on an unreachable Redis should fail fast, not hang.
const POOL_TIMEOUT: Duration = Duration::from_secs(2);

/// Builds the pool; no connection is made until first use.
pub fn redis_pool(url: &str) -> anyhow::Result<Pool> {
    let mut config = Config::from_url(url);
    config.pool = Some(PoolConfig {
        max_size: 32,
        timeouts: Timeouts {
            wait: Some(POOL_TIMEOUT),
            create: Some(POOL_TIMEOUT),
            recycle: Some(POOL_TIMEOUT),
        },
        ..PoolConfig::default()
    });
    config
        .create_pool(Some(Runtime::Tokio1))
        .context("REDIS_URL: cannot build a Redis pool")
}

pub(crate) async fn redis_connection(pool: &Pool) -> Result<Connection, StoreError> {
    pool.get().await.map_err(pool_unavailable)
}

/// The Redis pool as the metrics endpoint reports it.
#[derive(Clone)]
pub struct RedisPoolStats(Pool);

/// One sample of the Redis pool.
pub struct RedisPoolSample {
    pub connections: usize,
    pub idle: usize,
    /// Requests waiting for a connection: above zero for long, the pool (32) is too small or
    /// Redis too slow.
    pub waiting: usize,
}

impl RedisPoolStats {
    pub fn new(pool: &Pool) -> Self {
        Self(pool.clone())
    }

    pub fn sample(&self) -> RedisPoolSample {
        let status = self.0.status();
        RedisPoolSample {
            connections: status.size,
            idle: status.available,
            waiting: status.waiting,
        }
    }
}
