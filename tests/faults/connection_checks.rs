//! The Redis connection is used without a round trip of its own, yet one Redis dropped is not
//! used twice: requests cost no `PING`, and a drop costs at most one request.
//! (The PostgreSQL pool's check: `crates/infrastructure/tests/pool_checks.rs`.)

use agora_tests::{assert_problem, spawn_app_with};
use reqwest::StatusCode;

use crate::servers::Redis;
use crate::{on_redis, require_servers};

#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: .ci/run runs them"]
async fn authenticated_requests_send_redis_no_ping() {
    require_servers();
    let redis = Redis::start();
    let app = spawn_app_with(on_redis(&redis, "pings")).await;
    let (_, login) = app.logged_in_user().await;
    let before = redis.pings();
    // Each request made three Redis calls (rate budget, session, roles) when a pool that
    // checked every connection it lends sent 180 PINGs here; the budget is leased now.
    for _ in 0..60 {
        let me = app.get_bearer("/api/users/me", &login.access_token).await;
        assert_eq!(me.status(), StatusCode::OK);
    }
    let pings = redis.pings() - before;
    // Only a connection unused for a second is checked: a stall of the machine may cause a few.
    assert!(pings <= 6, "{pings} PINGs for 60 requests");
}

#[tokio::test]
#[ignore = "needs PostgreSQL and Redis: .ci/run runs them"]
async fn connections_redis_drops_cost_at_most_one_request_and_are_replaced() {
    require_servers();
    let redis = Redis::start();
    let app = spawn_app_with(on_redis(&redis, "drops")).await;
    let (_, login) = app.logged_in_user().await;
    // Concurrent requests first: their calls share the connection.
    let warm = (0..8).map(|_| app.get_bearer("/api/users/me", &login.access_token));
    for me in futures_util::future::join_all(warm).await {
        assert_eq!(me.status(), StatusCode::OK);
    }

    for round in 0..3 {
        redis.drop_connections();
        let mut failed = 0;
        for _ in 0..20 {
            let me = app.get_bearer("/api/users/me", &login.access_token).await;
            if me.status() == StatusCode::OK {
                continue;
            }
            failed += 1;
            assert_problem(me, StatusCode::SERVICE_UNAVAILABLE, "service_unavailable").await;
        }
        // The first call on the dropped connection fails and drops it; the next opens a fresh
        // one: the session Redis still holds is served again at once.
        assert!(failed <= 1, "round {round}: {failed} of 20 requests failed");
    }
}
