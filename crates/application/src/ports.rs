//! The ports: what the use cases need from the outside world. Each is object-safe and held as
//! `Arc<dyn Port>`, so the composition root picks adapters from configuration.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{Email, Password, PasswordHash, Role, Session, SessionId, TokenDigest, User, UserId};
use thiserror::Error;
use uuid::Uuid;

use crate::{RepositoryError, StoreError};

/// Where user accounts live.
#[async_trait]
pub trait UserRepository: Send + Sync {
    /// Inserts the user with their roles, all or nothing. MUST return
    /// `RepositoryError::Duplicate(field)` when the username or email is already taken
    /// (emails compared case-insensitively), including when a concurrent insert wins the race.
    async fn insert(&self, user: &User) -> Result<(), RepositoryError>;

    async fn find_by_id(&self, id: UserId) -> Result<Option<User>, RepositoryError>;

    async fn find_by_email(&self, email: &Email) -> Result<Option<User>, RepositoryError>;

    /// Succeeds only when the store answers a query.
    async fn ping(&self) -> Result<(), RepositoryError>;
}

/// Password hashing. Implementations MUST keep CPU-heavy work off the async workers.
#[async_trait]
pub trait PasswordHasher: Send + Sync {
    async fn hash(&self, password: &Password) -> anyhow::Result<PasswordHash>;

    /// Whether `candidate` matches `hash`. With `None` it MUST do the same work against a dummy
    /// hash and return `false`, so an unknown account costs the same time as a wrong password.
    async fn verify(&self, candidate: &str, hash: Option<&PasswordHash>) -> anyhow::Result<bool>;
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

/// Signs and checks access tokens and the CSRF tokens bound to sessions.
pub trait TokenIssuer: Send + Sync {
    fn issue_access(&self, claims: &AccessClaims) -> anyhow::Result<String>;

    /// MUST reject a token with a bad signature, a foreign algorithm, or an `exp` in the past.
    fn verify_access(&self, token: &str) -> Result<AccessClaims, InvalidToken>;

    /// A token only the server can compute for this session (a keyed MAC of its id).
    fn csrf_token(&self, session: SessionId) -> String;

    /// Constant-time comparison of `presented` with `csrf_token(session)`.
    fn verify_csrf(&self, session: SessionId, presented: &str) -> bool;
}

/// Where sessions live: shared by every instance when backed by Redis.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Stores a new session. It MUST disappear by itself once `expires_at` has passed.
    async fn create(&self, session: &Session) -> Result<(), StoreError>;

    async fn get(&self, id: SessionId) -> Result<Option<Session>, StoreError>;

    /// Saves `session` only if the stored session's current refresh digest still equals
    /// `expected`, and says whether it did. MUST be atomic against concurrent callers on every
    /// instance, so two rotations of the same token cannot both win.
    async fn replace_if_current(
        &self,
        session: &Session,
        expected: &TokenDigest,
    ) -> Result<bool, StoreError>;

    /// Removes the session; says whether it existed.
    async fn delete(&self, id: SessionId) -> Result<bool, StoreError>;

    /// The user's live sessions, in no particular order.
    async fn list_for_user(&self, user: UserId) -> Result<Vec<Session>, StoreError>;

    /// Removes every session of the user; returns how many there were.
    async fn delete_all_for_user(&self, user: UserId) -> Result<u64, StoreError>;

    async fn ping(&self) -> Result<(), StoreError>;
}

/// The time, so use cases can be tested at any instant.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}
