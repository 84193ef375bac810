//! Every adapter passes its port's contract suite (`application::testing::contract`): the
//! memory adapters and SQL on SQLite always; Redis and PostgreSQL in `.ci/run`'s pass with
//! `--include-ignored` (run alone without `REDIS_URL` / `DATABASE_URL` they fail, so a skip is
//! always visible as "ignored").

use application::testing::contract;
use infrastructure::{
    MemoryLoginAttempts, MemoryRateLimiter, MemorySessions, RedisLoginAttempts, RedisRateLimiter,
    RedisSessions, redis_pool,
};
use uuid::Uuid;

fn redis() -> (deadpool_redis::Pool, String) {
    let url = std::env::var("REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .expect("REDIS_URL names a Redis server (.ci/run starts one)");
    let prefix = format!("test-{}", Uuid::now_v7());
    (redis_pool(&url).expect("pool"), prefix)
}

#[tokio::test]
async fn memory_sessions_pass_the_session_store_contract() {
    let store = MemorySessions::default();
    contract::session_store(&store).await;
    contract::session_store_expiry(&store).await;
}

#[tokio::test]
#[ignore = "needs Redis: .ci/run runs it"]
async fn redis_sessions_pass_the_session_store_contract() {
    let (pool, prefix) = redis();
    let store = RedisSessions::new(pool, &prefix);
    contract::session_store(&store).await;
    contract::session_store_expiry(&store).await;
}

#[tokio::test]
async fn the_memory_rate_limiter_passes_the_rate_limiter_contract() {
    contract::rate_limiter(&MemoryRateLimiter::default()).await;
}

#[tokio::test]
#[ignore = "needs Redis: .ci/run runs it"]
async fn the_redis_rate_limiter_passes_the_rate_limiter_contract() {
    let (pool, prefix) = redis();
    contract::rate_limiter(&RedisRateLimiter::new(pool, &prefix)).await;
}

#[tokio::test]
async fn memory_login_attempts_pass_the_login_attempts_contract() {
    contract::login_attempts(&MemoryLoginAttempts::default()).await;
}

#[tokio::test]
#[ignore = "needs Redis: .ci/run runs it"]
async fn redis_login_attempts_pass_the_login_attempts_contract() {
    let (pool, prefix) = redis();
    contract::login_attempts(&RedisLoginAttempts::new(pool, &prefix)).await;
}
