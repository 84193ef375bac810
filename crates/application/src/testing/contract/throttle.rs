//! The `RateLimiter` and `LoginAttempts` contracts.

use std::time::Duration;

use futures_util::future::join_all;
use uuid::Uuid;

use crate::{
    ports::{LoginAttempts, RateLimiter, Reservation},
    throttle::{LockoutPolicy, RatePolicy},
};

fn key() -> String {
    format!("contract-{}", Uuid::now_v7().simple())
}

/// A budget admits exactly `limit` requests, then refuses with a wait no longer than the
/// window and spends nothing; budgets are independent; concurrent callers together get
/// `limit`; a budget left alone for its window is full again (waits about 0.7 s).
pub async fn rate_limiter(limiter: &impl RateLimiter) {
    let policy = RatePolicy {
        name: "contract",
        limit: 3,
        window: Duration::from_millis(600),
    };
    let budget = key();
    for left in [2, 1, 0] {
        let decision = limiter.hit(&budget, &policy).await.expect("hit");
        assert!(decision.allowed, "within the limit");
        assert_eq!(decision.remaining, left);
        assert_eq!(decision.retry_after, Duration::ZERO);
        assert!(decision.reset_after <= policy.window);
    }
    for _ in 0..3 {
        let refused = limiter.hit(&budget, &policy).await.expect("hit");
        assert!(!refused.allowed, "past the limit");
        assert_eq!(refused.remaining, 0);
        assert!(refused.retry_after > Duration::ZERO && refused.retry_after <= policy.window);
    }
    let other = limiter.hit(&key(), &policy).await.expect("hit");
    assert!(
        other.allowed && other.remaining == 2,
        "another budget is untouched"
    );

    let racing = key();
    let hits = (0..10).map(|_| limiter.hit(&racing, &policy));
    let allowed = join_all(hits)
        .await
        .into_iter()
        .filter(|d| d.as_ref().expect("hit").allowed)
        .count();
    assert_eq!(
        allowed, 3,
        "concurrent callers together get exactly the limit"
    );

    // Refusals spent nothing: after one window the whole burst is back.
    tokio::time::sleep(policy.window + Duration::from_millis(100)).await;
    for left in [2, 1, 0] {
        let decision = limiter.hit(&budget, &policy).await.expect("hit");
        assert!(decision.allowed, "the budget refilled");
        assert_eq!(decision.remaining, left);
    }
    assert!(!limiter.hit(&budget, &policy).await.expect("hit").allowed);
}

fn policy() -> LockoutPolicy {
    LockoutPolicy {
        threshold: 3,
        base: Duration::from_secs(60),
        max: Duration::from_secs(600),
        memory: Duration::from_secs(3600),
    }
}

async fn reserve(attempts: &impl LoginAttempts, bucket: &str) -> Reservation {
    attempts.reserve(bucket, &policy()).await.expect("reserve")
}

const COUNTED: Reservation = Reservation::Reserved { locked: None };

/// Attempts are counted up to the threshold, the one reaching it locks the bucket (for
/// `lock_duration(1)`) and later ones are refused; `clear` forgets everything; `release` gives
/// one attempt back, never below zero, and never lifts a lock; buckets are independent; under
/// concurrency at most `threshold` attempts are reserved.
pub async fn login_attempts(attempts: &impl LoginAttempts) {
    let lock = policy().lock_duration(1);
    let bucket = key();
    assert_eq!(reserve(attempts, &bucket).await, COUNTED);
    assert_eq!(reserve(attempts, &bucket).await, COUNTED);
    assert_eq!(
        reserve(attempts, &bucket).await,
        Reservation::Reserved { locked: Some(lock) },
        "the attempt reaching the threshold locks"
    );
    for _ in 0..2 {
        match reserve(attempts, &bucket).await {
            Reservation::Refused { retry_after } => {
                assert!(retry_after > Duration::ZERO && retry_after <= lock);
            }
            other => panic!("a locked bucket refuses, got {other:?}"),
        }
    }
    assert_eq!(
        reserve(attempts, &key()).await,
        COUNTED,
        "another bucket is untouched"
    );
    attempts.release(&bucket).await.expect("release");
    assert!(
        matches!(
            reserve(attempts, &bucket).await,
            Reservation::Refused { .. }
        ),
        "release does not lift a lock"
    );
    attempts.clear(&bucket).await.expect("clear");
    assert_eq!(reserve(attempts, &bucket).await, COUNTED, "cleared");
    assert_eq!(reserve(attempts, &bucket).await, COUNTED);
    attempts.release(&bucket).await.expect("release");
    assert_eq!(
        reserve(attempts, &bucket).await,
        COUNTED,
        "a released attempt is given back"
    );
    assert!(matches!(
        reserve(attempts, &bucket).await,
        Reservation::Reserved { locked: Some(_) }
    ));

    let unused = key();
    for _ in 0..3 {
        attempts.release(&unused).await.expect("release");
    }
    assert_eq!(
        reserve(attempts, &unused).await,
        COUNTED,
        "never below zero"
    );
    assert_eq!(reserve(attempts, &unused).await, COUNTED);
    assert_eq!(
        reserve(attempts, &unused).await,
        Reservation::Reserved { locked: Some(lock) }
    );
    attempts.clear(&unused).await.expect("clear");
    attempts
        .clear(&key())
        .await
        .expect("clearing an unknown bucket is fine");

    let racing = key();
    let guesses = (0..16).map(|_| reserve(attempts, &racing));
    let answers = join_all(guesses).await;
    let reserved = answers
        .iter()
        .filter(|r| matches!(r, Reservation::Reserved { .. }))
        .count();
    let locking = answers
        .iter()
        .filter(|r| matches!(r, Reservation::Reserved { locked: Some(_) }))
        .count();
    assert_eq!(
        reserved, 3,
        "at most threshold attempts are reserved, however many race"
    );
    assert_eq!(locking, 1, "exactly one attempt locks");
}
