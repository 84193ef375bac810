//! Adapters implementing Agora's ports, grouped by what they run on: `sql/` (sea-orm
//! repositories for PostgreSQL and SQLite), `redis/` and `memory/` (sessions, rate limits,
//! lock-outs, the roles cache), `crypto/` (personal data at rest, device-token MACs, JWTs),
//! `passwords/` (bcrypt, zxcvbn), `mail/` (SMTP and the file outbox), `runtime/` (clock,
//! tasks); `cached_users.rs` puts a roles cache in front of any user repository, and
//! `config/` is the typed configuration that selects them.

mod cached_users;
pub mod config;
pub mod crypto;
mod mail;
mod memory;
mod passwords;
mod pools;
mod private_files;
mod redis;
mod runtime;
mod secrets;
mod sql;
mod unavailable;

pub use self::mail::{FileMailer, SmtpMailer};
pub use self::memory::{
    FallbackLoginAttempts, FallbackRateLimiter, MemoryLoginAttempts, MemoryRateLimiter,
    MemoryRoles, MemorySessions,
};
pub use self::pools::Pools;
pub use self::redis::{
    IDLE_CHECK, NearCache, NearRoles, NearSessions, RedisLoginAttempts, RedisPool, RedisPoolStats,
    RedisRateLimiter, RedisRoles, RedisSessions, redis_pool,
};
pub use self::sql::{
    CircuitBreaker, Db, PING_IF_IDLE_FOR, PoolStats, RotationReport, SqlAccountTokens, SqlAudit,
    SqlComments, SqlMailOutbox, SqlPosts, SqlUsers, connect_database, connect_readers,
    connect_replica, migrate, rotate_emails,
};
pub use cached_users::{CachedUsers, ROLES_CACHE_TTL, RolesCache};
pub use crypto::JwtTokens;
pub use passwords::{BcryptHasher, HASH_THREAD_PREFIX, HashSlots, ZxcvbnStrength};
pub use runtime::{SystemClock, TokioTasks};
pub use secrets::random_secret;
