//! The caller's sessions (one per device): list them, end one, end them all.

use chrono::{DateTime, Utc};
use domain::{AuditAction, SessionId};
use thiserror::Error;

use super::AuthService;
use crate::{Actor, StoreError, audit::record_after_the_fact};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionView {
    pub id: SessionId,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    pub current: bool,
}

#[derive(Debug, Error)]
pub enum SessionError {
    /// Also what someone else's session looks like: its existence is not revealed.
    #[error("no such session")]
    NotFound,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<StoreError> for SessionError {
    fn from(err: StoreError) -> Self {
        Self::Unexpected(err.into())
    }
}

impl AuthService {
    /// Newest first.
    pub async fn list_sessions(&self, actor: &Actor) -> Result<Vec<SessionView>, SessionError> {
        let now = self.clock.now();
        let mut views: Vec<SessionView> = self
            .sessions
            .list_for_user(actor.user_id)
            .await?
            .into_iter()
            .filter(|s| s.is_live(now))
            .map(|s| {
                let p = s.parts();
                SessionView {
                    id: p.id,
                    created_at: p.created_at,
                    last_used_at: p.last_used_at,
                    user_agent: p.user_agent.clone(),
                    ip: p.ip.clone(),
                    current: p.id == actor.session_id,
                }
            })
            .collect();
        views.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        Ok(views)
    }

    pub async fn end_session(&self, actor: &Actor, id: SessionId) -> Result<(), SessionError> {
        let session = self.sessions.get(id).await?.ok_or(SessionError::NotFound)?;
        if session.user_id() != actor.user_id {
            return Err(SessionError::NotFound);
        }
        self.sessions.delete(id).await?;
        tracing::info!(user_id = %actor.user_id, session_id = %id, "session ended");
        let event = actor
            .audit(AuditAction::SessionEnded, self.clock.now())
            .with_target(id);
        record_after_the_fact(self.audit.as_ref(), &event).await;
        Ok(())
    }

    pub async fn logout_all(&self, actor: &Actor) -> Result<u64, SessionError> {
        let ended = self.sessions.delete_all_for_user(actor.user_id).await?;
        tracing::info!(user_id = %actor.user_id, ended, "all sessions ended");
        let event = actor
            .audit(AuditAction::LoggedOutAll, self.clock.now())
            .with_target(actor.user_id);
        record_after_the_fact(self.audit.as_ref(), &event).await;
        Ok(ended)
    }
}
