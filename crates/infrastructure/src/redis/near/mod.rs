//! What each instance keeps near: the sessions and roles of the accounts it served lately, so
//! checking an access token costs no Redis round trip. Kept coherent with every change that
//! ends a session or changes roles, on every instance, before that change answers:
//!
//! - Every instance subscribes to one channel. A change, once stored, drops its own entries,
//!   publishes what it changed and waits for an acknowledgement from every instance holding a
//!   lease (below); each drops its entries before it acknowledges.
//! - An instance answers from its entries only under a lease. Every [`RENEW_EVERY`] it records
//!   a lease of [`LEASE`] in Redis (by Redis's clock) and, in the same script, publishes a
//!   heartbeat to itself. When that heartbeat comes back through its subscription (so every
//!   message published before it has been handled), it may answer from its entries until the
//!   heartbeat's send time plus [`LEASE`] less [`MARGIN`]: always before its lease in Redis
//!   ends.
//! - A change that gets no acknowledgement from a lease holder (the holder hung, or lost its
//!   subscription) waits until that holder's lease has ended, when the holder no longer answers
//!   from what it kept. A lost channel costs a change at most [`LEASE`] of waiting; it never
//!   lets a revoked token through.
//! - A new subscription (after a lost one) starts empty; so does a lease that lapsed.
//! - A read that raced a change cannot keep what the change dropped: every drop bumps a
//!   generation, and an entry read from Redis is kept only if none happened since the read
//!   began.
//! - An entry is kept at most [`KEEP_FOR`]: what bounds staleness if Redis loses acknowledged
//!   writes, or a change's message cannot be published at all (the change then answers an
//!   error, `Unavailable`).

mod listener;
mod roles;
mod sessions;
#[cfg(test)]
mod tests;

use std::{
    collections::{HashMap, HashSet, VecDeque},
    future::Future,
    hash::Hash,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    time::{Duration, Instant},
};

use application::StoreError;
use domain::{Role, Session, SessionId, UserId};
use redis::Script;
use tokio::sync::Notify;

pub use roles::NearRoles;
pub use sessions::NearSessions;

use super::pool::{RedisPool, redis_connection};
use crate::unavailable::StoreContext;

/// How long a lease recorded in Redis lasts.
pub const LEASE: Duration = Duration::from_millis(1000);
/// How often an instance renews its lease.
pub const RENEW_EVERY: Duration = Duration::from_millis(250);
/// An instance stops answering from its entries this long before its lease in Redis ends.
pub const MARGIN: Duration = Duration::from_millis(100);
/// The longest an entry is kept.
pub const KEEP_FOR: Duration = Duration::from_secs(10);
/// How long a stopping server tries to end its lease before leaving it to end by itself.
const STOP_WITHIN: Duration = Duration::from_millis(500);
/// Entries of each kind; when full, everything goes (a miss costs one Redis read).
const CAPACITY: usize = 100_000;
/// Heartbeats remembered while they travel.
const HEARTBEATS_IN_FLIGHT: usize = 8;

