//! Ending the caller's own session, by access token or by refresh token alone.

use domain::{AuditAction, SessionId};
use thiserror::Error;

use super::{AuthService, refresh_token::RefreshToken};
use crate::{Actor, ClientInfo, audit::record_after_the_fact};

crate::use_case_error! {
    #[derive(Debug, Error)]
    pub enum LogoutError {
        #[error("no live session matches the credentials")]
        NotAuthenticated,
    }
}

impl AuthService {
    pub async fn logout(&self, actor: &Actor) -> Result<(), LogoutError> {
        self.ports.sessions.delete(actor.session_id).await?;
        tracing::info!(user_id = %actor.user_id, session_id = %actor.session_id, "logged out");
        let event = actor
            .audit(AuditAction::LoggedOut, self.ports.clock.now())
            .with_target(actor.user_id);
        record_after_the_fact(self.ports.audit.as_ref(), &event).await;
        Ok(())
    }

    /// The session a refresh token belongs to, if it is the current or the just-replaced token
    /// of a live session: lets a client whose access token expired still log out.
    pub async fn session_of_refresh_token(
        &self,
        presented: &str,
    ) -> Result<SessionId, LogoutError> {
        let token = RefreshToken::parse(presented).ok_or(LogoutError::NotAuthenticated)?;
        let session = self
            .ports
            .sessions
            .get(token.session())
            .await?
            .ok_or(LogoutError::NotAuthenticated)?;
        if session.may_be_ended_with(&token.digest(), self.ports.clock.now()) {
            Ok(session.id())
        } else {
            Err(LogoutError::NotAuthenticated)
        }
    }

    pub async fn logout_session(
        &self,
        client: &ClientInfo,
        session: SessionId,
    ) -> Result<(), LogoutError> {
        let owner = self.ports.sessions.get(session).await?.map(|s| s.user_id());
        self.ports.sessions.delete(session).await?;
        tracing::info!(session_id = %session, "logged out by refresh token");
        if let Some(owner) = owner {
            let event = client
                .audit(AuditAction::LoggedOut, Some(owner), self.ports.clock.now())
                .with_target(owner);
            record_after_the_fact(self.ports.audit.as_ref(), &event).await;
        }
        Ok(())
    }
}
