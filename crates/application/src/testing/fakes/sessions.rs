//! Sessions in memory.

use std::{collections::HashMap, sync::Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{Session, SessionId, TokenDigest, UserId};

use crate::{StoreError, ports::SessionStore};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::contract;

    #[tokio::test]
    async fn the_fake_session_store_passes_the_contract() {
        contract::session_store(&FakeSessions::default()).await;
    }
}
