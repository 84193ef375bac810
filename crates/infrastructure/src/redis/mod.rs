//! Adapters on Redis, shared by every instance: sessions, rate limits and lock-outs.

mod login_attempts;
mod pool;
mod rate_limiter;
mod sessions;

pub use login_attempts::RedisLoginAttempts;
pub use pool::{RedisPoolStats, redis_pool};
pub use rate_limiter::RedisRateLimiter;
pub use sessions::RedisSessions;
