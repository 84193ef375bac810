//! `SessionStore` in process memory: the embedded default for a single instance. Sessions are
//! indexed by user (oldest first) and by expiry, so no operation scans other users' sessions.

use std::{
    collections::{BTreeSet, HashMap},
    sync::Mutex,
};

use application::{StoreError, ports::SessionStore};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{Session, SessionId, TokenDigest, UserId};

type Instant = DateTime<Utc>;

#[derive(Default)]
struct Sessions {
    by_id: HashMap<SessionId, Session>,
    /// Each user's sessions, oldest first.
    by_user: HashMap<UserId, BTreeSet<(Instant, SessionId)>>,
    /// Every session by when it expires, soonest first.
    by_expiry: BTreeSet<(Instant, SessionId)>,
}

impl Sessions {
    fn insert(&mut self, session: Session) {
        let p = session.parts();
        self.by_user
            .entry(p.user_id)
            .or_default()
            .insert((p.created_at, p.id));
        self.by_expiry.insert((p.expires_at, p.id));
        self.by_id.insert(p.id, session);
    }

    fn remove(&mut self, id: SessionId) -> Option<Session> {
        let session = self.by_id.remove(&id)?;
        let p = session.parts();
        if let Some(own) = self.by_user.get_mut(&p.user_id) {
            own.remove(&(p.created_at, id));
            if own.is_empty() {
                self.by_user.remove(&p.user_id);
            }
        }
        self.by_expiry.remove(&(p.expires_at, id));
        Some(session)
    }

    /// Removes what has expired: only those, soonest first.
    fn sweep(&mut self, now: Instant) {
        while let Some(&(expires_at, id)) = self.by_expiry.first() {
            if expires_at > now {
                break;
            }
            self.remove(id);
        }
    }

    fn ids_of(&self, user: UserId) -> Vec<SessionId> {
        self.by_user
            .get(&user)
            .map(|own| own.iter().map(|&(_, id)| id).collect())
            .unwrap_or_default()
    }
}

#[derive(Default)]
pub struct MemorySessions {
    sessions: Mutex<Sessions>,
}

impl MemorySessions {
    fn with<T>(&self, f: impl FnOnce(&mut Sessions) -> T) -> Result<T, StoreError> {
        let mut sessions = self
            .sessions
            .lock()
            .map_err(|_| StoreError::bug("session map lock poisoned"))?;
        sessions.sweep(Utc::now());
        Ok(f(&mut sessions))
    }
}

#[async_trait]
impl SessionStore for MemorySessions {
    async fn create(
        &self,
        session: &Session,
        keep_at_most: usize,
    ) -> Result<Vec<SessionId>, StoreError> {
        self.with(|sessions| {
            let own = sessions.ids_of(session.user_id());
            let excess = (own.len() + 1).saturating_sub(keep_at_most.max(1));
            let ended: Vec<SessionId> = own.into_iter().take(excess).collect();
            for &id in &ended {
                sessions.remove(id);
            }
            sessions.insert(session.clone());
            ended
        })
    }

    async fn get(&self, id: SessionId) -> Result<Option<Session>, StoreError> {
        self.with(|sessions| sessions.by_id.get(&id).cloned())
    }

    async fn replace_if_current(
        &self,
        session: &Session,
        expected: &TokenDigest,
    ) -> Result<bool, StoreError> {
        self.with(|sessions| match sessions.by_id.get(&session.id()) {
            Some(stored) if stored.refresh_digest() == expected => {
                sessions.remove(session.id());
                sessions.insert(session.clone());
                true
            }
            _ => false,
        })
    }

    async fn delete(&self, id: SessionId) -> Result<bool, StoreError> {
        self.with(|sessions| sessions.remove(id).is_some())
    }

    async fn list_for_user(&self, user: UserId) -> Result<Vec<Session>, StoreError> {
        self.with(|sessions| {
            sessions
                .ids_of(user)
                .into_iter()
                .filter_map(|id| sessions.by_id.get(&id).cloned())
                .collect()
        })
    }

    async fn delete_all_for_user(&self, user: UserId) -> Result<u64, StoreError> {
        self.with(|sessions| {
            let own = sessions.ids_of(user);
            for &id in &own {
                sessions.remove(id);
            }
            own.len() as u64
        })
    }

    async fn ping(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;
    use uuid::Uuid;

    use super::*;

    fn session(user: UserId, created_at: Instant, ttl: Duration) -> Session {
        Session::start(
            SessionId::from_uuid(Uuid::now_v7()),
            user,
            TokenDigest([1; 32]),
            created_at,
            ttl,
            None,
            None,
        )
    }

    #[tokio::test]
    async fn a_login_beyond_the_limit_ends_the_oldest() {
        let store = MemorySessions::default();
        let user = UserId::from_uuid(Uuid::now_v7());
        let start = Utc::now();
        let mut made = Vec::new();
        for minute in 0..5 {
            let s = session(user, start + Duration::minutes(minute), Duration::days(1));
            made.push(s.id());
            let ended = store.create(&s, 3).await.expect("created");
            assert_eq!(ended.len(), usize::from(minute >= 3));
        }
        let mut left: Vec<SessionId> = store
            .list_for_user(user)
            .await
            .expect("listed")
            .iter()
            .map(Session::id)
            .collect();
        left.sort();
        assert_eq!(left, made[2..].to_vec());
    }

    #[tokio::test]
    async fn expired_sessions_disappear_and_leave_the_indexes() {
        let store = MemorySessions::default();
        let user = UserId::from_uuid(Uuid::now_v7());
        let old = session(user, Utc::now() - Duration::days(2), Duration::days(1));
        store.create(&old, 50).await.expect("created");
        assert!(store.get(old.id()).await.expect("read").is_none());
        let sessions = store.sessions.lock().expect("lock");
        assert!(sessions.by_id.is_empty() && sessions.by_user.is_empty());
        assert!(sessions.by_expiry.is_empty());
    }
}
