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

/// Which budgets a request spends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every route.
    General,
    /// Routes that create sessions or accounts (register, login, refresh): the general budget
    /// and a tight one per client.
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

    /// Spends one request of `client`'s budgets for `scope`. A denied budget stops the spending,
    /// so a refused request does not also eat into the next budget.
    pub async fn spend(&self, scope: Scope, client: &str) -> Result<Verdict, StoreError> {
        let policies: &[&RatePolicy] = match scope {
            Scope::General => &[&self.general],
            Scope::Authentication => &[&self.general, &self.authentication],
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
