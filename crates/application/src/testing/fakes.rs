//! In-memory fakes of the ports, for unit tests of the use cases. Each passes its port's
//! contract suite (`super::contract`), so a use-case test on fakes means what it says.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use domain::{
    AdminTally, AuditEvent, Comment, CommentId, Email, Password, PasswordHash, Post, PostId, Role,
    Session, SessionId, TokenDigest, User, UserId,
};

use crate::{
    DependencyError, RepositoryError, StoreError, UniqueField,
    auth::{AuthService, AuthSettings, CredentialPorts},
    pagination::{Cursor, Page, PageRequest},
    ports::{
        AccessClaims, AccessTokens, AdminChange, AdminGuard, AuditFilter, AuditLog, Clock,
        CommentRepository, DeviceTokens, InvalidToken, LoginAttempts, PasswordHasher,
        PasswordStrength, PostFilter, PostRepository, Reservation, SessionStore, UserFilter,
        UserRepository, WeakPassword,
    },
    throttle::LockoutPolicy,
    views::{AuthorRef, CommentView, PostSummary, PostView},
};

/// The audit trail, shared by the fakes that write to it.
#[derive(Default)]
pub struct FakeAudit(pub Mutex<Vec<AuditEvent>>);

impl FakeAudit {
    pub fn actions(&self) -> Vec<domain::AuditAction> {
        self.0
            .lock()
            .expect("lock")
            .iter()
            .map(|e| e.action)
            .collect()
    }

    /// How many events of `action` were recorded.
    pub fn count(&self, action: domain::AuditAction) -> usize {
        self.0
            .lock()
            .expect("lock")
            .iter()
            .filter(|e| e.action == action)
            .count()
    }
}

#[async_trait]
impl AuditLog for FakeAudit {
    async fn record(&self, event: &AuditEvent) -> Result<(), RepositoryError> {
        self.0.lock().expect("lock").push(event.clone());
        Ok(())
    }

    async fn list(
        &self,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> Result<Page<AuditEvent>, RepositoryError> {
        let key = |e: &AuditEvent| (e.created_at, e.id);
        let mut events: Vec<AuditEvent> = self
            .0
            .lock()
            .expect("lock")
            .iter()
            .filter(|e| {
                filter.actor.is_none_or(|a| e.actor == Some(a))
                    && filter.action.is_none_or(|a| e.action == a)
                    && page
                        .after
                        .as_ref()
                        .is_none_or(|c| key(e) < (c.created_at, c.id))
            })
            .cloned()
            .collect();
        events.sort_by_key(|e| std::cmp::Reverse(key(e)));
        events.truncate(page.limit as usize + 1);
        Ok(Page::from_rows(events, page.limit, |e| Cursor {
            created_at: e.created_at,
            id: e.id,
        }))
    }

    async fn prune_before(
        &self,
        cutoff: DateTime<Utc>,
        batch: u64,
    ) -> Result<u64, RepositoryError> {
        let mut events = self.0.lock().expect("lock");
        let mut old: Vec<_> = events
            .iter()
            .filter(|e| e.created_at < cutoff)
            .map(|e| (e.created_at, e.id))
            .collect();
        old.sort();
        old.truncate(batch as usize);
        events.retain(|e| !old.contains(&(e.created_at, e.id)));
        Ok(old.len() as u64)
    }
}

#[derive(Default)]
pub struct FakeUsers {
    users: Mutex<Vec<User>>,
    audit: Arc<FakeAudit>,
}

impl FakeUsers {
    /// Accounts whose changes append their events to `audit`.
    pub fn new(audit: Arc<FakeAudit>) -> Self {
        Self {
            users: Mutex::default(),
            audit,
        }
    }

    fn audited(&self, event: Option<&AuditEvent>) {
        if let Some(event) = event {
            self.audit.0.lock().expect("lock").push(event.clone());
        }
    }
}

#[async_trait]
impl UserRepository for FakeUsers {
    async fn insert(&self, user: &User, audit: &AuditEvent) -> Result<(), RepositoryError> {
        let mut users = self.users.lock().expect("lock");
        if users.iter().any(|u| u.username() == user.username()) {
            return Err(RepositoryError::Duplicate(UniqueField::Username));
        }
        if user.email().is_some() && users.iter().any(|u| u.email() == user.email()) {
            return Err(RepositoryError::Duplicate(UniqueField::Email));
        }
        users.push(user.clone());
        self.audited(Some(audit));
        Ok(())
    }

