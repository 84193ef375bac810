//! `SessionStore` in process memory: the embedded default for a single instance.

use std::{collections::HashMap, sync::Mutex};

use application::{StoreError, ports::SessionStore};
use async_trait::async_trait;
use chrono::Utc;
use domain::{Session, SessionId, TokenDigest, UserId};

#[derive(Default)]
pub struct MemorySessions {
    sessions: Mutex<HashMap<SessionId, Session>>,
}

impl MemorySessions {
    fn with<T>(
        &self,
        f: impl FnOnce(&mut HashMap<SessionId, Session>) -> T,
    ) -> Result<T, StoreError> {
        let mut map = self
            .sessions
            .lock()
            .map_err(|_| StoreError::Unexpected(anyhow::anyhow!("session map lock poisoned")))?;
        Ok(f(&mut map))
    }
}

#[async_trait]
impl SessionStore for MemorySessions {
    async fn create(&self, session: &Session) -> Result<(), StoreError> {
        self.with(|map| {
            // Expired sessions are swept here: a login already costs a bcrypt hash.
            let now = Utc::now();
            map.retain(|_, s| s.is_live(now));
            map.insert(session.id(), session.clone());
        })
    }

    async fn get(&self, id: SessionId) -> Result<Option<Session>, StoreError> {
        let now = Utc::now();
        self.with(|map| map.get(&id).filter(|s| s.is_live(now)).cloned())
    }

    async fn replace_if_current(
        &self,
        session: &Session,
        expected: &TokenDigest,
    ) -> Result<bool, StoreError> {
        self.with(|map| match map.get_mut(&session.id()) {
            Some(stored) if stored.refresh_digest() == expected => {
                *stored = session.clone();
                true
            }
            _ => false,
        })
    }

    async fn delete(&self, id: SessionId) -> Result<bool, StoreError> {
        self.with(|map| map.remove(&id).is_some())
    }

    async fn list_for_user(&self, user: UserId) -> Result<Vec<Session>, StoreError> {
        let now = Utc::now();
        self.with(|map| {
            map.values()
                .filter(|s| s.user_id() == user && s.is_live(now))
                .cloned()
                .collect()
        })
    }

    async fn delete_all_for_user(&self, user: UserId) -> Result<u64, StoreError> {
        self.with(|map| {
            let before = map.len();
            map.retain(|_, s| s.user_id() != user);
            (before - map.len()) as u64
        })
    }

    async fn ping(&self) -> Result<(), StoreError> {
        Ok(())
    }
}
