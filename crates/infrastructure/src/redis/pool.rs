//! The one Redis pool every Redis adapter shares.
//!
//! Each pooled connection is a multiplexed one, lent to one call at a time. A pool that
//! checks every connection with a round trip before lending it (deadpool-redis sends
//! `UNWATCH` and `PING`) doubles what each Redis call costs; this one checks a connection only
//! when there is a reason to doubt it:
//! - a command failed on it for want of a working connection: it is dropped, never lent again;
//! - such a failure happened on any connection since this one was last known to work (a
//!   restarted or unreachable Redis breaks them all: one failure has the others checked);
//! - it has not been lent for [`IDLE_CHECK`].

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};
use std::time::Duration;

use anyhow::Context;
use application::StoreError;
use deadpool::{
    Runtime,
    managed::{self, Metrics, RecycleError, RecycleResult},
};
use redis::{
    Client, Cmd, Pipeline, RedisError, RedisFuture, RedisResult, Value,
    aio::{ConnectionLike, MultiplexedConnection},
};

use crate::unavailable::{pool_unavailable, redis_unreachable};

/// Short: a request waiting on an unreachable Redis should fail fast, not hang.
const POOL_TIMEOUT: Duration = Duration::from_secs(2);

/// A connection not lent for this long is checked with a `PING` before it is lent again.
pub const IDLE_CHECK: Duration = Duration::from_secs(1);

/// The pool the Redis adapters share.
pub type RedisPool = managed::Pool<RedisManager>;

/// Builds the pool; no connection is made until first use.
pub fn redis_pool(url: &str) -> anyhow::Result<RedisPool> {
    let client = Client::open(url).context("REDIS_URL: not a Redis URL")?;
    let manager = RedisManager {
        client,
        failures: Arc::default(),
    };
    managed::Pool::builder(manager)
        .max_size(32)
        .wait_timeout(Some(POOL_TIMEOUT))
        .create_timeout(Some(POOL_TIMEOUT))
        .recycle_timeout(Some(POOL_TIMEOUT))
        .runtime(Runtime::Tokio1)
        .build()
        .context("REDIS_URL: cannot build a Redis pool")
}

/// A connection lent by the pool; it goes back when dropped.
pub(crate) type PooledRedis = managed::Object<RedisManager>;

pub(crate) async fn redis_connection(pool: &RedisPool) -> Result<PooledRedis, StoreError> {
    pool.get().await.map_err(pool_unavailable)
}

/// Opens connections and decides whether a returned one may be lent again.
pub struct RedisManager {
    client: Client,
    /// How many commands have failed for want of a connection, on any connection.
    failures: Arc<AtomicU64>,
}

/// A pooled connection that remembers whether a command failed on it.
pub struct TrackedConnection {
    conn: MultiplexedConnection,
    failures: Arc<AtomicU64>,
    /// The pool's failure count when this connection last worked.
    known_good_at: u64,
    broken: bool,
}

impl TrackedConnection {
    fn note<T>(&mut self, result: &RedisResult<T>) {
        if let Err(err) = result
            && (redis_unreachable(err) || err.is_unrecoverable_error())
        {
            self.broken = true;
            self.failures.fetch_add(1, Ordering::AcqRel);
        }
    }
}

impl ConnectionLike for TrackedConnection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        Box::pin(async move {
            let result = self.conn.req_packed_command(cmd).await;
            self.note(&result);
            result
        })
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        cmd: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        Box::pin(async move {
            let result = self.conn.req_packed_commands(cmd, offset, count).await;
            self.note(&result);
            result
        })
    }

    fn get_db(&self) -> i64 {
        self.conn.get_db()
    }
}

impl managed::Manager for RedisManager {
    type Type = TrackedConnection;
    type Error = RedisError;

    async fn create(&self) -> Result<TrackedConnection, RedisError> {
        let known_good_at = self.failures.load(Ordering::Acquire);
        let conn = self.client.get_multiplexed_async_connection().await?;
        Ok(TrackedConnection {
            conn,
            failures: Arc::clone(&self.failures),
            known_good_at,
            broken: false,
        })
    }

    async fn recycle(
        &self,
        conn: &mut TrackedConnection,
        metrics: &Metrics,
    ) -> RecycleResult<RedisError> {
        if conn.broken {
            return Err(RecycleError::message("a command failed on this connection"));
        }
        let failures = self.failures.load(Ordering::Acquire);
        if failures == conn.known_good_at && metrics.last_used() < IDLE_CHECK {
            return Ok(());
        }
        let _: String = redis::cmd("PING").query_async(conn).await?;
        conn.known_good_at = failures;
        Ok(())
    }
}

/// The Redis pool as the metrics endpoint reports it.
#[derive(Clone)]
pub struct RedisPoolStats(RedisPool);

/// One sample of the Redis pool.
pub struct RedisPoolSample {
    pub connections: usize,
    pub idle: usize,
    /// Requests waiting for a connection: above zero for long, the pool (32) is too small or
    /// Redis too slow.
    pub waiting: usize,
}

impl RedisPoolStats {
    pub fn new(pool: &RedisPool) -> Self {
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