    async fn find_by_id(&self, id: UserId) -> Result<Option<User>, RepositoryError> {
        Ok(self
            .users
            .lock()
            .expect("lock")
            .iter()
            .find(|u| u.id() == id)
            .cloned())
    }

    async fn find_by_email(&self, email: &Email) -> Result<Option<User>, RepositoryError> {
        Ok(self
            .users
            .lock()
            .expect("lock")
            .iter()
            .find(|u| u.email() == Some(email))
            .cloned())
    }

    async fn ping(&self) -> Result<(), RepositoryError> {
        Ok(())
    }

    async fn roles_of(&self, id: UserId) -> Result<Option<Vec<Role>>, RepositoryError> {
        Ok(self.find_by_id(id).await?.map(|u| u.roles().to_vec()))
    }

    async fn list(
        &self,
        filter: &UserFilter,
        page: &PageRequest,
    ) -> Result<Page<User>, RepositoryError> {
        let key = |u: &User| (u.created_at(), u.id().as_uuid());
        let prefix = filter
            .username_prefix
            .as_ref()
            .map(|p| p.as_ref().to_lowercase());
        let mut users: Vec<User> =
            self.users
                .lock()
                .expect("lock")
                .iter()
                .filter(|u| {
                    prefix.as_ref().is_none_or(|p| {
                        u.username().as_ref().to_lowercase().starts_with(p.as_str())
                    }) && filter.email.as_ref().is_none_or(|e| u.email() == Some(e))
                        && filter.role.is_none_or(|r| u.has_role(r))
                        && page
                            .after
                            .as_ref()
                            .is_none_or(|c| key(u) < (c.created_at, c.id))
                })
                .cloned()
                .collect();
        users.sort_by_key(|u| std::cmp::Reverse(key(u)));
        users.truncate(page.limit as usize + 1);
        Ok(Page::from_rows(users, page.limit, Cursor::after_user))
    }

