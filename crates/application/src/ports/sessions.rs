//! Where sessions live.

use async_trait::async_trait;
use domain::{Session, SessionId, TokenDigest, UserId};

use crate::StoreError;

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

    /// The session as checking an access token needs it: its owner and expiry. MAY come from
    /// a cache, as long as every change that ends a session (`delete`, `delete_all_for_user`,
    /// the sessions `create` ends) has cleared that cache on every instance before it returns.
    /// What it returns MAY hold an older refresh state and an older expiry (a refresh only
    /// moves it later), but never an expiry that has passed while the stored one has not: use
    /// `get` for anything else.
    async fn get_for_access(&self, id: SessionId) -> Result<Option<Session>, StoreError> {
        self.get(id).await
    }

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
