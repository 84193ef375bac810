//! A busy client's general budget is leased from Redis in chunks: it costs Redis a call per
//! lease, not per request, and two instances leasing one client's budget still admit no more
//! than its limit together (`crates/infrastructure/src/redis/leases.rs` states the bound).

use agora_tests::spawn_app_with;
use futures_util::future::join_all;
use reqwest::StatusCode;

use crate::servers::Redis;
use crate::{get, on_redis, require_servers};

/// The script's calls: `EVALSHA`, and `EVAL` when Redis did not have it yet.
fn budget_calls(redis: &Redis) -> u64 {
    redis.calls("evalsha") + redis.calls("eval")
}

fn limited<'a>(redis: &'a Redis, per_min: u32) -> impl FnOnce(&mut agora::Settings) + 'a {
    move |s| {
        on_redis(redis, "leases")(s);
        s.limits.general_per_min = per_min;
    }
}

#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: .ci/run runs them"]
async fn a_busy_client_costs_redis_a_call_per_lease_not_per_request() {
    require_servers();
    let redis = Redis::start();
    let app = spawn_app_with(limited(&redis, 600)).await;
    let before = budget_calls(&redis);
    for _ in 0..200 {
        assert_eq!(get(&app, "/api/posts").await.status(), StatusCode::OK);
    }
    let calls = budget_calls(&redis) - before;
    // Leases of 1, 2, 4, 8, 16, then 30 (a twentieth of 600) when requests follow closely; a
    // slow machine that spaces them out more than 100 ms makes more, smaller ones.
    assert!(
        calls <= 40,
        "{calls} budget calls to Redis for 200 requests"
    );
    assert!(
        calls >= 7,
        "{calls} budget calls: a lease is at most 30 requests"
    );
}

#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: .ci/run runs them"]
async fn two_instances_leasing_one_clients_budget_admit_no_more_than_its_limit() {
    require_servers();
    let redis = Redis::start();
    let (a, b) = (
        spawn_app_with(limited(&redis, 600)).await,
        spawn_app_with(limited(&redis, 600)).await,
    );
    let started = std::time::Instant::now();
    let mut admitted = 0;
    // 1,000 requests from one address, 20 at a time, spread over both instances.
    for round in 0..50 {
        let batch = (0..20).map(|i| {
            let app = if (round + i) % 2 == 0 { &a } else { &b };
            get(app, "/api/posts")
        });
        for response in join_all(batch).await {
            match response.status() {
                StatusCode::OK => admitted += 1,
                StatusCode::TOO_MANY_REQUESTS => {}
                other => panic!("unexpected {other}"),
            }
        }
    }
    // GCRA gives one request back every 100 ms (600 a minute) while the test runs.
    let refilled = started.elapsed().as_millis() / 100 + 1;
    assert!(
        admitted <= 600 + refilled,
        "{admitted} admitted: more than 600 + {refilled} refilled"
    );
    // At most one lease (30) per instance is held back.
    assert!(admitted >= 600 - 2 * 29, "{admitted} admitted");
}