/// Publishes a change, then lists the live leases (holder, milliseconds left) in the same
/// instant, so no holder can start one between the two unseen.
const PUBLISH: &str = r"
redis.call('PUBLISH', ARGV[1], ARGV[2])
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local live = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf', 'WITHSCORES')
local holders, left = {}, {}
for i = 1, #live, 2 do
  holders[#holders + 1] = live[i]
  left[#left + 1] = tonumber(live[i + 1]) - now
end
return {holders, left}
";

/// Records the caller's lease (ARGV[1], ARGV[2] ms), forgets ended ones, then publishes the
/// heartbeat (ARGV[4]) to the caller's own channel (ARGV[3]).
const RENEW: &str = r"
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1
";

/// What a change drops on every instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Dropped {
    Sessions(Vec<SessionId>),
    /// Every session of the account, and its roles.
    Account(UserId),
}

/// This instance's entries and the channel that keeps them coherent. Cloning shares them.
#[derive(Clone)]
pub struct NearCache(Arc<Shared>);

struct Shared {
    pool: RedisPool,
    /// The channel every instance hears.
    channel: String,
    /// Where leases are recorded.
    leases: String,
    /// This instance's own channel: its heartbeats and the acknowledgements it waits for.
    own: String,
    instance: u64,
    publish: Script,
    renew: Script,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Until when entries may answer; `None` until the first heartbeat comes back.
    valid_until: Option<Instant>,
    /// Whether the listener holds a subscription (the lease is renewed only then).
    subscribed: bool,
    /// Set by `stop`: the lease is never renewed again.
    stopped: bool,
    generation: u64,
    sessions: Kept<SessionId, Session>,
    roles: Kept<UserId, Vec<Role>>,
    /// Heartbeats sent and not yet back: (number, sent at).
    heartbeats: VecDeque<(u64, Instant)>,
    next_heartbeat: u64,
    /// Changes waiting for acknowledgements: the holders that acknowledged so far.
    waits: HashMap<u64, (HashSet<u64>, Arc<Notify>)>,
}

struct Kept<K, V>(HashMap<K, (V, Instant)>);

impl<K, V> Default for Kept<K, V> {
    fn default() -> Self {
        Self(HashMap::new())
    }
}

impl<K: Eq + Hash, V: Clone> Kept<K, V> {
    fn get(&self, key: &K, now: Instant) -> Option<V> {
        self.0
            .get(key)
            .filter(|(_, at)| now.duration_since(*at) < KEEP_FOR)
            .map(|(value, _)| value.clone())
    }

    fn put(&mut self, key: K, value: V, now: Instant) {
        if self.0.len() >= CAPACITY {
            self.0.clear();
        }
        self.0.insert(key, (value, now));
    }
}

/// A read's place in the order of drops: what it read may be kept only if no drop came since.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ticket(u64);

impl NearCache {
    /// Starts listening on the channel under `prefix` (on the current Tokio runtime); entries
    /// answer once the first heartbeat comes back. The listener ends when the last clone goes.
    pub fn start(pool: RedisPool, prefix: &str) -> Self {
        let near = Self::unstarted(pool, prefix);
        listener::spawn(Arc::downgrade(&near.0));
        near
    }

    fn unstarted(pool: RedisPool, prefix: &str) -> Self {
        let instance = rand::random::<u64>();
        Self(Arc::new(Shared {
            pool,
            channel: format!("{prefix}:near"),
            leases: format!("{prefix}:near:leases"),
            own: format!("{prefix}:near:{instance}"),
            instance,
            publish: Script::new(PUBLISH),
            renew: Script::new(RENEW),
            state: Mutex::default(),
        }))
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.0.state()
    }

    /// Ends this instance's lease, for a stopping server: it no longer answers from its
    /// entries, and changes made elsewhere no longer wait for it.
    pub async fn stop(&self) {
        {
            let mut state = self.state();
            state.stopped = true;
            state.valid_until = None;
            state.clear();
        }
        let ended = async {
            let mut conn = redis_connection(&self.0.pool).await?;
            redis::cmd("ZREM")
                .arg(&self.0.leases)
                .arg(self.0.instance)
                .query_async::<i64>(&mut conn)
                .await
                .store_context("ending the near cache's lease")
        };
        // Bounded: a stopping server does not wait on an unreachable Redis.
        match tokio::time::timeout(STOP_WITHIN, ended).await {
            Ok(Ok(_)) => {}
            Ok(Err(err)) => tracing::debug!(error = %err, "near cache: the lease ends by itself"),
            Err(_) => tracing::debug!("near cache: Redis is slow; the lease ends by itself"),
        }
    }

    /// Whether entries may answer now.
    pub fn in_force(&self) -> bool {
        self.state().valid_at(Instant::now())
    }

    /// Waits up to `timeout` for the first heartbeat; says whether entries may answer.
    pub async fn wait_in_force(&self, timeout: Duration) -> bool {
        let give_up = Instant::now() + timeout;
        while !self.in_force() {
            if Instant::now() >= give_up {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        true
    }

    pub(crate) fn session(&self, id: SessionId) -> Option<Session> {
        self.answer(|state, now| state.sessions.get(&id, now))
    }

    pub(crate) fn roles(&self, user: UserId) -> Option<Vec<Role>> {
        self.answer(|state, now| state.roles.get(&user, now))
    }

    /// What `find` finds among the entries, while they may answer.
    fn answer<T>(&self, find: impl FnOnce(&State, Instant) -> Option<T>) -> Option<T> {
        let now = Instant::now();
        let state = self.state();
        state.valid_at(now).then(|| find(&state, now)).flatten()
    }

    /// Taken before a read from Redis whose answer may be kept; `None` while entries may not
    /// answer (nothing read then is kept).
    pub(crate) fn ticket(&self) -> Option<Ticket> {
        let state = self.state();
        state
            .valid_at(Instant::now())
            .then_some(Ticket(state.generation))
    }

    pub(crate) fn keep_session(&self, ticket: Ticket, session: Session) {
        self.keep(ticket, |state, now| {
            state.sessions.put(session.id(), session, now);
        });
    }

    pub(crate) fn keep_roles(&self, ticket: Ticket, user: UserId, roles: Vec<Role>) {
        self.keep(ticket, |state, now| state.roles.put(user, roles, now));
    }

    fn keep(&self, ticket: Ticket, put: impl FnOnce(&mut State, Instant)) {
        let now = Instant::now();
        let mut state = self.state();
        if state.generation == ticket.0 && state.valid_at(now) {
            put(&mut state, now);
        }
    }

    /// Drops this instance's entries for `dropped` only: for a change no other instance's
    /// entries can contradict (a session's later expiry).
    pub(crate) fn forget_here(&self, dropped: &Dropped) {
        self.state().forget(dropped);
    }

    /// Drops `dropped` on every instance: returns once every lease holder has acknowledged
    /// or its lease has ended. `Err` when the change could not be published (after retries):
    /// other instances may then keep the entries for up to [`KEEP_FOR`].
    pub(crate) async fn forget_everywhere(&self, dropped: &Dropped) -> Result<(), StoreError> {
        self.0.forget_everywhere(dropped).await
    }
}

/// Runs `change` (a store change and the drops it needs everywhere) to its end on a task of
/// its own, so a caller that goes away mid-change (a client that hung up, a request timed
/// out) cannot leave it stored in Redis and still kept elsewhere.
pub(crate) async fn to_the_end<T: Send + 'static>(
    change: impl Future<Output = Result<T, StoreError>> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::spawn(change)
        .await
        .map_err(|err| StoreError::Unavailable(anyhow::anyhow!("a change's task failed: {err}")))?
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves maps that are still consistent.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn forget_everywhere(&self, dropped: &Dropped) -> Result<(), StoreError> {
        let nonce = rand::random::<u64>();
        let notify = Arc::new(Notify::new());
        {
            let mut state = self.state();
            state.forget(dropped);
            state
                .waits
                .insert(nonce, (HashSet::new(), Arc::clone(&notify)));
        }
        let published = self
            .publish(&listener::change(self.instance, nonce, dropped))
            .await;
        let result = match published {
            Ok(holders) => {
                self.await_holders(nonce, &notify, holders).await;
                Ok(())
            }
            Err(err) => Err(err),
        };
        self.state().waits.remove(&nonce);
        result
    }

    /// Publishes `message` (trying again for up to [`LEASE`] while Redis cannot be reached);
    /// the other lease holders and when each lease ends.
    async fn publish(&self, message: &str) -> Result<Vec<(u64, Instant)>, StoreError> {
        let give_up = Instant::now() + LEASE;
        loop {
            let attempt = async {
                let mut conn = redis_connection(&self.pool).await?;
                let answer: (Vec<String>, Vec<i64>) = self
                    .publish
                    .key(&self.leases)
                    .arg(&self.channel)
                    .arg(message)
                    .invoke_async(&mut conn)
                    .await
                    .store_context("publishing a change")?;
                Ok::<_, StoreError>(answer)
            };
            match attempt.await {
                Ok((holders, left)) => {
                    let now = Instant::now();
                    let holders = holders
                        .iter()
                        .zip(left)
                        .filter_map(|(holder, left)| Some((holder.parse().ok()?, left)))
                        .filter(|(holder, _)| *holder != self.instance)
                        .map(|(holder, left)| {
                            let left = Duration::from_millis(u64::try_from(left).unwrap_or(0));
                            (holder, now + left)
                        })
                        .collect();
                    return Ok(holders);
                }
                Err(err) if Instant::now() >= give_up => return Err(err),
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    /// Waits until each holder has acknowledged `nonce` or its lease has ended.
    async fn await_holders(&self, nonce: u64, notify: &Notify, holders: Vec<(u64, Instant)>) {
        loop {
            let next_end = {
                let state = self.state();
                let acked = state.waits.get(&nonce).map(|(acked, _)| acked);
                let now = Instant::now();
                holders
                    .iter()
                    .filter(|(holder, ends)| {
                        *ends > now && !acked.is_some_and(|acked| acked.contains(holder))
                    })
                    .map(|(_, ends)| *ends)
                    .min()
            };
            let Some(next_end) = next_end else { return };
            tokio::select! {
                () = notify.notified() => {}
                () = tokio::time::sleep_until(next_end.into()) => {}
            }
        }
    }
}

impl State {
    fn valid_at(&self, now: Instant) -> bool {
        self.valid_until.is_some_and(|until| now < until)
    }

    fn forget(&mut self, dropped: &Dropped) {
        self.generation += 1;
        match dropped {
            Dropped::Sessions(ids) => {
                for id in ids {
                    self.sessions.0.remove(id);
                }
            }
            Dropped::Account(user) => {
                self.sessions.0.retain(|_, (s, _)| s.user_id() != *user);
                self.roles.0.remove(user);
            }
        }
    }

    /// Forgets every entry: the next ones are read after this point.
    fn clear(&mut self) {
        self.generation += 1;
        self.sessions.0.clear();
        self.roles.0.clear();
    }
}
