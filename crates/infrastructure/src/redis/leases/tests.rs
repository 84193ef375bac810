use super::*;

fn policy(limit: u32) -> RatePolicy {
    RatePolicy::per_minute("general", limit)
}

fn fetch(take: Take) -> Fetch {
    match take {
        Take::Fetch(fetch) => fetch,
        other => panic!("expected a lease request, got {other:?}"),
    }
}

fn decided(take: Take) -> RateDecision {
    match take {
        Take::Decided(decision) => decision,
        other => panic!("expected a decision, got {other:?}"),
    }
}

fn waiting(take: Take) -> Waiting {
    match take {
        Take::Wait(waiting) => waiting,
        other => panic!("expected to wait, got {other:?}"),
    }
}

/// Redis's answer when the budget has `left` units before the request.
fn grant(asked: u32, left: u32) -> Grant {
    let granted = asked.min(left);
    Grant {
        granted,
        remaining: left - granted,
        retry_after: if granted == 0 {
            Duration::from_millis(100)
        } else {
            Duration::ZERO
        },
        reset_after: Duration::from_secs(1),
    }
}

#[test]
fn small_budgets_are_never_leased_and_big_ones_at_most_a_twentieth() {
    assert_eq!(max_lease(&policy(6)), 1);
    assert_eq!(max_lease(&policy(20)), 1);
    assert_eq!(max_lease(&policy(600)), 30);
    assert_eq!(max_lease(&policy(1_000_000)), MAX_LEASE);
}

#[test]
fn a_client_that_comes_back_slowly_asks_redis_for_one_unit_each_time() {
    let (leases, policy, start) = (Leases::default(), policy(600), Instant::now());
    for i in 0..5 {
        let now = start + GROW_WITHIN * 2 * i;
        let f = fetch(leases.take("a", &policy, now, false));
        assert_eq!(f.size, 1, "request {i}");
        let decision = leases.granted("a", f, grant(f.size, 600 - i), now);
        assert!(decision.allowed);
        assert_eq!(decision.remaining, 599 - i, "nothing is held back");
    }
}

#[test]
fn a_busy_client_gets_growing_leases_and_spends_them_here() {
    let (leases, policy, now) = (Leases::default(), policy(1_000_000), Instant::now());
    let mut sizes = Vec::new();
    let mut from_redis = 0;
    for _ in 0..200 {
        match leases.take("a", &policy, now, false) {
            Take::Decided(decision) => assert!(decision.allowed),
            Take::Wait(_) => panic!("nothing is asked for when it takes"),
            Take::Fetch(f) => {
                sizes.push(f.size);
                from_redis += f.size;
                assert!(
                    leases
                        .granted("a", f, grant(f.size, 1_000_000), now)
                        .allowed
                );
            }
        }
    }
    assert_eq!(sizes[..7], [1, 2, 4, 8, 16, 32, 32]);
    assert!(
        from_redis - 200 < MAX_LEASE,
        "at most one lease is left unspent"
    );
    assert!(sizes.len() < 12, "{} calls for 200 requests", sizes.len());
}

#[test]
fn remaining_counts_the_units_leased_here() {
    let (leases, policy, now) = (Leases::default(), policy(1_000), Instant::now());
    let first = fetch(leases.take("a", &policy, now, false));
    leases.granted("a", first, grant(first.size, 1_000), now);
    let second = fetch(leases.take("a", &policy, now, false));
    assert_eq!(second.size, 2);
    let decision = leases.granted("a", second, grant(2, 999), now);
    assert_eq!(decision.remaining, 998, "997 in Redis and one leased here");
    assert_eq!(
        decided(leases.take("a", &policy, now, false)).remaining,
        997
    );
}

#[test]
fn the_last_lease_is_only_what_is_left_and_then_redis_refuses() {
    let (leases, policy, now) = (Leases::default(), policy(100), Instant::now());
    let mut left = 7;
    let mut allowed = 0;
    for _ in 0..20 {
        match leases.take("a", &policy, now, false) {
            Take::Decided(decision) => allowed += u32::from(decision.allowed),
            Take::Wait(_) => panic!("nothing is asked for when it takes"),
            Take::Fetch(f) => {
                let g = grant(f.size, left);
                left -= g.granted;
                allowed += u32::from(leases.granted("a", f, g, now).allowed);
            }
        }
    }
    assert_eq!(allowed, 7, "one instance spends exactly what Redis had");
}

#[test]
fn a_refusal_holds_until_its_retry_after_without_asking_redis_again() {
    let (leases, policy, now) = (Leases::default(), policy(600), Instant::now());
    let f = fetch(leases.take("a", &policy, now, false));
    let refusal = grant(f.size, 0);
    assert!(!leases.granted("a", f, refusal, now).allowed);
    let later = now + refusal.retry_after / 2;
    let held = decided(leases.take("a", &policy, later, false));
    assert!(!held.allowed);
    assert_eq!(held.retry_after, refusal.retry_after / 2);
    let after = now + refusal.retry_after;
    assert_eq!(fetch(leases.take("a", &policy, after, false)).size, 1);
}

