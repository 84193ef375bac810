//! Passwords and tokens: hashing, judging new passwords, signing access and device tokens.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{Password, PasswordHash, Role, SessionId, UserId};
use thiserror::Error;
use uuid::Uuid;

use crate::DependencyError;

/// Password hashing. Implementations MUST keep CPU-heavy work off the async workers, and
/// report a request shed for want of a free slot as `DependencyError::Unavailable`.
#[async_trait]
pub trait PasswordHasher: Send + Sync {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, DependencyError>;

    /// Whether `candidate` matches `hash`. With `None` it MUST do the same work against a dummy
    /// hash and return `false`, so an unknown account costs the same time as a wrong password.
    async fn verify(
        &self,
        candidate: &str,
        hash: Option<&PasswordHash>,
    ) -> Result<bool, DependencyError>;

    /// Whether `hash` was made with weaker settings than `hash` would use now, so a login that
    /// just proved the password should store a new one.
    fn needs_rehash(&self, _hash: &PasswordHash) -> bool {
        false
    }
}

/// The claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessClaims {
    pub user_id: UserId,
    pub session_id: SessionId,
    pub roles: Vec<Role>,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub token_id: Uuid,
}

#[derive(Debug, Error, PartialEq, Eq)]
#[error("the access token is invalid or expired")]
pub struct InvalidToken;

/// Signs and checks access tokens.
pub trait AccessTokens: Send + Sync {
    fn issue(&self, claims: &AccessClaims) -> Result<String, DependencyError>;

    /// MUST reject a token with a bad signature, a foreign algorithm, or an `exp` in the past.
    fn verify(&self, token: &str) -> Result<AccessClaims, InvalidToken>;
}

/// Device tokens (OWASP's device cookie): proof that a client logged in to an account before,
/// so the lock-out can count its attempts apart from strangers'.
pub trait DeviceTokens: Send + Sync {
    /// A new random device id bound to `account` (an `account_key`) until `expires_at`,
    /// signed so only this server can make one.
    fn issue(&self, account: &str, expires_at: DateTime<Utc>) -> String;

    /// The device id in `token` when this server issued it for `account` and it is still
    /// valid at `now`. MUST return `None` for a forged, tampered, expired or other account's
    /// token (compared in constant time).
    fn verify(&self, token: &str, account: &str, now: DateTime<Utc>) -> Option<String>;
}

/// A new password that is too easy to guess, with a reason a person can act on.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[error("{0}")]
pub struct WeakPassword(pub String);

/// Judges how guessable a new password is. Applies to passwords being set, never to logins,
/// so a stricter policy does not lock existing accounts out. Implementations MUST keep the
/// CPU-heavy estimate off the async workers.
#[async_trait]
pub trait PasswordStrength: Send + Sync {
    /// `Ok(Err(_))` when `password` is too easy to guess, counting the account's own words
    /// (username, email) as known to an attacker; `Err` when no judgement could be made.
    async fn check(
        &self,
        password: &Password,
        account_words: &[&str],
    ) -> Result<Result<(), WeakPassword>, DependencyError>;
}
