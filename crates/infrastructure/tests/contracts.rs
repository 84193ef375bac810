//! Every adapter passes its port's contract suite (`application::testing::contract`): the
//! memory adapters and SQL on SQLite always; Redis and PostgreSQL in `.ci/run`'s pass with
//! `--include-ignored` (run alone without `REDIS_URL` / `DATABASE_URL` they fail, so a skip is
//! always visible as "ignored").

mod common;

use application::{ports::SessionStore, testing::contract};
use common::{TestDb, postgres, redis, sql_users, sqlite};
use infrastructure::{
    MemoryLoginAttempts, MemoryRateLimiter, MemorySessions, RedisLoginAttempts, RedisRateLimiter,
    RedisSessions, SqlAudit, SqlComments, SqlPosts,
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
fn on_redis<T>(adapter: impl FnOnce(deadpool_redis::Pool, &str) -> T) -> T {
    let (pool, prefix) = redis();
    adapter(pool, &prefix)
}

async fn sessions(store: impl SessionStore) {
    contract::session_store(&store).await;
    contract::session_store_expiry(&store).await;
}

async fn content(db: TestDb) {
    let users = sql_users(db.conn.clone());
    let posts = SqlPosts::new(db.conn.clone());
    contract::post_repository(&users, &posts).await;
    contract::comment_repository(&users, &posts, &SqlComments::new(db.conn.clone())).await;
}
