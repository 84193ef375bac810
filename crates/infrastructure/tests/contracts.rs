//! Every adapter passes its port's contract suite (`application::testing::contract`): the
//! memory adapters and SQL on SQLite always; Redis and PostgreSQL in `.ci/run`'s pass with
//! `--include-ignored` (run alone without `REDIS_URL` / `DATABASE_URL` they fail, so a skip is
//! always visible as "ignored").

use std::sync::Arc;

use application::testing::contract;
use infrastructure::{
    MemoryLoginAttempts, MemoryRateLimiter, MemorySessions, RedisLoginAttempts, RedisRateLimiter,
    RedisSessions, SqlAudit, SqlComments, SqlPosts, SqlUsers,
    config::DatabaseSettings,
    connect_database,
    crypto::{BlindIndex, DataKeyring, EmailProtection},
    migrate, redis_pool,
};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use secrecy::SecretString;
use uuid::Uuid;

/// A migrated database of the test's own: a SQLite file, or a PostgreSQL schema.
struct Db {
    conn: DatabaseConnection,
    _dir: Option<tempfile::TempDir>,
}

async fn sqlite() -> Db {
    let dir = tempfile::tempdir().expect("tempdir");
    let settings = DatabaseSettings::Sqlite {
        path: dir.path().join("agora.db"),
    };
    migrated(settings, Some(dir)).await
}

async fn postgres() -> Db {
    let url = std::env::var("DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
        .expect("DATABASE_URL names a PostgreSQL server (.ci/run starts one)");
    let schema = format!("test_{}", Uuid::now_v7().simple());
    let admin = sea_orm::Database::connect(&url).await.expect("connect");
    admin
        .execute_unprepared(&format!("CREATE SCHEMA \"{schema}\""))
        .await
        .expect("schema");
    admin.close().await.ok();
    let settings = DatabaseSettings::Postgres {
        url: SecretString::from(url),
        schema: Some(schema),
        max_connections: 4,
    };
    migrated(settings, None).await
}

async fn migrated(settings: DatabaseSettings, dir: Option<tempfile::TempDir>) -> Db {
    let conn = connect_database(&settings).await.expect("connect");
    migrate(&conn).await.expect("migrate");
    Db { conn, _dir: dir }
}

fn sql_users(db: &Db) -> SqlUsers {
    SqlUsers::new(
        db.conn.clone(),
        Arc::new(EmailProtection::new(
            DataKeyring::new(&[1; 32], &[]),
            BlindIndex::new(&[2; 32]),
        )),
    )
}

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

#[tokio::test]
async fn sql_users_on_sqlite_pass_the_user_repository_contract() {
    contract::user_repository(&sql_users(&sqlite().await)).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: .ci/run runs it"]
async fn sql_users_on_postgres_pass_the_user_repository_contract() {
    contract::user_repository(&sql_users(&postgres().await)).await;
}

#[tokio::test]
async fn the_sql_audit_log_on_sqlite_passes_the_audit_log_contract() {
    contract::audit_log(&SqlAudit::new(sqlite().await.conn)).await;
}

#[tokio::test]
#[ignore = "needs PostgreSQL: .ci/run runs it"]
async fn the_sql_audit_log_on_postgres_passes_the_audit_log_contract() {
    contract::audit_log(&SqlAudit::new(postgres().await.conn)).await;
}

async fn content_contracts(db: Db) {
    let users = sql_users(&db);
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
    content_contracts(postgres().await).await;
}
