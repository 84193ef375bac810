//! Request budget leased from Redis in chunks and spent in this process, so a busy client costs
//! Redis one call per chunk instead of one per request.
//!
//! Leasing never lets the instances together admit more than the limit: a chunk is taken from
//! the shared budget in Redis before any of it is spent here. What it can cost is the other
//! way: units leased and not spent within [`LEASE_LIFETIME`] are lost to the client, so a
//! client at its limit may be refused up to `instances x (max_lease - 1)` requests early.
//! Leases grow only for a client that comes back within [`GROW_WITHIN`] of its last one
//! (doubling up to [`max_lease`]: a twentieth of the limit, at most [`MAX_LEASE`]) and start
//! again at one unit otherwise, so a client that makes a request now and then spends its budget
//! exactly as without leases, and a small budget (the authentication one) is never leased.
//!
//! While one request of a key asks Redis for a lease, the others of that key that find no
//! unit here wait for its answer (at most [`WAIT_AT_MOST`]) and take their units from it,
//! instead of each asking Redis for one unit of its own: many connections of one client cost
//! Redis one call per lease, not one per request that arrives while a lease is asked for. A
//! request whose waits add up to [`WAIT_AT_MOST`] asks Redis itself, as before. If a lease
//! request fails, so do the requests that waited for it.
//!
//! A refusal is kept until its `retry_after`: the other instances only ever spend, so none can
//! bring budget back sooner, and a client flooding past its limit costs Redis one call per
//! emission interval instead of one per request.

use std::{
    collections::HashMap,
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use application::throttle::{RateDecision, RatePolicy};
use tokio::sync::watch;

/// Units leased and not spent within this long are dropped.
pub const LEASE_LIFETIME: Duration = Duration::from_millis(500);
/// A client that needs a new lease this soon after its last one gets one twice the size.
pub const GROW_WITHIN: Duration = Duration::from_millis(100);
/// The most units one lease may hold.
pub const MAX_LEASE: u32 = 32;
/// The longest a request waits, in all, for leases other requests of its key are asking for.
pub const WAIT_AT_MOST: Duration = Duration::from_millis(100);
/// A lease request under way for longer than this (its request was dropped mid-call) no
/// longer keeps other requests for the key to leases of one unit.
const FETCH_ABANDONED: Duration = Duration::from_secs(3);
/// Forget idle clients every this many requests, so memory follows the active clients only.
const SWEEP_EVERY: u64 = 4096;

/// The largest lease of `policy`'s budget: a twentieth of the limit, 1 to [`MAX_LEASE`].
pub fn max_lease(policy: &RatePolicy) -> u32 {
    (policy.limit / 20).clamp(1, MAX_LEASE)
}

/// What Redis answered a request for units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    /// Units taken from the budget (0: refused).
    pub granted: u32,
    /// Units left in Redis after the grant.
    pub remaining: u32,
    /// Until one unit comes back (on a refusal).
    pub retry_after: Duration,
    /// Until the whole budget is back.
    pub reset_after: Duration,
}

/// A lease request to make: `size` units; `owner` when it is the key's one growing request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fetch {
    pub size: u32,
    owner: bool,
}

/// How a lease request ended, for the requests that waited for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fetched {
    Granted,
    Failed,
}

/// Changes when the key's lease request under way ends, with how it ended.
pub type Waiting = watch::Receiver<Option<Fetched>>;

/// What [`Leases::take`] found.
#[derive(Debug)]
pub enum Take {
    /// Decided here: a unit of a lease spent, or a refusal still in force.
    Decided(RateDecision),
    /// Another request of the key is asking Redis for a lease: wait for it, then take again.
    Wait(Waiting),
    /// Redis must be asked.
    Fetch(Fetch),
}

#[derive(Debug, Default)]
struct Lease {
    /// Leased and not yet spent.
    units: u32,
    /// Redis's answer at `at`.
    remaining: u32,
    reset_after: Duration,
    at: Option<Instant>,
    /// The size of the last lease asked for.
    size: u32,
    refused_until: Option<Instant>,
    fetching_since: Option<Instant>,
    /// Told how the lease request under way ended, once a request waits for it.
    fetched: Option<watch::Sender<Option<Fetched>>>,
}

impl Lease {
    /// Tells the requests waiting for the lease request under way how it ended.
    fn ended(&mut self, how: Fetched) {
        self.fetching_since = None;
        if let Some(fetched) = &self.fetched {
            fetched.send_replace(Some(how));
        }
    }

