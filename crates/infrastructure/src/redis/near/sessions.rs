//! `SessionStore` with the sessions that access checks read kept near (`get_for_access`);
//! every change that ends sessions drops them on every instance before it returns, and runs to
//! its end even if its caller goes away.

use std::sync::Arc;

use application::{StoreError, ports::SessionStore};
use async_trait::async_trait;
use chrono::Utc;
use domain::{Session, SessionId, TokenDigest, UserId};

use super::{Dropped, NearCache, to_the_end};

pub struct NearSessions {
    inner: Arc<dyn SessionStore>,
    near: NearCache,
}

impl NearSessions {
    pub fn new(inner: Arc<dyn SessionStore>, near: NearCache) -> Self {
        Self { inner, near }
    }
}

#[async_trait]
impl SessionStore for NearSessions {
    async fn create(
        &self,
        session: &Session,
        keep_at_most: usize,
    ) -> Result<Vec<SessionId>, StoreError> {
        let (inner, near, session) = (self.inner.clone(), self.near.clone(), session.clone());
        to_the_end(async move {
            let ended = inner.create(&session, keep_at_most).await?;
            if !ended.is_empty() {
                let dropped = Dropped::Sessions(ended.clone());
                near.forget_everywhere(&dropped).await?;
            }
            Ok(ended)
        })
        .await
    }

    async fn get(&self, id: SessionId) -> Result<Option<Session>, StoreError> {
        self.inner.get(id).await
    }

    async fn get_for_access(&self, id: SessionId) -> Result<Option<Session>, StoreError> {
        // A kept session whose expiry passed may have been extended since: read it again.
        if let Some(kept) = self.near.session(id)
            && kept.is_live(Utc::now())
        {
            return Ok(Some(kept));
        }
        let ticket = self.near.ticket();
        let session = self.inner.get(id).await?;
        if let (Some(ticket), Some(session)) = (ticket, &session) {
            self.near.keep_session(ticket, session.clone());
        }
        Ok(session)
    }

    async fn replace_if_current(
        &self,
        session: &Session,
        expected: &TokenDigest,
    ) -> Result<bool, StoreError> {
        let replaced = self.inner.replace_if_current(session, expected).await?;
        if replaced {
            // Only the expiry can have moved, and only later: copies kept elsewhere are read
            // again once their older expiry passes.
            self.near
                .forget_here(&Dropped::Sessions(vec![session.id()]));
        }
        Ok(replaced)
    }

    async fn delete(&self, id: SessionId) -> Result<bool, StoreError> {
        let (inner, near) = (self.inner.clone(), self.near.clone());
        to_the_end(async move {
            let existed = inner.delete(id).await?;
            // Even when it was gone already: a racing delete may still be dropping it elsewhere.
            near.forget_everywhere(&Dropped::Sessions(vec![id])).await?;
            Ok(existed)
        })
        .await
    }

    async fn list_for_user(&self, user: UserId) -> Result<Vec<Session>, StoreError> {
        self.inner.list_for_user(user).await
    }

    async fn delete_all_for_user(&self, user: UserId) -> Result<u64, StoreError> {
        let (inner, near) = (self.inner.clone(), self.near.clone());
        to_the_end(async move {
            let ended = inner.delete_all_for_user(user).await?;
            near.forget_everywhere(&Dropped::Account(user)).await?;
            Ok(ended)
        })
        .await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.inner.ping().await
    }
}
