//! `UserRepository` with the roles of accounts cached, so authenticating a request needs no
//! SQL. Any adapter of the port is wrapped; only `roles_of` reads the cache, and the two calls
//! that change roles (`set_roles`, `delete`) mark the account in the cache before and after
//! the database change.
//!
//! The mark, not a deletion, is what keeps the cache right under races: while it lives (the
//! cache's TTL) nothing can be cached for the account, so a reader that read the old roles
//! before the change committed cannot put them back (its `put_if_absent` finds the mark).
//! Marking before the change means a cache that cannot be reached refuses the change (the
//! caller gets `Unavailable`, nothing changed); marking again after it covers a change whose
//! commit took longer than the TTL. Whatever fails, a cached entry lives at most the TTL: that
//! is the bound on staleness in the failure cases (a cache that loses acknowledged writes,
//! such as Redis restarted from an older snapshot; a reader stalled for longer than the TTL
//! between its database read and its `put_if_absent`).

use std::{future::Future, sync::Arc, time::Duration};

use application::{
    RepositoryError, StoreError,
    pagination::{Page, PageRequest},
    ports::{AdminChange, AdminGuard, UserFilter, UserRepository},
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{AuditEvent, Email, Role, User, UserId};

/// How long a cached entry, or the mark a change leaves, lives.
pub const ROLES_CACHE_TTL: Duration = Duration::from_secs(60);

/// Where roles are cached: in this instance's memory, or in Redis for every instance.
#[async_trait]
pub trait RolesCache: Send + Sync {
    /// The cached roles; `None` when nothing is cached or the account is marked.
    async fn get(&self, user: UserId) -> Result<Option<Vec<Role>>, StoreError>;

    /// Caches `roles` for the TTL, only when nothing (no entry, no mark) is there.
    async fn put_if_absent(&self, user: UserId, roles: &[Role]) -> Result<(), StoreError>;

    /// Replaces whatever is there with a mark that keeps the account out of the cache for
    /// the TTL. MUST return an error unless the mark is stored.
    async fn mark(&self, user: UserId) -> Result<(), StoreError>;
}

pub struct CachedUsers {
    inner: Arc<dyn UserRepository>,
    cache: Arc<dyn RolesCache>,
}

impl CachedUsers {
    pub fn new(inner: Arc<dyn UserRepository>, cache: Arc<dyn RolesCache>) -> Self {
        Self { inner, cache }
    }

    /// Runs `change` (a change of the account's roles) between two marks. Unless the mark
    /// before is stored, the change does not happen; a failure of the mark after is logged
    /// (the mark from before already keeps old roles out).
    async fn marked<T>(
        &self,
        user: UserId,
        change: impl Future<Output = Result<T, RepositoryError>>,
    ) -> Result<T, RepositoryError> {
        self.cache.mark(user).await.map_err(RepositoryError::from)?;
        let changed = change.await;
        if let Err(err) = self.cache.mark(user).await {
            tracing::warn!(
                %user,
                error = ?anyhow::Error::from(err),
                "the roles cache could not be marked after a change; the mark from before holds"
            );
        }
        changed
    }
}

/// `impl UserRepository for CachedUsers`: the methods listed in `pass_through` go to the
/// wrapped repository unchanged; those the cache concerns follow it, written out.
macro_rules! impl_user_repository {
    (
        pass_through {
            $(fn $name:ident(&self $(, $arg:ident: $ty:ty)* $(,)?) -> $ret:ty;)*
        }
        $($concerned:item)*
    ) => {
        #[async_trait]
        impl UserRepository for CachedUsers {
            $(
                async fn $name(&self $(, $arg: $ty)*) -> $ret {
                    self.inner.$name($($arg),*).await
                }
            )*
            $($concerned)*
        }
    };
}

impl_user_repository! {
    pass_through {
        fn insert(&self, user: &User, audit: &AuditEvent) -> Result<(), RepositoryError>;
        fn find_by_id(&self, id: UserId) -> Result<Option<User>, RepositoryError>;
        fn find_by_id_holding(
            &self,
            id: UserId,
            roles: &[Role],
        ) -> Result<Option<User>, RepositoryError>;
        fn find_by_email(&self, email: &Email) -> Result<Option<User>, RepositoryError>;
        fn ping(&self) -> Result<(), RepositoryError>;
        fn list(
            &self,
            filter: &UserFilter,
            page: &PageRequest,
        ) -> Result<Page<User>, RepositoryError>;
        fn update(
            &self,
            user: &User,
            expected_updated_at: Option<DateTime<Utc>>,
            audit: Option<&AuditEvent>,
        ) -> Result<bool, RepositoryError>;
    }

    async fn roles_of(&self, id: UserId) -> Result<Option<Vec<Role>>, RepositoryError> {
        match self.cache.get(id).await {
            Ok(Some(roles)) => return Ok(Some(roles)),
            Ok(None) => {}
            // Fail safe: the database answers, and nothing is cached meanwhile.
            Err(err) => {
                tracing::debug!(error = %err, "the roles cache cannot be read; asking the database");
                return self.inner.roles_of(id).await;
            }
        }
        let roles = self.inner.roles_of(id).await?;
        if let Some(roles) = &roles
            && let Err(err) = self.cache.put_if_absent(id, roles).await
        {
            tracing::debug!(error = %err, "the roles cache cannot be written");
        }
        Ok(roles)
    }

    async fn set_roles(
        &self,
        user: &User,
        guard: AdminGuard<'_>,
    ) -> Result<AdminChange, RepositoryError> {
        let change = self.inner.set_roles(user, guard);
        self.marked(user.id(), change).await
    }

    async fn delete(
        &self,
        id: UserId,
        guard: AdminGuard<'_>,
    ) -> Result<AdminChange, RepositoryError> {
        let change = self.inner.delete(id, guard);
        self.marked(id, change).await
    }
}

/// Roles as the caches store them: names joined by commas (never empty: every account holds
/// `user`). The mark is a value no list of roles can be.
pub(crate) const MARK: &str = "!";

pub(crate) fn encode(roles: &[Role]) -> String {
    roles.iter().map(Role::as_str).collect::<Vec<_>>().join(",")
}

/// `None` for the mark, or for a value this version cannot read (a miss, never an error).
pub(crate) fn decode(value: &str) -> Option<Vec<Role>> {
    if value == MARK {
        return None;
    }
    value
        .split(',')
        .filter(|name| !name.is_empty())
        .map(|name| name.parse().ok())
        .collect()
}
