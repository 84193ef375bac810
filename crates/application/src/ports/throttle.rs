//! Request budgets and login attempts.

use async_trait::async_trait;

use crate::StoreError;

/// Request budgets. With Redis, every instance spends from the same budgets.
#[async_trait]
pub trait RateLimiter: Send + Sync {
    /// Spends one request from the budget `key` under `policy`, atomically: concurrent callers
    /// on every instance sharing the store MUST together get at most `policy.limit` requests
    /// in a burst. A denied request spends nothing.
    async fn hit(
        &self,
        key: &str,
        policy: &crate::throttle::RatePolicy,
    ) -> Result<crate::throttle::RateDecision, StoreError>;
}

/// What reserving a login attempt said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// The bucket is locked out: no password may be checked for now.
    Refused { retry_after: std::time::Duration },
    /// One attempt is counted. `locked` when this very attempt reached the threshold and locked
    /// the bucket (it is still checked; a success clears the lock).
    Reserved { locked: Option<std::time::Duration> },
}

/// Login attempts per bucket (an account, or one trusted device of it), shared by every
/// instance when backed by Redis. An attempt is counted BEFORE its password is checked, so
/// concurrent guesses cannot all pass a check that is made before any of them is counted.
#[async_trait]
pub trait LoginAttempts: Send + Sync {
    /// Atomically, against every concurrent caller on every instance sharing the store: refuses
    /// when `bucket` is locked; otherwise counts one attempt, and when the count reaches
    /// `policy.threshold` locks the bucket for `policy.lock_duration(n)` (n: this lock-out's
    /// number), starts the count again, and says so. So at most `threshold` attempts are
    /// reserved before a lock-out, however many race.
    async fn reserve(
        &self,
        bucket: &str,
        policy: &crate::throttle::LockoutPolicy,
    ) -> Result<Reservation, StoreError>;

    /// A checked password was right: forgets the bucket's attempts, lock and past lock-outs.
    async fn clear(&self, bucket: &str) -> Result<(), StoreError>;

    /// A reserved attempt whose password could not be checked at all (no hashing slot came
    /// free): gives the attempt back, never below zero. A lock already started stays.
    async fn release(&self, bucket: &str) -> Result<(), StoreError>;
}
