//! Where accounts, posts and comments live: the records the use cases read, and change only
//! under a guard on what they read (`expected_updated_at`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{
    AdminTally, AuditEvent, Comment, CommentId, Email, Post, PostId, Role, SearchText, User, UserId,
};

use crate::{
    RepositoryError,
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

    /// The account by id, taken to hold `roles`: the roles the caller's access check has just
    /// read, which an adapter need not read again (on SQL: the account's row alone, without
    /// the join on its roles). The default reads them with the account.
    async fn find_by_id_holding(
        &self,
        id: UserId,
        roles: &[Role],
    ) -> Result<Option<User>, RepositoryError> {
        let _ = roles;
        self.find_by_id(id).await
    }

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

    /// Replaces the user's roles (and `updated_at`) under `guard`.
    async fn set_roles(
        &self,
        user: &User,
        guard: AdminGuard<'_>,
    ) -> Result<AdminChange, RepositoryError>;

    /// Deletes the account with its posts and comments under `guard`.
    async fn delete(
        &self,
        id: UserId,
        guard: AdminGuard<'_>,
    ) -> Result<AdminChange, RepositoryError>;
}

/// What a change that may take an administrator away (`UserRepository::set_roles`,
/// `delete`) is subject to: one argument, so the trait and every adapter do not each restate
/// the three.
#[derive(Clone, Copy)]
pub struct AdminGuard<'a> {
    /// Like `update`'s: the change applies only if the stored row still has it.
    pub expected_updated_at: Option<DateTime<Utc>>,
    /// Appended in the change's transaction, only if the change is kept.
    pub audit: &'a AuditEvent,
    /// See `AdminRule`.
    pub rule: AdminRule<'a>,
}

impl<'a> AdminGuard<'a> {
    pub fn new(
        expected_updated_at: Option<DateTime<Utc>>,
        audit: &'a AuditEvent,
        rule: AdminRule<'a>,
    ) -> Self {
        Self {
            expected_updated_at,
            audit,
            rule,
        }
    }
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
