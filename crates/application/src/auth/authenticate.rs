//! Turning an access token into an `Actor`, checking that its session is still alive.

use thiserror::Error;

use super::AuthService;
use crate::{Actor, ClientInfo};

crate::use_case_error! {
    #[derive(Debug, Error)]
    pub enum AuthenticateError {
        #[error("the access token is invalid or expired")]
        InvalidToken,
        #[error("the session has ended")]
        SessionEnded,
    }
}

impl AuthService {
    /// `client` is what the transport knows of the caller; the actor carries it to audit events.
    pub async fn authenticate(
        &self,
        access_token: &str,
        client: ClientInfo,
    ) -> Result<Actor, AuthenticateError> {
        let claims = self
            .access_tokens
            .verify(access_token)
            .map_err(|_| AuthenticateError::InvalidToken)?;
        // Both reads at once (the roles of the token's user; checked against the session's
        // below): with a roles cache beside the sessions, one round trip's wait, not two.
        let (session, roles) = futures_util::future::join(
            self.ports.sessions.get_for_access(claims.session_id),
            self.ports.users.roles_of(claims.user_id),
        )
        .await;
        let session = session?
            .filter(|s| s.user_id() == claims.user_id && s.is_live(self.ports.clock.now()))
            .ok_or(AuthenticateError::SessionEnded)?;
        // Roles are read fresh (or from a cache invalidated on every change), so a change
        // takes effect on the user's next request.
        let roles = roles
            .map_err(|e| AuthenticateError::Dependency(e.into()))?
            .ok_or(AuthenticateError::SessionEnded)?;
        Ok(Actor {
            user_id: session.user_id(),
            session_id: session.id(),
            roles,
            client,
        })
    }
}
