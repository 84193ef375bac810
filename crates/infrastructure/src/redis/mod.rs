//! Adapters on Redis, shared by every instance: sessions, rate limits, lock-outs and the roles
//! cache, and what each instance keeps near of sessions and roles.

mod leases;
mod login_attempts;
mod near;
mod pool;
mod rate_limiter;
mod roles;
mod session_record;
mod sessions;

pub use login_attempts::RedisLoginAttempts;
pub use near::{NearCache, NearRoles, NearSessions};
pub use pool::{IDLE_CHECK, RedisPool, RedisPoolStats, redis_pool};
pub use rate_limiter::RedisRateLimiter;
pub use roles::RedisRoles;
pub use sessions::RedisSessions;
