//! Abuse resistance: request budgets per client (shared by every instance when the limiter is
//! Redis) and the growing lock-out of accounts after failed logins.

mod guard;
mod lockout;
mod policy;

use std::sync::Arc;

use crate::{StoreError, ports::RateLimiter};

pub use guard::{Guarded, check_password, device_bucket, reauthentication_bucket};
pub use lockout::{LockoutPolicy, account_key};
pub use policy::{RateDecision, RatePolicy};

/// Which budget a request spends. Every request spends the general one at the edge; the
/// routes that check a password or create sessions or accounts (register, login, refresh,
/// password change, ...) spend the tight authentication one as well, once routed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every route.
    General,
    /// Routes that check a password or create sessions or accounts.
    Authentication,
}

/// The outcome of spending one request from each budget the scope names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Each budget with what is left of it, in the order they were spent.
    pub budgets: Vec<(RatePolicy, RateDecision)>,
}

impl Verdict {
    /// `None` when every budget allowed the request; else how long until the tightest one will.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        self.budgets
            .iter()
            .filter(|(_, d)| !d.allowed)
            .map(|(_, d)| d.retry_after)
            .max()
    }
}

/// Spends request budgets through the `RateLimiter` port.
#[derive(Clone)]
pub struct Throttle {
    limiter: Arc<dyn RateLimiter>,
    general: RatePolicy,
    authentication: RatePolicy,
}

impl Throttle {
    pub fn new(
        limiter: Arc<dyn RateLimiter>,
        general: RatePolicy,
        authentication: RatePolicy,
    ) -> Self {
        Self {
            limiter,
            general,
            authentication,
        }
    }

    /// Spends one request of `client`'s budget for `scope`. Callers spend the general budget
    /// first and the authentication one only when it allowed the request, so a refused request
    /// does not also eat into the next budget.
    pub async fn spend(&self, scope: Scope, client: &str) -> Result<Verdict, StoreError> {
        let policies: &[&RatePolicy] = match scope {
            Scope::General => &[&self.general],
            Scope::Authentication => &[&self.authentication],
        };
        let mut budgets = Vec::with_capacity(policies.len());
        for policy in policies {
            let key = format!("{}:{client}", policy.name);
            let decision = self.limiter.hit(&key, policy).await?;
            let allowed = decision.allowed;
            budgets.push(((*policy).clone(), decision));
            if !allowed {
                break;
            }
        }
        Ok(Verdict { budgets })
    }
}

#[cfg(test)]
mod tests;
