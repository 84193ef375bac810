//! The ports: what the use cases need from the outside world. Each is object-safe and held as
//! `Arc<dyn Port>`, so the composition root picks adapters from configuration.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{
    AuditAction, AuditEvent, Comment, CommentId, Email, Password, PasswordHash, Post, PostId, Role,
    SearchText, Session, SessionId, TokenDigest, User, UserId,
};
use thiserror::Error;
use uuid::Uuid;

use crate::{
    DependencyError, RepositoryError, StoreError,
    pagination::{Page, PageRequest},
    views::{CommentView, PostSummary, PostView},
};

/// Where user accounts live. Implementations MAY store emails encrypted; they always hand back
/// and accept plain `Email`s. Every method that takes an `AuditEvent` MUST append it in the
/// same transaction as the change: both happen, or neither.
#[async_trait]
pub trait UserRepository: Send + Sync {
    /// Inserts the user with their roles, all or nothing. MUST return
    /// `RepositoryError::Duplicate(field)` when the username or email is already taken
    /// (emails compared case-insensitively), including when a concurrent insert wins the race.
    async fn insert(&self, user: &User, audit: &AuditEvent) -> Result<(), RepositoryError>;

    async fn find_by_id(&self, id: UserId) -> Result<Option<User>, RepositoryError>;

    async fn find_by_email(&self, email: &Email) -> Result<Option<User>, RepositoryError>;

    /// Succeeds only when the store answers a query.
    async fn ping(&self) -> Result<(), RepositoryError>;

    /// The roles the account holds now; `None` when the account no longer exists.
    async fn roles_of(&self, id: UserId) -> Result<Option<Vec<Role>>, RepositoryError>;

    /// Accounts newest first (keyset on created_at, id), narrowed by `filter`.
    async fn list(
        &self,
        filter: &UserFilter,
        page: &PageRequest,
    ) -> Result<Page<User>, RepositoryError>;

    /// Saves username, email, password hash and `updated_at`. With `expected_updated_at`, only
    /// if the stored row still has it (returns `false` otherwise, and when the row is gone).
    /// MUST return `Duplicate(field)` on a taken username or email. `audit`, when given, is
    /// appended only if the row was saved.
    async fn update(
        &self,
        user: &User,
        expected_updated_at: Option<DateTime<Utc>>,
        audit: Option<&AuditEvent>,
    ) -> Result<bool, RepositoryError>;

    /// Replaces the user's roles (and `updated_at`), guarded like `update`. MUST refuse with
    /// `LastAdmin`, changing nothing, when no administrator would remain, even under races.
    async fn set_roles(
        &self,
        user: &User,
        expected_updated_at: Option<DateTime<Utc>>,
        audit: &AuditEvent,
    ) -> Result<bool, RepositoryError>;

    /// Deletes the account with its posts and comments, guarded like `update`. MUST refuse
    /// with `LastAdmin` when it is the last administrator.
    async fn delete(
        &self,
        id: UserId,
        expected_updated_at: Option<DateTime<Utc>>,
        audit: &AuditEvent,
    ) -> Result<bool, RepositoryError>;
}

/// The audit trail of security events, for events that are not part of a database change
/// (logins, logouts, token reuse). Changes to accounts carry their event into the
/// `UserRepository` instead, so it is written in the same transaction.
#[async_trait]
pub trait AuditLog: Send + Sync {
    /// Appends one event. Events are never updated through this port, and deleted only by
    /// `prune_before` once past their retention.
    async fn record(&self, event: &AuditEvent) -> Result<(), RepositoryError>;

    /// Deletes at most `batch` events created before `cutoff` (oldest first) and says how
    /// many it deleted, so a caller can prune a large backlog in short transactions. MUST NOT
    /// touch events created at or after `cutoff`.
    async fn prune_before(&self, cutoff: DateTime<Utc>, batch: u64)
    -> Result<u64, RepositoryError>;

    /// Events newest first (keyset on created_at, id), narrowed by `filter`.
    async fn list(
        &self,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> Result<Page<AuditEvent>, RepositoryError>;
}

/// Narrows an audit listing; every given criterion must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor: Option<UserId>,
    pub action: Option<AuditAction>,
}

/// Narrows a user listing; every given criterion must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserFilter {
    /// Case-insensitive username prefix.
    pub username_prefix: Option<SearchText>,
    pub email: Option<Email>,
    pub role: Option<Role>,
}

/// Narrows a post listing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostFilter {
    pub author: Option<UserId>,
    /// Case-insensitive substring of the title.
    pub title_contains: Option<SearchText>,
}

/// Where posts live.
#[async_trait]
pub trait PostRepository: Send + Sync {
    async fn insert(&self, post: &Post) -> Result<(), RepositoryError>;

    /// The post with its author and comment count.
    async fn find(&self, id: PostId) -> Result<Option<PostView>, RepositoryError>;

