//! Every adapter passes its port's contract suite (`application::testing::contract`): the
//! memory adapters and SQL on SQLite always; Redis and PostgreSQL in `.ci/run`'s pass with
//! `--include-ignored` (run alone without `REDIS_URL` / `DATABASE_URL` they fail, so a skip is
//! always visible as "ignored").

mod common;

use application::testing::contract;
use common::{TestDb, postgres, redis, sql_users, sqlite};
use infrastructure::{
    MemoryLoginAttempts, MemoryRateLimiter, MemorySessions, RedisLoginAttempts, RedisRateLimiter,
    RedisSessions, SqlAudit, SqlComments, SqlPosts,
};

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

#[tokio::test]
async fn sql_users_on_sqlite_pass_the_user_repository_contract() {
    contract::user_repository(&sql_users(sqlite().await.conn)).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: .ci/run runs it"]
async fn sql_users_on_postgres_pass_the_user_repository_contract() {
    contract::user_repository(&sql_users(postgres(4).await.conn)).await;
}

#[tokio::test]
async fn sql_users_on_sqlite_pass_the_last_admin_contract() {
    contract::user_repository_admins(&sql_users(sqlite().await.conn)).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: .ci/run runs it"]
async fn sql_users_on_postgres_pass_the_last_admin_contract() {
    contract::user_repository_admins(&sql_users(postgres(4).await.conn)).await;
}

#[tokio::test]
async fn the_sql_audit_log_on_sqlite_passes_the_audit_log_contract() {
    contract::audit_log(&SqlAudit::new(sqlite().await.conn)).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: .ci/run runs it"]
async fn the_sql_audit_log_on_postgres_passes_the_audit_log_contract() {
    contract::audit_log(&SqlAudit::new(postgres(4).await.conn)).await;
}

async fn content_contracts(db: TestDb) {
    let users = sql_users(db.conn.clone());
    let posts = SqlPosts::new(db.conn.clone());
    contract::post_repository(&users, &posts).await;
    contract::comment_repository(&users, &posts, &SqlComments::new(db.conn.clone())).await;
}

#[tokio::test]
async fn sql_posts_and_comments_on_sqlite_pass_their_contracts() {
    content_contracts(sqlite().await).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: .ci/run runs it"]
async fn sql_posts_and_comments_on_postgres_pass_their_contracts() {
    content_contracts(postgres(4).await).await;
}