#[test]
fn units_not_spent_within_the_lifetime_are_dropped() {
    let (leases, policy, now) = (Leases::default(), policy(1_000_000), Instant::now());
    for size in [1, 2] {
        let f = fetch(leases.take("a", &policy, now, false));
        assert_eq!(f.size, size);
        leases.granted("a", f, grant(size, 1_000_000), now);
    }
    assert!(
        decided(leases.take("a", &policy, now, false)).allowed,
        "one unit left"
    );
    let f = fetch(leases.take("a", &policy, now, false));
    leases.granted("a", f, grant(f.size, 1_000_000), now);
    let stale = now + LEASE_LIFETIME;
    let f = fetch(leases.take("a", &policy, stale, false));
    assert_eq!(f.size, 1, "an old lease is not grown from");
}

#[test]
fn while_a_lease_is_asked_for_other_requests_ask_for_one_unit() {
    let (leases, policy, now) = (Leases::default(), policy(1_000_000), Instant::now());
    let first = fetch(leases.take("a", &policy, now, false));
    leases.granted("a", first, grant(first.size, 1_000_000), now);
    let growing = fetch(leases.take("a", &policy, now, false));
    assert_eq!(growing.size, 2);
    let racing = fetch(leases.take("a", &policy, now, false));
    assert_eq!(racing.size, 1, "only one request grows the lease");
    leases.failed("a", growing, now);
    assert_eq!(
        fetch(leases.take("a", &policy, now, false)).size,
        4,
        "a failed request lets the next one grow it"
    );
    let abandoned = now + FETCH_ABANDONED;
    assert!(fetch(leases.take("b", &policy, abandoned, false)).owner);
    assert!(
        fetch(leases.take("a", &policy, abandoned, false)).owner,
        "a request dropped mid-call does not hold the key"
    );
}

#[test]
fn keys_are_independent() {
    let (leases, policy, now) = (Leases::default(), policy(1_000_000), Instant::now());
    for key in ["a", "b"] {
        let f = fetch(leases.take(key, &policy, now, false));
        leases.granted(key, f, grant(f.size, 1_000_000), now);
    }
    assert_eq!(fetch(leases.take("a", &policy, now, false)).size, 2);
    assert_eq!(fetch(leases.take("b", &policy, now, false)).size, 2);
}

#[test]
fn requests_that_may_wait_wait_for_the_lease_under_way_and_spend_it() {
    let (leases, policy, now) = (Leases::default(), policy(1_000_000), Instant::now());
    let first = fetch(leases.take("a", &policy, now, true));
    leases.granted("a", first, grant(first.size, 1_000_000), now);
    let growing = fetch(leases.take("a", &policy, now, true));
    assert_eq!(growing.size, 2);
    let mut waiters: Vec<Waiting> = (0..3)
        .map(|_| waiting(leases.take("a", &policy, now, true)))
        .collect();
    assert!(waiters.iter().all(|w| !w.has_changed().expect("open")));
    leases.granted("a", growing, grant(growing.size, 999_999), now);
    for waiter in &mut waiters {
        assert!(waiter.has_changed().expect("open"), "told the lease came");
        assert_eq!(*waiter.borrow_and_update(), Some(Fetched::Granted));
    }
    // The lease of two: one unit was the asker's, one is the first waiter's.
    assert!(decided(leases.take("a", &policy, now, false)).allowed);
    let next = fetch(leases.take("a", &policy, now, false));
    assert!(next.owner, "the lease spent, the next request grows it");
    assert_eq!(next.size, 4);
    let racing = fetch(leases.take("a", &policy, now, false));
    assert_eq!(
        racing.size, 1,
        "a request that may wait no longer asks for itself"
    );
}

#[test]
fn the_requests_waiting_for_a_lease_request_that_failed_are_told() {
    let (leases, policy, now) = (Leases::default(), policy(1_000_000), Instant::now());
    let asking = fetch(leases.take("a", &policy, now, true));
    let mut waiter = waiting(leases.take("a", &policy, now, true));
    leases.failed("a", asking, now);
    assert!(waiter.has_changed().expect("open"));
    assert_eq!(*waiter.borrow_and_update(), Some(Fetched::Failed));
    let again = fetch(leases.take("a", &policy, now, true));
    assert!(again.owner, "a failure frees the key for the next request");
    let mut second = waiting(leases.take("a", &policy, now, true));
    assert!(
        !second.has_changed().expect("open"),
        "an old failure is not news"
    );
    leases.granted("a", again, grant(again.size, 1_000_000), now);
    assert_eq!(*second.borrow_and_update(), Some(Fetched::Granted));
}
