//! A request budget and the answer to spending from it.

use std::time::Duration;

/// `limit` requests per `window`, refilled continuously (GCRA): a client that used its whole
/// budget gets one more request every `window / limit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatePolicy {
    /// Names the budget in keys and in the `RateLimit` headers.
    pub name: &'static str,
    pub limit: u32,
    pub window: Duration,
}

impl RatePolicy {
    pub fn per_minute(name: &'static str, limit: u32) -> Self {
        Self {
            name,
            limit: limit.max(1),
            window: Duration::from_secs(60),
        }
    }

    /// The time one request's worth of budget takes to come back.
    pub fn emission_interval(&self) -> Duration {
        self.window / self.limit.max(1)
    }
}

/// What spending one request did to a budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateDecision {
    pub allowed: bool,
    /// Requests left right now.
    pub remaining: u32,
    /// Until the budget is full again.
    pub reset_after: Duration,
    /// Until the next request would be allowed (zero when this one was).
    pub retry_after: Duration,
}