    fn since(&self, now: Instant) -> Duration {
        self.at
            .map_or(Duration::MAX, |at| now.saturating_duration_since(at))
    }

    fn is_idle(&self, now: Instant) -> bool {
        self.since(now) >= LEASE_LIFETIME
            && self.refused_until.is_none_or(|until| until <= now)
            && self
                .fetching_since
                .is_none_or(|since| now.saturating_duration_since(since) >= FETCH_ABANDONED)
    }
}

/// This process's leases, by budget key.
#[derive(Debug, Default)]
pub struct Leases {
    leases: Mutex<HashMap<String, Lease>>,
    takes: AtomicU64,
}

impl Leases {
    fn with<T>(&self, key: &str, now: Instant, f: impl FnOnce(&mut Lease) -> T) -> T {
        let mut leases = self
            .leases
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if self.takes.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            leases.retain(|_, lease| !lease.is_idle(now));
        }
        if let Some(lease) = leases.get_mut(key) {
            return f(lease);
        }
        f(leases.entry(key.to_owned()).or_default())
    }

    /// Spends a unit of `key`'s lease, or says what to ask Redis for, or (when `may_wait`)
    /// to wait for the lease another request of the key is asking for.
    pub fn take(&self, key: &str, policy: &RatePolicy, now: Instant, may_wait: bool) -> Take {
        self.with(key, now, |lease| {
            let since = lease.since(now);
            match lease.refused_until {
                Some(until) if now < until => {
                    return Take::Decided(RateDecision {
                        allowed: false,
                        remaining: 0,
                        reset_after: lease.reset_after.saturating_sub(since),
                        retry_after: until - now,
                    });
                }
                Some(_) => lease.refused_until = None,
                None => {}
            }
            if since >= LEASE_LIFETIME {
                lease.units = 0;
            }
            if lease.units > 0 {
                lease.units -= 1;
                return Take::Decided(RateDecision {
                    allowed: true,
                    remaining: lease.remaining.saturating_add(lease.units),
                    reset_after: lease.reset_after.saturating_sub(since),
                    retry_after: Duration::ZERO,
                });
            }
            let fetching = lease
                .fetching_since
                .is_some_and(|at| now.saturating_duration_since(at) < FETCH_ABANDONED);
            if fetching && may_wait {
                let fetched = lease.fetched.get_or_insert_with(|| watch::channel(None).0);
                return Take::Wait(fetched.subscribe());
            }
            if fetching {
                return Take::Fetch(Fetch {
                    size: 1,
                    owner: false,
                });
            }
            lease.size = if since < GROW_WITHIN {
                lease.size.saturating_mul(2).clamp(1, max_lease(policy))
            } else {
                1
            };
            lease.fetching_since = Some(now);
            Take::Fetch(Fetch {
                size: lease.size,
                owner: true,
            })
        })
    }

    /// Records Redis's answer to `fetch`; one of the granted units is this request's.
    pub fn granted(&self, key: &str, fetch: Fetch, grant: Grant, now: Instant) -> RateDecision {
        self.with(key, now, |lease| {
            if fetch.owner {
                lease.ended(Fetched::Granted);
            }
            if lease.since(now) >= LEASE_LIFETIME {
                lease.units = 0;
            }
            lease.at = Some(now);
            lease.reset_after = grant.reset_after;
            if grant.granted == 0 {
                lease.remaining = 0;
                // Units another request leased meanwhile are still this client's to spend.
                if lease.units == 0 {
                    lease.refused_until = Some(now + grant.retry_after);
                }
                return RateDecision {
                    allowed: false,
                    remaining: 0,
                    reset_after: grant.reset_after,
                    retry_after: grant.retry_after,
                };
            }
            lease.units = lease.units.saturating_add(grant.granted - 1);
            lease.remaining = grant.remaining;
            RateDecision {
                allowed: true,
                remaining: grant.remaining.saturating_add(lease.units),
                reset_after: grant.reset_after,
                retry_after: Duration::ZERO,
            }
        })
    }

    /// Redis could not be asked: the next request for the key may ask again at once.
    pub fn failed(&self, key: &str, fetch: Fetch, now: Instant) {
        if fetch.owner {
            self.with(key, now, |lease| lease.ended(Fetched::Failed));
        }
    }
}

#[cfg(test)]
mod tests;
