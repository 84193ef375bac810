//! Every adapter passes its port's contract suite (`application::testing::contract`): the
//! memory adapters and SQL on SQLite always; Redis and PostgreSQL in `.ci/run`'s pass with
//! `--include-ignored` (run alone without `REDIS_URL` / `DATABASE_URL` they fail, so a skip is
//! always visible as "ignored").

mod common;

use std::sync::Arc;

use application::{
    ports::{LoginAttempts, RateLimiter, SessionStore},
    testing::contract,
};
use common::{TestDb, postgres, redis, sql_users, sqlite};
use infrastructure::{
    CachedUsers, FallbackLoginAttempts, FallbackRateLimiter, MemoryLoginAttempts,
    MemoryRateLimiter, MemoryRoles, MemorySessions, NearSessions, ROLES_CACHE_TTL,
    RedisLoginAttempts, RedisRateLimiter, RedisRoles, RedisSessions, RolesCache, SqlAudit,
    SqlComments, SqlPosts, redis_pool,
};

/// One test per row: `name: the contract run on an adapter;`, the PostgreSQL and Redis rows
/// marked `ignore` like every test that needs them.
macro_rules! contract_tests {
    ($($(#[$attr:meta])* $name:ident: $run:expr;)*) => {$(
        #[tokio::test]
        $(#[$attr])*
        async fn $name() {
            $run.await;
        }
    )*};
}

contract_tests! {
    memory_sessions_pass_the_session_store_contract: sessions(MemorySessions::default());
    #[ignore = "needs Redis: .ci/run runs it"]
    redis_sessions_pass_the_session_store_contract: sessions(on_redis(RedisSessions::new));
    #[ignore = "needs Redis: .ci/run runs it"]
    near_sessions_pass_the_session_store_contract: near_sessions();
    the_memory_rate_limiter_passes_the_rate_limiter_contract:
        contract::rate_limiter(&MemoryRateLimiter::default());
    #[ignore = "needs Redis: .ci/run runs it"]
    the_redis_rate_limiter_passes_the_rate_limiter_contract:
        contract::rate_limiter(&on_redis(RedisRateLimiter::new));
    memory_login_attempts_pass_the_login_attempts_contract:
        contract::login_attempts(&MemoryLoginAttempts::default());
    #[ignore = "needs Redis: .ci/run runs it"]
    redis_login_attempts_pass_the_login_attempts_contract:
        contract::login_attempts(&on_redis(RedisLoginAttempts::new));
    the_fallbacks_over_memory_pass_the_throttle_contracts:
        fallbacks(MemoryRateLimiter::default(), MemoryLoginAttempts::default());
    the_fallbacks_with_redis_down_pass_the_throttle_contracts:
        fallbacks(redis_down(RedisRateLimiter::new), redis_down(RedisLoginAttempts::new));
    #[ignore = "needs Redis: .ci/run runs it"]
    the_fallbacks_over_redis_pass_the_throttle_contracts:
        fallbacks(on_redis(RedisRateLimiter::new), on_redis(RedisLoginAttempts::new));
    sql_users_on_sqlite_pass_the_user_repository_contract:
        contract::user_repository(&sql_users(sqlite().await.conn));
    #[ignore = "needs PostgreSQL: .ci/run runs it"]
    sql_users_on_postgres_pass_the_user_repository_contract:
        contract::user_repository(&sql_users(postgres(4).await.conn));
    sql_users_on_sqlite_pass_the_last_admin_contract:
        contract::user_repository_admins(&sql_users(sqlite().await.conn));
    #[ignore = "needs PostgreSQL: .ci/run runs it"]
    sql_users_on_postgres_pass_the_last_admin_contract:
        contract::user_repository_admins(&sql_users(postgres(4).await.conn));
    cached_users_on_sqlite_with_memory_roles_pass_the_last_admin_contract:
        cached_admins(sqlite().await, Arc::new(MemoryRoles::new(ROLES_CACHE_TTL)));
    #[ignore = "needs PostgreSQL and Redis: .ci/run runs it"]
    cached_users_on_postgres_with_redis_roles_pass_the_last_admin_contract:
        cached_admins(postgres(4).await, Arc::new(on_redis(redis_roles)));
    the_sql_audit_log_on_sqlite_passes_the_audit_log_contract:
        contract::audit_log(&SqlAudit::new(sqlite().await.conn));
    #[ignore = "needs PostgreSQL: .ci/run runs it"]
    the_sql_audit_log_on_postgres_passes_the_audit_log_contract:
        contract::audit_log(&SqlAudit::new(postgres(4).await.conn));
    sql_posts_and_comments_on_sqlite_pass_their_contracts: content(sqlite().await);
    #[ignore = "needs PostgreSQL: .ci/run runs it"]
    sql_posts_and_comments_on_postgres_pass_their_contracts: content(postgres(4).await);
}

/// A Redis adapter on the test server, under a key prefix of its own.
fn on_redis<T>(adapter: impl FnOnce(infrastructure::RedisPool, &str) -> T) -> T {
    let (pool, prefix) = redis();
    adapter(pool, &prefix)
}

/// The same adapter on a Redis that is not there (nothing listens on port 1).
fn redis_down<T>(adapter: impl FnOnce(infrastructure::RedisPool, &str) -> T) -> T {
    adapter(redis_pool("redis://127.0.0.1:1").expect("pool"), "down")
}

fn redis_roles(pool: infrastructure::RedisPool, prefix: &str) -> RedisRoles {
    RedisRoles::new(pool, prefix, ROLES_CACHE_TTL)
}

/// `CachedUsers` (which overrides `set_roles` and `delete`) over `SqlUsers` on `db`.
async fn cached_admins(db: TestDb, cache: Arc<dyn RolesCache>) {
    let users = CachedUsers::new(Arc::new(sql_users(db.conn.clone())), cache);
    contract::user_repository_admins(&users).await;
}

/// `FallbackRateLimiter` and `FallbackLoginAttempts` over these shared stores.
async fn fallbacks(limiter: impl RateLimiter + 'static, attempts: impl LoginAttempts + 'static) {
    contract::rate_limiter(&FallbackRateLimiter::new(Box::new(limiter))).await;
    contract::login_attempts(&FallbackLoginAttempts::new(Box::new(attempts))).await;
}

async fn sessions(store: impl SessionStore) {
    contract::session_store(&store).await;
    contract::session_store_expiry(&store).await;
}

/// `NearSessions` over `RedisSessions`, its near cache in force.
async fn near_sessions() {
    let (pool, prefix) = redis();
    let near = common::near_cache(pool.clone(), &prefix).await;
    sessions(NearSessions::new(
        Arc::new(RedisSessions::new(pool, &prefix)),
        near,
    ))
    .await;
}

async fn content(db: TestDb) {
    let users = sql_users(db.conn.clone());
    let posts = SqlPosts::new(db.conn.clone());
    contract::post_repository(&users, &posts).await;
    let comments = SqlComments::new(db.conn.clone());
    contract::comment_repository(&users, &posts, &comments).await;
    contract::authors_by_current_name(&users, &posts, &comments).await;
}
