//! The throttle against a fake limiter that counts plainly.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use async_trait::async_trait;

use super::*;

#[derive(Default)]
struct Counting(Mutex<HashMap<String, u32>>);

#[async_trait]
impl RateLimiter for Counting {
    async fn hit(&self, key: &str, policy: &RatePolicy) -> Result<RateDecision, StoreError> {
        let mut counts = self.0.lock().expect("lock");
        let used = counts.entry(key.to_owned()).or_default();
        let allowed = *used < policy.limit;
        if allowed {
            *used += 1;
        }
        Ok(RateDecision {
            allowed,
            remaining: policy.limit - *used,
            reset_after: policy.window,
            retry_after: if allowed {
                Duration::ZERO
            } else {
                policy.window
            },
        })
    }
}

fn throttle(limiter: Arc<Counting>) -> Throttle {
    Throttle::new(
        limiter,
        RatePolicy::per_minute("general", 3),
        RatePolicy::per_minute("auth", 1),
    )
}

#[tokio::test]
async fn each_scope_spends_its_own_budget_per_client() {
    let limiter = Arc::new(Counting::default());
    let throttle = throttle(limiter.clone());
    let first = throttle
        .spend(Scope::Authentication, "1.2.3.4")
        .await
        .expect("spends");
    assert_eq!(first.retry_after(), None);
    assert_eq!(first.budgets.len(), 1);
    assert_eq!(first.budgets[0].0.name, "auth");
    let second = throttle
        .spend(Scope::Authentication, "1.2.3.4")
        .await
        .expect("spends");
    assert_eq!(second.retry_after(), Some(Duration::from_secs(60)));
    let general = throttle
        .spend(Scope::General, "1.2.3.4")
        .await
        .expect("spends");
    assert_eq!(
        general.retry_after(),
        None,
        "the general budget is separate"
    );
    assert_eq!(general.budgets.len(), 1);
    assert_eq!(general.budgets[0].1.remaining, 2);
    let other = throttle
        .spend(Scope::Authentication, "5.6.7.8")
        .await
        .expect("spends");
    assert_eq!(other.retry_after(), None, "budgets are per client");
}

#[test]
fn lock_outs_double_up_to_the_cap() {
    let policy = LockoutPolicy::default();
    for (lock_outs, seconds) in [(1, 60), (2, 120), (3, 240), (30, 3600)] {
        let expected = Duration::from_secs(seconds);
        assert_eq!(policy.lock_duration(lock_outs), expected, "{lock_outs}");
    }
}

#[test]
fn account_keys_ignore_case_and_never_hold_the_address() {
    let key = account_key(" Ada@Example.com ");
    assert_eq!(key, account_key("ada@example.com"));
    assert!(!key.contains("ada"));
    assert_eq!(key.len(), 64);
}
