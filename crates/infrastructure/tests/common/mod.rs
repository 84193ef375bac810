//! Setup shared by this crate's integration tests: migrated databases of their own (a SQLite
//! file, or a PostgreSQL schema), the SQL users adapter with fixed test keys, a Redis pool
//! under a fresh key prefix, and registered accounts.

// Each test binary uses part of this module.
#![allow(dead_code)]

use std::sync::Arc;

use application::ports::UserRepository;
use chrono::{DateTime, Utc};
use domain::{AuditAction, AuditEvent, Email, PasswordHash, User, UserId, Username};
use infrastructure::{
    SqlUsers,
    config::DatabaseSettings,
    connect_database,
    crypto::{BlindIndex, DataKeyring, EmailProtection},
    migrate, redis_pool,
};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use secrecy::SecretString;
use tempfile::TempDir;
use uuid::Uuid;

/// A migrated database of the test's own: a SQLite file, or a PostgreSQL schema.
pub struct TestDb {
    pub conn: DatabaseConnection,
    _dir: Option<TempDir>,
}

/// A SQLite file in a fresh directory (kept while the `TempDir` lives).
pub fn sqlite_settings() -> (DatabaseSettings, TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let settings = DatabaseSettings::Sqlite {
        path: dir.path().join("agora.db"),
    };
    (settings, dir)
}

/// A fresh schema on the PostgreSQL server at `url`.
pub async fn postgres_settings(url: String, max_connections: u32) -> DatabaseSettings {
    let schema = format!("test_{}", Uuid::now_v7().simple());
    let admin = sea_orm::Database::connect(&url).await.expect("connect");
    admin
        .execute_unprepared(&format!("CREATE SCHEMA \"{schema}\""))
        .await
        .expect("schema");
    admin.close().await.ok();
    DatabaseSettings::Postgres {
        url: SecretString::from(url),
        schema: Some(schema),
        max_connections,
    }
}

pub async fn sqlite() -> TestDb {
    let (settings, dir) = sqlite_settings();
    migrated(&settings, Some(dir)).await
}

/// A schema on the server `DATABASE_URL` names, with a pool of `max_connections`.
pub async fn postgres(max_connections: u32) -> TestDb {
    let url = std::env::var("DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
        .expect("DATABASE_URL names a PostgreSQL server (.ci/run starts one)");
    migrated(&postgres_settings(url, max_connections).await, None).await
}

async fn migrated(settings: &DatabaseSettings, dir: Option<TempDir>) -> TestDb {
    let conn = connect_database(settings).await.expect("connect");
    migrate(&conn).await.expect("migrate");
    TestDb { conn, _dir: dir }
}

/// Emails encrypted and indexed with fixed test keys.
pub fn email_protection() -> Arc<EmailProtection> {
    Arc::new(EmailProtection::new(
        DataKeyring::new(&[1; 32], &[]),
        BlindIndex::new(&[2; 32]),
    ))
}

pub fn sql_users(conn: impl Into<infrastructure::Db>) -> SqlUsers {
    SqlUsers::new(conn, email_protection())
}

/// A pool on the server `REDIS_URL` names, and a key prefix of the test's own.
pub fn redis() -> (infrastructure::RedisPool, String) {
    let url = std::env::var("REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .expect("REDIS_URL names a Redis server (.ci/run starts one)");
    let prefix = format!("test-{}", Uuid::now_v7());
    (redis_pool(&url).expect("pool"), prefix)
}

/// The near cache of one instance under `prefix`, once in force (its first heartbeat back).
pub async fn near_cache(
    pool: infrastructure::RedisPool,
    prefix: &str,
) -> infrastructure::NearCache {
    let near = infrastructure::NearCache::start(pool, prefix);
    assert!(
        near.wait_in_force(std::time::Duration::from_secs(5)).await,
        "the near cache never came into force"
    );
    near
}

/// Registers the account `name` (`name@example.com`), created at `at`.
pub async fn register(users: &dyn UserRepository, name: &str, at: DateTime<Utc>) -> User {
    let user = User::register(
        UserId::from_uuid(Uuid::now_v7()),
        Username::parse(name).expect("valid"),
        Email::parse(&format!("{name}@example.com")).expect("valid"),
        PasswordHash::new("$2b$04$unused".into()),
        at,
    );
    let event = AuditEvent::new(AuditAction::AccountRegistered, Some(user.id()), Utc::now());
    users.insert(&user, &event).await.expect("register");
    user
}
