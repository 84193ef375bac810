//! Lifetimes that govern tokens and sessions.

use chrono::Duration;

use crate::throttle::LockoutPolicy;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthSettings {
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    /// How long a session may last however often it refreshes; refresh is refused after it.
    pub max_lifetime: Duration,
    /// Live sessions a user may hold; a login beyond it ends their oldest.
    pub max_sessions_per_user: usize,
    /// How long a just-rotated refresh token still succeeds (concurrent tabs); zero: never.
    pub reuse_grace: Duration,
    /// When failed logins lock an account.
    pub lockout: LockoutPolicy,
    /// How long a device token (the device cookie issued at login) is trusted.
    pub device_ttl: Duration,
}

impl AuthSettings {
    /// The life of a new session: a refresh TTL, but never past the absolute lifetime.
    pub fn first_session_ttl(&self) -> Duration {
        self.refresh_ttl.min(self.max_lifetime)
    }
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            access_ttl: Duration::minutes(15),
            refresh_ttl: Duration::days(7),
            max_lifetime: Duration::days(30),
            max_sessions_per_user: 50,
            reuse_grace: Duration::seconds(10),
            lockout: LockoutPolicy::default(),
            device_ttl: Duration::days(180),
        }
    }
}