    /// Newest first (keyset on created_at, id). MUST cost a constant number of queries
    /// whatever the page size (no query per post for authors or counts), and MUST NOT read
    /// whole bodies: each summary carries at most `PostSummary::EXCERPT_CHARS` of it.
    async fn list(
        &self,
        filter: &PostFilter,
        page: &PageRequest,
    ) -> Result<Page<PostSummary>, RepositoryError>;

    /// Saves title, body and `updated_at`; with `expected_updated_at`, only if unchanged.
    async fn update(
        &self,
        post: &Post,
        expected_updated_at: Option<DateTime<Utc>>,
    ) -> Result<bool, RepositoryError>;

    /// Deletes the post and its comments, all or nothing; guarded like `update`.
    async fn delete(
        &self,
        id: PostId,
        expected_updated_at: Option<DateTime<Utc>>,
    ) -> Result<bool, RepositoryError>;
}

/// Where comments live.
#[async_trait]
pub trait CommentRepository: Send + Sync {
    /// MUST return `MissingParent` when the post no longer exists.
    async fn insert(&self, comment: &Comment) -> Result<(), RepositoryError>;

    async fn find(&self, id: CommentId) -> Result<Option<CommentView>, RepositoryError>;

    /// The post's comments, oldest first (keyset on created_at, id), in a constant number of queries.
    async fn list_for_post(
        &self,
        post: PostId,
        page: &PageRequest,
    ) -> Result<Page<CommentView>, RepositoryError>;

    async fn update(
        &self,
        comment: &Comment,
        expected_updated_at: Option<DateTime<Utc>>,
    ) -> Result<bool, RepositoryError>;

    async fn delete(
        &self,
        id: CommentId,
        expected_updated_at: Option<DateTime<Utc>>,
    ) -> Result<bool, RepositoryError>;
}

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

/// Where sessions live: shared by every instance when backed by Redis.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Stores a new session. It MUST disappear by itself once `expires_at` has passed. In the
    /// same atomic step it MUST end the user's oldest sessions (by `created_at`) so that at
    /// most `keep_at_most` remain, the new one included, even under concurrent logins on every
    /// instance; returns the ids it ended. MUST NOT scan other users' sessions.
    async fn create(
        &self,
        session: &Session,
        keep_at_most: usize,
    ) -> Result<Vec<SessionId>, StoreError>;

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

    /// The user's live sessions, in no particular order (at most the `keep_at_most` of the
    /// latest `create`, so a caller may page them in memory).
    async fn list_for_user(&self, user: UserId) -> Result<Vec<Session>, StoreError>;

    /// Removes every session of the user; returns how many there were.
    async fn delete_all_for_user(&self, user: UserId) -> Result<u64, StoreError>;

    async fn ping(&self) -> Result<(), StoreError>;
}

/// The time, so use cases can be tested at any instant.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// Request budgets. With Redis, every instance spends from the same budgets.
#[async_trait]
pub trait RateLimiter: Send + Sync {
    /// Spends one request from the budget `key` under `policy`, atomically: concurrent callers
    /// on every instance sharing the store MUST together get at most `policy.limit` requests
    /// in a burst. A denied request spends nothing.
    async fn hit(
        &self,
        key: &str,
        policy: &crate::throttle::RatePolicy,
    ) -> Result<crate::throttle::RateDecision, StoreError>;
}

/// What reserving a login attempt said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// The bucket is locked out: no password may be checked for now.
    Refused { retry_after: std::time::Duration },
    /// One attempt is counted. `locked` when this very attempt reached the threshold and locked
    /// the bucket (it is still checked; a success clears the lock).
    Reserved { locked: Option<std::time::Duration> },
}

/// Login attempts per bucket (an account, or one trusted device of it), shared by every
/// instance when backed by Redis. An attempt is counted BEFORE its password is checked, so
/// concurrent guesses cannot all pass a check that is made before any of them is counted.
#[async_trait]
pub trait LoginAttempts: Send + Sync {
    /// Atomically, against every concurrent caller on every instance sharing the store: refuses
    /// when `bucket` is locked; otherwise counts one attempt, and when the count reaches
    /// `policy.threshold` locks the bucket for `policy.lock_duration(n)` (n: this lock-out's
    /// number), starts the count again, and says so. So at most `threshold` attempts are
    /// reserved before a lock-out, however many race.
    async fn reserve(
        &self,
        bucket: &str,
        policy: &crate::throttle::LockoutPolicy,
    ) -> Result<Reservation, StoreError>;

    /// A checked password was right: forgets the bucket's attempts, lock and past lock-outs.
    async fn clear(&self, bucket: &str) -> Result<(), StoreError>;

    /// A reserved attempt whose password could not be checked at all (no hashing slot came
    /// free): gives the attempt back, never below zero. A lock already started stays.
    async fn release(&self, bucket: &str) -> Result<(), StoreError>;
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
