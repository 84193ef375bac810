//! Lifetimes that govern tokens and sessions.

use chrono::Duration;

use crate::throttle::LockoutPolicy;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthSettings {
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    /// How long a just-rotated refresh token still succeeds (concurrent tabs); zero: never.
    pub reuse_grace: Duration,
    /// When failed logins lock an account.
    pub lockout: LockoutPolicy,
    /// How long a device token (the device cookie issued at login) is trusted.
    pub device_ttl: Duration,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            access_ttl: Duration::minutes(15),
            refresh_ttl: Duration::days(7),
            reuse_grace: Duration::seconds(10),
            lockout: LockoutPolicy::default(),
            device_ttl: Duration::days(180),
        }
    }
}