    async fn update(
        &self,
        user: &User,
        expected: Option<DateTime<Utc>>,
        audit: Option<&AuditEvent>,
    ) -> Result<bool, RepositoryError> {
        let mut users = self.users.lock().expect("lock");
        let others = || users.iter().filter(|u| u.id() != user.id());
        if others().any(|u| u.username() == user.username()) {
            return Err(RepositoryError::Duplicate(UniqueField::Username));
        }
        if user.email().is_some() && others().any(|u| u.email() == user.email()) {
            return Err(RepositoryError::Duplicate(UniqueField::Email));
        }
        match users.iter_mut().find(|u| u.id() == user.id()) {
            Some(stored) if expected.is_none_or(|e| e == stored.updated_at()) => {
                *stored = user.clone();
                self.audited(audit);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn set_roles(
        &self,
        user: &User,
        guard: AdminGuard<'_>,
    ) -> Result<AdminChange, RepositoryError> {
        let AdminGuard {
            expected_updated_at: expected,
            audit,
            rule,
        } = guard;
        // One lock over the whole change: the tally and the change are atomic.
        let mut users = self.users.lock().expect("lock");
        let Some(at) = current(&users, user.id(), expected) else {
            return Ok(AdminChange::Stale);
        };
        let tally = AdminTally {
            target_was_admin: users[at].has_role(Role::Admin),
            remaining: admins(&users, user.id()) + u64::from(user.has_role(Role::Admin)),
        };
        if !rule(tally) {
            return Ok(AdminChange::Refused(tally));
        }
        users[at] = user.clone();
        self.audited(Some(audit));
        Ok(AdminChange::Applied)
    }

    async fn delete(
        &self,
        id: UserId,
        guard: AdminGuard<'_>,
    ) -> Result<AdminChange, RepositoryError> {
        let AdminGuard {
            expected_updated_at: expected,
            audit,
            rule,
        } = guard;
        let mut users = self.users.lock().expect("lock");
        let Some(at) = current(&users, id, expected) else {
            return Ok(AdminChange::Stale);
        };
        let tally = AdminTally {
            target_was_admin: users[at].has_role(Role::Admin),
            remaining: admins(&users, id),
        };
        if !rule(tally) {
            return Ok(AdminChange::Refused(tally));
        }
        users.remove(at);
        self.audited(Some(audit));
        Ok(AdminChange::Applied)
    }
}

/// Where the account `id` is, if it is there with `updated_at == expected` (when given).
fn current(users: &[User], id: UserId, expected: Option<DateTime<Utc>>) -> Option<usize> {
    users
        .iter()
        .position(|u| u.id() == id && expected.is_none_or(|e| e == u.updated_at()))
}

/// Administrators other than `except`.
fn admins(users: &[User], except: UserId) -> u64 {
    users
        .iter()
        .filter(|u| u.id() != except && u.has_role(Role::Admin))
        .count() as u64
}

/// Counts dummy verifications so tests can see unknown accounts cost a hash too.
#[derive(Default)]
pub struct FakeHasher {
    pub dummy_verifications: Mutex<u32>,
    /// Every verification, real or dummy: the CPU work a login costs.
    pub verifications: Mutex<u32>,
}

#[async_trait]
impl PasswordHasher for FakeHasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, DependencyError> {
        Ok(PasswordHash::new(format!("plain:{}", password.expose())))
    }

    async fn verify(
        &self,
        candidate: &str,
        hash: Option<&PasswordHash>,
    ) -> Result<bool, DependencyError> {
        *self.verifications.lock().expect("lock") += 1;
        // Real hashing takes time: let racing logins interleave here, as they would.
        tokio::task::yield_now().await;
        match hash {
            Some(hash) => Ok(hash.as_ref() == format!("plain:{candidate}")),
            None => {
                *self.dummy_verifications.lock().expect("lock") += 1;
                Ok(false)
            }
        }
    }
}

pub struct FakeTokens {
    clock: Arc<FakeClock>,
    issued: Mutex<HashMap<String, AccessClaims>>,
}

impl AccessTokens for FakeTokens {
    fn issue(&self, claims: &AccessClaims) -> Result<String, DependencyError> {
        let token = format!("access-{}", claims.token_id);
        self.issued
            .lock()
            .expect("lock")
            .insert(token.clone(), claims.clone());
        Ok(token)
    }

    fn verify(&self, token: &str) -> Result<AccessClaims, InvalidToken> {
        let claims = self
            .issued
            .lock()
            .expect("lock")
            .get(token)
            .cloned()
            .ok_or(InvalidToken)?;
        if claims.expires_at <= self.clock.now() {
            return Err(InvalidToken);
        }
        Ok(claims)
    }
}

/// Device tokens in the clear (`device:<account>:<id>:<expiry>`): unforgeable only in tests.
pub struct FakeDeviceTokens;

impl DeviceTokens for FakeDeviceTokens {
    fn issue(&self, account: &str, expires_at: DateTime<Utc>) -> String {
        format!(
            "device:{account}:{}:{}",
            uuid::Uuid::now_v7().simple(),
            expires_at.timestamp()
        )
    }

    fn verify(&self, token: &str, account: &str, now: DateTime<Utc>) -> Option<String> {
        let mut parts = token.split(':');
        let (tag, bound, device, expires) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let expires: i64 = expires.parse().ok()?;
        (tag == "device" && bound == account && expires > now.timestamp())
            .then(|| device.to_owned())
    }
}

#[derive(Default)]
pub struct FakeSessions(Mutex<HashMap<SessionId, Session>>);

#[async_trait]
impl SessionStore for FakeSessions {
    async fn create(
        &self,
        session: &Session,
        keep_at_most: usize,
    ) -> Result<Vec<SessionId>, StoreError> {
        let mut map = self.0.lock().expect("lock");
        let mut own: Vec<(DateTime<Utc>, SessionId)> = map
            .values()
            .filter(|s| s.user_id() == session.user_id())
            .map(|s| (s.parts().created_at, s.id()))
            .collect();
        own.sort();
        let excess = (own.len() + 1).saturating_sub(keep_at_most.max(1));
        let ended: Vec<SessionId> = own.into_iter().take(excess).map(|(_, id)| id).collect();
        for id in &ended {
            map.remove(id);
        }
        map.insert(session.id(), session.clone());
        Ok(ended)
    }

    async fn get(&self, id: SessionId) -> Result<Option<Session>, StoreError> {
        Ok(self.0.lock().expect("lock").get(&id).cloned())
    }

    async fn replace_if_current(
        &self,
        session: &Session,
        expected: &TokenDigest,
    ) -> Result<bool, StoreError> {
        let mut map = self.0.lock().expect("lock");
        match map.get(&session.id()) {
            Some(stored) if stored.refresh_digest() == expected => {
                map.insert(session.id(), session.clone());
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn delete(&self, id: SessionId) -> Result<bool, StoreError> {
        Ok(self.0.lock().expect("lock").remove(&id).is_some())
    }

    async fn list_for_user(&self, user: UserId) -> Result<Vec<Session>, StoreError> {
        Ok(self
            .0
            .lock()
            .expect("lock")
            .values()
            .filter(|s| s.user_id() == user)
            .cloned()
            .collect())
    }

    async fn delete_all_for_user(&self, user: UserId) -> Result<u64, StoreError> {
        let mut map = self.0.lock().expect("lock");
        let before = map.len();
        map.retain(|_, s| s.user_id() != user);
        Ok((before - map.len()) as u64)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

pub struct FakeClock(Mutex<DateTime<Utc>>);

impl FakeClock {
    pub fn new(now: DateTime<Utc>) -> Self {
        Self(Mutex::new(now))
    }

    pub fn advance(&self, by: Duration) {
        *self.0.lock().expect("lock") += by;
    }
}

impl Clock for FakeClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().expect("lock")
    }
}

/// Refuses exactly one password, and any password that is an account word.
pub struct FakeStrength;

pub const WEAK_PASSWORD: &str = "password123";

#[async_trait]
impl PasswordStrength for FakeStrength {
    async fn check(
        &self,
        password: &Password,
        words: &[&str],
    ) -> Result<Result<(), WeakPassword>, DependencyError> {
        if password.expose() == WEAK_PASSWORD || words.contains(&password.expose()) {
            return Ok(Err(WeakPassword("is too easy to guess".into())));
        }
        Ok(Ok(()))
    }
}

/// Failures, lock-outs so far, locked until.
type Attempts = (u32, u32, DateTime<Utc>);

/// Failed logins per account on the fake clock.
pub struct FakeAttempts {
    clock: Arc<FakeClock>,
    accounts: Mutex<HashMap<String, Attempts>>,
}

impl FakeAttempts {
    /// Lock-outs end only when `clock` is advanced past them.
    pub fn new(clock: Arc<FakeClock>) -> Self {
        Self {
            clock,
            accounts: Mutex::default(),
        }
    }
}

#[async_trait]
impl LoginAttempts for FakeAttempts {
    async fn reserve(
        &self,
        bucket: &str,
        policy: &LockoutPolicy,
    ) -> Result<Reservation, StoreError> {
        let now = self.clock.now();
        let mut accounts = self.accounts.lock().expect("lock");
        let entry = accounts.entry(bucket.to_owned()).or_insert((0, 0, now));
        if let Some(left) = (entry.2 - now).to_std().ok().filter(|d| !d.is_zero()) {
            return Ok(Reservation::Refused { retry_after: left });
        }
        entry.0 += 1;
        if entry.0 < policy.threshold {
            return Ok(Reservation::Reserved { locked: None });
        }
        entry.0 = 0;
        entry.1 += 1;
        let lock = policy.lock_duration(entry.1);
        entry.2 = now + Duration::from_std(lock).expect("small duration");
        Ok(Reservation::Reserved { locked: Some(lock) })
    }

    async fn clear(&self, bucket: &str) -> Result<(), StoreError> {
        self.accounts.lock().expect("lock").remove(bucket);
        Ok(())
    }

    async fn release(&self, bucket: &str) -> Result<(), StoreError> {
        if let Some(entry) = self.accounts.lock().expect("lock").get_mut(bucket) {
            entry.0 = entry.0.saturating_sub(1);
        }
        Ok(())
    }
}

/// An `AuthService` wired to fakes, with handles on the fakes a test may want to poke.
pub struct Harness {
    pub auth: AuthService,
    pub hasher: Arc<FakeHasher>,
    pub sessions: Arc<FakeSessions>,
    pub clock: Arc<FakeClock>,
    pub audit: Arc<FakeAudit>,
}

pub fn harness(settings: AuthSettings) -> Harness {
    let clock = Arc::new(FakeClock(Mutex::new(Utc::now())));
    let audit = Arc::new(FakeAudit::default());
    let users = Arc::new(FakeUsers {
        users: Mutex::default(),
        audit: audit.clone(),
    });
    let hasher = Arc::new(FakeHasher::default());
    let sessions = Arc::new(FakeSessions::default());
    let tokens = Arc::new(FakeTokens {
        clock: clock.clone(),
        issued: Mutex::default(),
    });
    let attempts = Arc::new(FakeAttempts {
        clock: clock.clone(),
        accounts: Mutex::default(),
    });
    let ports = CredentialPorts {
        users,
        hasher: hasher.clone(),
        strength: Arc::new(FakeStrength),
        sessions: sessions.clone(),
        clock: clock.clone(),
        attempts,
        audit: audit.clone(),
    };
    let auth = AuthService::new(ports, tokens, Arc::new(FakeDeviceTokens), settings);
    Harness {
        auth,
        hasher,
        sessions,
        clock,
        audit,
    }
}

#[cfg(test)]
mod contract_tests {
    use super::*;
    use crate::testing::contract;

    #[tokio::test]
    async fn the_fake_session_store_passes_the_contract() {
        contract::session_store(&FakeSessions::default()).await;
    }

    #[tokio::test]
    async fn the_fake_user_repository_passes_the_contract() {
        contract::user_repository(&FakeUsers::default()).await;
    }

    #[tokio::test]
    async fn the_fake_user_repository_passes_the_last_admin_contract() {
        contract::user_repository_admins(&FakeUsers::default()).await;
    }

    #[tokio::test]
    async fn the_fake_audit_log_passes_the_contract() {
        contract::audit_log(&FakeAudit::default()).await;
    }

    #[tokio::test]
    async fn the_fake_login_attempts_pass_the_contract() {
        let clock = Arc::new(FakeClock::new(Utc::now()));
        contract::login_attempts(&FakeAttempts::new(clock)).await;
    }
}

/// Posts and comments in memory, authored by the accounts of a `FakeUsers`: implements both
/// `PostRepository` and `CommentRepository`, so counts and cascades agree.
#[derive(Default)]
pub struct FakeContent {
    users: Arc<FakeUsers>,
    posts: Mutex<Vec<Post>>,
    comments: Mutex<Vec<Comment>>,
}

impl FakeContent {
    pub fn new(users: Arc<FakeUsers>) -> Self {
        Self {
            users,
            posts: Mutex::default(),
            comments: Mutex::default(),
        }
    }

    fn author(&self, id: UserId) -> AuthorRef {
        let users = self.users.users.lock().expect("lock");
        AuthorRef {
            id,
            username: users
                .iter()
                .find(|u| u.id() == id)
                .map_or_else(String::new, |u| u.username().as_ref().to_owned()),
        }
    }

    fn comment_count(&self, post: PostId) -> u64 {
        let comments = self.comments.lock().expect("lock");
        comments.iter().filter(|c| c.post_id() == post).count() as u64
    }
}

#[async_trait]
impl PostRepository for FakeContent {
    async fn insert(&self, post: &Post) -> Result<(), RepositoryError> {
        self.posts.lock().expect("lock").push(post.clone());
        Ok(())
    }

    async fn find(&self, id: PostId) -> Result<Option<PostView>, RepositoryError> {
        let post = self
            .posts
            .lock()
            .expect("lock")
            .iter()
            .find(|p| p.id() == id)
            .cloned();
        Ok(post.map(|post| PostView {
            author: self.author(post.author_id()),
            comment_count: self.comment_count(id),
            post,
        }))
    }

    async fn list(
        &self,
        filter: &PostFilter,
        page: &PageRequest,
    ) -> Result<Page<PostSummary>, RepositoryError> {
        let key = |p: &Post| (p.created_at(), p.id().as_uuid());
        let needle = filter
            .title_contains
            .as_ref()
            .map(|t| t.as_ref().to_lowercase());
        let mut posts: Vec<Post> = self
            .posts
            .lock()
            .expect("lock")
            .iter()
            .filter(|p| {
                filter.author.is_none_or(|a| p.author_id() == a)
                    && needle
                        .as_ref()
                        .is_none_or(|n| p.title().as_ref().to_lowercase().contains(n.as_str()))
                    && page
                        .after
                        .as_ref()
                        .is_none_or(|c| key(p) < (c.created_at, c.id))
            })
            .cloned()
            .collect();
        posts.sort_by_key(|p| std::cmp::Reverse(key(p)));
        posts.truncate(page.limit as usize + 1);
        let summaries = posts
            .into_iter()
            .map(|p| PostSummary {
                id: p.id(),
                title: p.title().clone(),
                excerpt: p
                    .body()
                    .as_ref()
                    .chars()
                    .take(PostSummary::EXCERPT_CHARS)
                    .collect(),
                body_length: p.body().as_ref().chars().count() as u64,
                author: self.author(p.author_id()),
                comment_count: self.comment_count(p.id()),
                created_at: p.created_at(),
                updated_at: p.updated_at(),
            })
            .collect();
        Ok(Page::from_rows(summaries, page.limit, |s| Cursor {
            created_at: s.created_at,
            id: s.id.as_uuid(),
        }))
    }

    async fn update(
        &self,
        post: &Post,
        expected: Option<DateTime<Utc>>,
    ) -> Result<bool, RepositoryError> {
        let mut posts = self.posts.lock().expect("lock");
        match posts.iter_mut().find(|p| p.id() == post.id()) {
            Some(stored) if expected.is_none_or(|e| e == stored.updated_at()) => {
                *stored = post.clone();
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn delete(
        &self,
        id: PostId,
        expected: Option<DateTime<Utc>>,
    ) -> Result<bool, RepositoryError> {
        let mut posts = self.posts.lock().expect("lock");
        let before = posts.len();
        posts.retain(|p| p.id() != id || expected.is_some_and(|e| e != p.updated_at()));
        let deleted = posts.len() < before;
        if deleted {
            self.comments
                .lock()
                .expect("lock")
                .retain(|c| c.post_id() != id);
        }
        Ok(deleted)
    }
}

#[async_trait]
impl CommentRepository for FakeContent {
    async fn insert(&self, comment: &Comment) -> Result<(), RepositoryError> {
        let posts = self.posts.lock().expect("lock");
        if !posts.iter().any(|p| p.id() == comment.post_id()) {
            return Err(RepositoryError::MissingParent);
        }
        self.comments.lock().expect("lock").push(comment.clone());
        Ok(())
    }

    async fn find(&self, id: CommentId) -> Result<Option<CommentView>, RepositoryError> {
        let comment = self
            .comments
            .lock()
            .expect("lock")
            .iter()
            .find(|c| c.id() == id)
            .cloned();
        Ok(comment.map(|comment| CommentView {
            author: self.author(comment.author_id()),
            comment,
        }))
    }

    async fn list_for_post(
        &self,
        post: PostId,
        page: &PageRequest,
    ) -> Result<Page<CommentView>, RepositoryError> {
        let key = |c: &Comment| (c.created_at(), c.id().as_uuid());
        let mut comments: Vec<Comment> = self
            .comments
            .lock()
            .expect("lock")
            .iter()
            .filter(|c| {
                c.post_id() == post
                    && page
                        .after
                        .as_ref()
                        .is_none_or(|cur| key(c) > (cur.created_at, cur.id))
            })
            .cloned()
            .collect();
        comments.sort_by_key(key);
        comments.truncate(page.limit as usize + 1);
        let views = comments
            .into_iter()
            .map(|comment| CommentView {
                author: self.author(comment.author_id()),
                comment,
            })
            .collect();
        Ok(Page::from_rows(views, page.limit, |v| Cursor {
            created_at: v.comment.created_at(),
            id: v.comment.id().as_uuid(),
        }))
    }

    async fn update(
        &self,
        comment: &Comment,
        expected: Option<DateTime<Utc>>,
    ) -> Result<bool, RepositoryError> {
        let mut comments = self.comments.lock().expect("lock");
        match comments.iter_mut().find(|c| c.id() == comment.id()) {
            Some(stored) if expected.is_none_or(|e| e == stored.updated_at()) => {
                *stored = comment.clone();
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn delete(
        &self,
        id: CommentId,
        expected: Option<DateTime<Utc>>,
    ) -> Result<bool, RepositoryError> {
        let mut comments = self.comments.lock().expect("lock");
        let before = comments.len();
        comments.retain(|c| c.id() != id || expected.is_some_and(|e| e != c.updated_at()));
        Ok(comments.len() < before)
    }
}

#[cfg(test)]
mod content_contract_tests {
    use super::*;
    use crate::testing::contract;

    #[tokio::test]
    async fn the_fake_content_passes_the_post_and_comment_contracts() {
        let users = Arc::new(FakeUsers::default());
        let content = FakeContent::new(users.clone());
        contract::post_repository(users.as_ref(), &content).await;
        contract::comment_repository(users.as_ref(), &content, &content).await;
    }
}
