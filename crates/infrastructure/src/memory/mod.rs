//! Adapters that keep their state in this instance's memory: the single-instance session
//! store, rate limiter and lock-out counter, and the fallback that uses them while Redis is down.

mod fallback;
mod login_attempts;
mod rate_limiter;
mod roles;
mod sessions;

pub use fallback::{FallbackLoginAttempts, FallbackRateLimiter};
pub use login_attempts::MemoryLoginAttempts;
pub use rate_limiter::MemoryRateLimiter;
pub use roles::MemoryRoles;
pub use sessions::MemorySessions;
