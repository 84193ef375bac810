//! The one Redis connection every Redis adapter shares.
//!
//! A multiplexed connection serves every concurrent call: calls issued together (a request's
//! session and roles, other requests' budgets) go out in one write and come back in one read,
//! and no call waits for a connection of its own. It is not checked with a round trip before
//! each use (deadpool-redis sent `UNWATCH` and `PING` before every loan, doubling what each
//! call cost), only when there is a reason to doubt it:
//! - a call failed on it for want of a connection: it is dropped, and the next call opens a
//!   fresh one (one caller opens it; the others wait for that, not for their own);
//! - it has not been used for [`IDLE_CHECK`]: a `PING` goes first, so a Redis restarted
//!   meanwhile costs no request.

use std::sync::{
    Arc, Mutex, PoisonError,
    atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use application::StoreError;
use redis::{
    Client, Cmd, Pipeline, RedisFuture, RedisResult, Value,
    aio::{ConnectionLike, MultiplexedConnection},
};

use crate::unavailable::{redis_unreachable, store_error};

/// Short: a call waiting on an unreachable Redis should fail fast, not hang.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// A connection not used for this long is checked with a `PING` before its next use.
pub const IDLE_CHECK: Duration = Duration::from_secs(1);

/// The Redis connection the adapters share (a handle: clones share it too).
#[derive(Clone)]
pub struct RedisPool(Arc<Shared>);

struct Shared {
    client: Client,
    current: Mutex<Option<Current>>,
    /// Held by the one caller opening a connection; the others wait for its result.
    opening: tokio::sync::Mutex<()>,
    waiting: AtomicUsize,
    opened: AtomicU64,
    /// Milliseconds from `started` to the last call that got an answer.
    last_answer: AtomicU64,
    started: Instant,
    closed: AtomicBool,
}

#[derive(Clone)]
struct Current {
    conn: MultiplexedConnection,
    id: u64,
}

/// Builds the handle; no connection is made until first use.
pub fn redis_pool(url: &str) -> anyhow::Result<RedisPool> {
    let client = Client::open(url).context("REDIS_URL: not a Redis URL")?;
    Ok(RedisPool(Arc::new(Shared {
        client,
        current: Mutex::default(),
        opening: tokio::sync::Mutex::const_new(()),
        waiting: AtomicUsize::new(0),
        opened: AtomicU64::new(0),
        last_answer: AtomicU64::new(0),
        started: Instant::now(),
        closed: AtomicBool::new(false),
    })))
}

/// The shared connection, as one call uses it.
pub(crate) struct PooledRedis {
    current: Current,
    shared: Arc<Shared>,
}

pub(crate) async fn redis_connection(pool: &RedisPool) -> Result<PooledRedis, StoreError> {
    let shared = &pool.0;
    if shared.closed.load(Ordering::Acquire) {
        return Err(StoreError::Unavailable(anyhow!(
            "the Redis connection is closed"
        )));
    }
    let current = match shared.current() {
        Some(current) => current,
        None => shared.open().await?,
    };
    let mut lent = PooledRedis {
        current,
        shared: Arc::clone(shared),
    };
    if shared.idle_for() >= IDLE_CHECK {
        let pong: RedisResult<String> = redis::cmd("PING").query_async(&mut lent).await;
        if pong.is_err() {
            // `lent` noted the failure and dropped the connection: one fresh attempt.
            lent.current = shared.open().await?;
        }
    }
    Ok(lent)
}

impl Shared {
    fn current(&self) -> Option<Current> {
        self.current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    async fn open(&self) -> Result<Current, StoreError> {
        self.waiting.fetch_add(1, Ordering::AcqRel);
        let opening = tokio::time::timeout(CONNECT_TIMEOUT, self.opening.lock()).await;
        self.waiting.fetch_sub(1, Ordering::AcqRel);
        let _opening = opening.map_err(|_| unavailable("waiting for a Redis connection"))?;
        // Another caller may have opened one while this one waited.
        if let Some(current) = self.current() {
            return Ok(current);
        }
        let conn = tokio::time::timeout(
            CONNECT_TIMEOUT,
            self.client.get_multiplexed_async_connection(),
        )
        .await
        .map_err(|_| unavailable("connecting to Redis"))?
        .map_err(|err| store_error(err, "connecting to Redis"))?;
        let current = Current {
            conn,
            id: self.opened.fetch_add(1, Ordering::AcqRel),
        };
        self.answered();
        *self.current.lock().unwrap_or_else(PoisonError::into_inner) = Some(current.clone());
        Ok(current)
    }

    /// Drops connection `id` if it is still the current one.
    fn drop_connection(&self, id: u64) {
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if current.as_ref().is_some_and(|c| c.id == id) {
            *current = None;
        }
    }

    fn millis(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn answered(&self) {
        self.last_answer.fetch_max(self.millis(), Ordering::AcqRel);
    }

    fn idle_for(&self) -> Duration {
        let last = self.last_answer.load(Ordering::Acquire);
        Duration::from_millis(self.millis().saturating_sub(last))
    }
}

fn unavailable(what: &'static str) -> StoreError {
    StoreError::Unavailable(anyhow!("timed out {what}"))
}

impl PooledRedis {
    fn note<T>(&self, result: &RedisResult<T>) {
        match result {
            Err(err) if redis_unreachable(err) || err.is_unrecoverable_error() => {
                self.shared.drop_connection(self.current.id);
            }
            _ => self.shared.answered(),
        }
    }
}

impl ConnectionLike for PooledRedis {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        Box::pin(async move {
            let result = self.current.conn.req_packed_command(cmd).await;
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
            let result = self
                .current
                .conn
                .req_packed_commands(cmd, offset, count)
                .await;
            self.note(&result);
            result
        })
    }

    fn get_db(&self) -> i64 {
        self.current.conn.get_db()
    }
}

impl RedisPool {
    /// The client the connection is opened from, for connections of their own (subscriptions).
    pub(crate) fn client(&self) -> &Client {
        &self.0.client
    }

    /// Drops the connection: calls already holding it finish on it; later ones are refused.
    pub fn close(&self) {
        self.0.closed.store(true, Ordering::Release);
        *self
            .0
            .current
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = None;
    }
}

/// The Redis connection (and the near cache beside it) as the metrics endpoint reports it.
#[derive(Clone)]
pub struct RedisPoolStats(RedisPool, Option<crate::NearCache>);

/// One sample of the Redis connection.
pub struct RedisPoolSample {
    /// 1 while a connection is open, else 0.
    pub connections: usize,
    /// The same: the shared connection is always free to use.
    pub idle: usize,
    /// Calls waiting for a connection to be opened: above zero for long, Redis is unreachable
    /// or slow to accept.
    pub waiting: usize,
    /// Whether the near cache answers access checks now; `None` without one.
    pub near_cache_in_force: Option<bool>,
}

impl RedisPoolStats {
    pub fn new(pool: &RedisPool) -> Self {
        Self(pool.clone(), None)
    }

    /// Reports `near` too.
    #[must_use]
    pub fn with_near(mut self, near: &crate::NearCache) -> Self {
        self.1 = Some(near.clone());
        self
    }

    pub fn sample(&self) -> RedisPoolSample {
        let open = usize::from(self.0.0.current().is_some());
        RedisPoolSample {
            connections: open,
            idle: open,
            waiting: self.0.0.waiting.load(Ordering::Acquire),
            near_cache_in_force: self.1.as_ref().map(crate::NearCache::in_force),
        }
    }
}
