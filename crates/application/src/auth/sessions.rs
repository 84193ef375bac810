//! The caller's sessions (one per device): list them, end one, end them all.

use domain::{AuditAction, AuditEvent, Session, SessionId};
use thiserror::Error;

use super::AuthService;
use crate::{
    Actor, StoreError,
    audit::record_after_the_fact,
    pagination::{Cursor, Page, PageRequest},
};

/// One of the caller's live sessions, and whether it is the one making the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionView {
    pub session: Session,
    pub current: bool,
}

crate::use_case_error! {
    #[derive(Debug, Error)]
    pub enum SessionError {
        /// Also what someone else's session looks like: its existence is not revealed.
        #[error("no such session")]
        NotFound,
    }
}

impl AuthService {
    /// Stores a new session, ending the user's oldest ones beyond `max_sessions_per_user`.
    pub(super) async fn start_session(&self, session: &Session) -> Result<(), StoreError> {
        let ended = self
            .ports
            .sessions
            .create(session, self.settings.max_sessions_per_user)
            .await?;
        for id in ended {
            tracing::info!(
                user_id = %session.user_id(),
                session_id = %id,
                "oldest session ended: too many sessions"
            );
            // The owner's new login ended it: the trail says so, naming the session.
            let event = AuditEvent::new(
                AuditAction::SessionEnded,
                Some(session.user_id()),
                self.ports.clock.now(),
            )
            .with_target(id);
            record_after_the_fact(self.ports.audit.as_ref(), &event).await;
        }
        Ok(())
    }

    /// Newest first (keyset on created_at, id). A user holds at most `max_sessions_per_user`
    /// sessions, so they are paged in memory.
    pub async fn list_sessions(
        &self,
        actor: &Actor,
        page: &PageRequest,
    ) -> Result<Page<SessionView>, SessionError> {
        let now = self.ports.clock.now();
        // Cursors carry microseconds: order and compare on exactly what they carry.
        let key = |view: &SessionView| {
            let session = view.session.parts();
            (session.created_at.timestamp_micros(), session.id.as_uuid())
        };
        let mut views: Vec<SessionView> = self
            .ports
            .sessions
            .list_for_user(actor.user_id)
            .await?
            .into_iter()
            .filter(|s| s.is_live(now))
            .map(|session| SessionView {
                current: session.id() == actor.session_id,
                session,
            })
            .filter(|view| {
                page.after
                    .is_none_or(|after| key(view) < (after.created_at.timestamp_micros(), after.id))
            })
            .collect();
        views.sort_by_key(|view| std::cmp::Reverse(key(view)));
        views.truncate(page.limit as usize + 1);
        Ok(Page::from_rows(views, page.limit, |view| Cursor {
            created_at: view.session.parts().created_at,
            id: view.session.id().as_uuid(),
        }))
    }

    pub async fn end_session(&self, actor: &Actor, id: SessionId) -> Result<(), SessionError> {
        let session = self
            .ports
            .sessions
            .get(id)
            .await?
            .ok_or(SessionError::NotFound)?;
        if session.user_id() != actor.user_id {
            return Err(SessionError::NotFound);
        }
        self.ports.sessions.delete(id).await?;
        tracing::info!(user_id = %actor.user_id, session_id = %id, "session ended");
        let event = actor
            .audit(AuditAction::SessionEnded, self.ports.clock.now())
            .with_target(id);
        record_after_the_fact(self.ports.audit.as_ref(), &event).await;
        Ok(())
    }

    pub async fn logout_all(&self, actor: &Actor) -> Result<u64, SessionError> {
        let ended = self
            .ports
            .sessions
            .delete_all_for_user(actor.user_id)
            .await?;
        tracing::info!(user_id = %actor.user_id, ended, "all sessions ended");
        let event = actor
            .audit(AuditAction::LoggedOutAll, self.ports.clock.now())
            .with_target(actor.user_id);
        record_after_the_fact(self.ports.audit.as_ref(), &event).await;
        Ok(ended)
    }
}
