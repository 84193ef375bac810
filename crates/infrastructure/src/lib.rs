//! Adapters implementing Agora's ports, grouped by what they run on: `sql/` (sea-orm
//! repositories for PostgreSQL and SQLite), `redis/` and `memory/` (sessions, rate limits,
//! lock-outs), `crypto/` (personal data at rest), `mail/` (SMTP and the file outbox), plus bcrypt, JWT, zxcvbn and the typed
//! configuration that selects them.

mod bcrypt_hasher;
mod cached_users;
pub mod config;
pub mod crypto;
mod hash_slots;
mod jwt_tokens;
mod mail;
mod memory;
mod pools;
mod private_files;
mod redis;
mod secrets;
mod sql;
mod system_clock;
mod tokio_tasks;
mod unavailable;
mod zxcvbn_strength;

pub use self::mail::{FileMailer, SmtpMailer};
pub use self::memory::{
    FallbackLoginAttempts, FallbackRateLimiter, MemoryLoginAttempts, MemoryRateLimiter,
    MemoryRoles, MemorySessions,
};
pub use self::pools::Pools;
pub use self::redis::{
    RedisLoginAttempts, RedisPoolStats, RedisRateLimiter, RedisRoles, RedisSessions, redis_pool,
};
pub use self::sql::{
    CircuitBreaker, Db, PoolStats, RotationReport, SqlAccountTokens, SqlAudit, SqlComments,
    SqlMailOutbox, SqlPosts, SqlUsers, connect_database, connect_readers, connect_replica, migrate,
    rotate_emails,
};
pub use bcrypt_hasher::BcryptHasher;
pub use cached_users::{CachedUsers, ROLES_CACHE_TTL, RolesCache};
pub use hash_slots::HashSlots;
pub use jwt_tokens::JwtTokens;
pub use secrets::random_secret;
pub use system_clock::SystemClock;
pub use tokio_tasks::TokioTasks;
pub use zxcvbn_strength::ZxcvbnStrength;
