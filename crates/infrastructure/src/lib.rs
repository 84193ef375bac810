//! Adapters implementing Agora's ports: sea-orm repositories (PostgreSQL and SQLite), bcrypt,
//! JWT, Redis and in-memory session stores, plus the typed configuration that selects them.

mod bcrypt_hasher;
pub mod config;
mod config_limits;
mod config_sessions;
pub mod crypto;
mod database;
mod email_rotation;
mod entities;
mod jwt_tokens;
mod keyset;
mod local_fallback;
mod memory_login_attempts;
mod memory_rate_limiter;
mod memory_sessions;
mod redis_login_attempts;
mod redis_pool;
mod redis_rate_limiter;
mod redis_sessions;
mod secrets;
mod sql_audit;
mod sql_comments;
mod sql_posts;
mod sql_users;
mod system_clock;
mod unavailable;
mod zxcvbn_strength;

pub use bcrypt_hasher::BcryptHasher;
pub use database::{connect_database, migrate};
pub use email_rotation::{RotationReport, rotate_emails};
pub use jwt_tokens::JwtTokens;
pub use local_fallback::{FallbackLoginAttempts, FallbackRateLimiter};
pub use memory_login_attempts::MemoryLoginAttempts;
pub use memory_rate_limiter::MemoryRateLimiter;
pub use memory_sessions::MemorySessions;
pub use redis_login_attempts::RedisLoginAttempts;
pub use redis_pool::redis_pool;
pub use redis_rate_limiter::RedisRateLimiter;
pub use redis_sessions::RedisSessions;
pub use secrets::random_secret;
pub use sql_audit::SqlAudit;
pub use sql_comments::SqlComments;
pub use sql_posts::SqlPosts;
pub use sql_users::SqlUsers;
pub use system_clock::SystemClock;
pub use zxcvbn_strength::ZxcvbnStrength;
