//! The ports: what the use cases need from the outside world. Each is object-safe and held as
//! `Arc<dyn Port>`, so the composition root picks adapters from configuration.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{
    AdminTally, AuditAction, AuditEvent, Comment, CommentId, Email, Password, PasswordHash, Post,
    PostId, Role, SearchText, Session, SessionId, TokenDigest, User, UserId,
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

    /// Replaces the user's roles (and `updated_at`), guarded like `update`, and subject to
    /// `rule` (see `AdminRule`).
    async fn set_roles(
        &self,
        user: &User,
        expected_updated_at: Option<DateTime<Utc>>,
        audit: &AuditEvent,
        rule: AdminRule<'_>,
    ) -> Result<AdminChange, RepositoryError>;

    /// Deletes the account with its posts and comments, guarded like `update`, and subject to
    /// `rule` (see `AdminRule`).
    async fn delete(
        &self,
        id: UserId,
        expected_updated_at: Option<DateTime<Utc>>,
        audit: &AuditEvent,
        rule: AdminRule<'_>,
    ) -> Result<AdminChange, RepositoryError>;
}

/// The use case's rule on administrators (`AdminTally::keeps_an_administrator`), which
/// `UserRepository::set_roles` and `delete` apply without knowing it. An implementation MUST,
/// inside the change's own transaction and under a lock that serialises every change that
/// can take an administrator away: apply the change, count the administrators it leaves and
/// whether the account was one, ask `rule`, and keep the change (with its audit event) only
/// if `rule` says yes. Two such changes racing each other MUST NOT both be counted before
/// either is applied, so no interleaving leaves a refused rule behind.
pub type AdminRule<'a> = &'a (dyn Fn(AdminTally) -> bool + Send + Sync);

/// What a change subject to an `AdminRule` came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminChange {
    Applied,
    /// The account is gone, or its `updated_at` is not the expected one: nothing changed and
    /// `rule` was not asked.
    Stale,
    /// `rule` refused the tally: nothing changed and no audit event was written.
    Refused(AdminTally),
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

/// Work started by a use case that must not hold up its caller (e.g. a password reset, whose
/// answer must not depend on whether the account exists).
pub type BackgroundTask = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

/// Runs [`BackgroundTask`]s off the request path. Implementations MUST return at once, run
/// the task to completion unless the process stops, and keep the caller's tracing span.
pub trait TaskSpawner: Send + Sync {
    fn spawn(&self, task: BackgroundTask);
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

/// One mail, rendered: the address, a subject and the same text as plain text and HTML.
#[derive(Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: Email,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl std::fmt::Debug for Mail {
    /// The body carries secrets (links with tokens) and the address is personal data.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mail")
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

/// A mail could not be handed to the mail server (down, refused, timed out). The outbox keeps
/// it and the delivery task tries again later.
#[derive(Debug, Error)]
#[error("the mail could not be sent: {0:#}")]
pub struct MailError(pub anyhow::Error);

/// Hands mail to whatever delivers it (an SMTP server, files in an outbox folder).
#[async_trait]
pub trait Mailer: Send + Sync {
    /// `Ok` only once the mail is accepted by the next hop: after it, the outbox forgets it.
    async fn send(&self, mail: &Mail) -> Result<(), MailError>;
}

/// A mail waiting in the outbox.
#[derive(Debug, Clone)]
pub struct QueuedMail {
    pub id: Uuid,
    pub mail: Mail,
    /// Failed attempts so far.
    pub attempts: u32,
}

/// Mail waiting to be sent, kept in the database so that an account change is never lost with
/// its mail: the change commits, the mail is queued, a delivery task sends it and retries.
/// Implementations MUST store the address and the body protected like other personal data.
#[async_trait]
pub trait MailOutbox: Send + Sync {
    /// Queues `mail`, due at once.
    async fn enqueue(&self, mail: &Mail, now: DateTime<Utc>) -> Result<(), RepositoryError>;

    /// Up to `limit` mails due at `now`, oldest first, each claimed until `lease_until`: a
    /// concurrent claim (another instance) MUST NOT get the same mail before that.
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<QueuedMail>, RepositoryError>;

    /// The mail was sent, or given up on: it leaves the outbox.
    async fn remove(&self, id: Uuid) -> Result<(), RepositoryError>;

    /// The mail failed `attempts` times so far: due again at `at`.
    async fn retry_at(
        &self,
        id: Uuid,
        attempts: u32,
        at: DateTime<Utc>,
    ) -> Result<(), RepositoryError>;
}

/// What a single-use account token proves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    VerifyEmail,
    ResetPassword,
    ChangeEmail,
}

impl TokenPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::VerifyEmail => "verify_email",
            TokenPurpose::ResetPassword => "reset_password",
            TokenPurpose::ChangeEmail => "change_email",
        }
    }
}

/// A token sent by mail, as stored: only its digest, and the address it was sent to (for
/// `ChangeEmail`, the new address).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountToken {
    pub digest: TokenDigest,
    pub user: UserId,
    pub purpose: TokenPurpose,
    pub address: Email,
    pub expires_at: DateTime<Utc>,
}

/// Single-use tokens sent by mail (verification, password reset, email change).
#[async_trait]
pub trait AccountTokens: Send + Sync {
    /// Stores `token`; with `audit`, appends it in the same transaction. MUST store the address
    /// protected like other personal data, and never the token itself.
    async fn insert(
        &self,
        token: &AccountToken,
        audit: Option<&AuditEvent>,
    ) -> Result<(), RepositoryError>;

    /// The live token with this digest and purpose, left in place; `None` when there is none
    /// or it has expired at `now`.
    async fn find(
        &self,
        purpose: TokenPurpose,
        digest: &TokenDigest,
        now: DateTime<Utc>,
    ) -> Result<Option<AccountToken>, RepositoryError>;

    /// Like `find`, and removes the token in the same atomic step: of concurrent takes of one
    /// token, at most one gets it.
    async fn take(
        &self,
        purpose: TokenPurpose,
        digest: &TokenDigest,
        now: DateTime<Utc>,
    ) -> Result<Option<AccountToken>, RepositoryError>;

    /// Removes every token of `user` for `purpose`; says how many there were.
    async fn revoke_all(&self, user: UserId, purpose: TokenPurpose)
    -> Result<u64, RepositoryError>;
}
