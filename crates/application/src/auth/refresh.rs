//! Exchanging a refresh token for new tokens, rotating it, and detecting reuse.

use domain::{AuditAction, RefreshCheck, Session};
use thiserror::Error;

use super::{AuthService, IssuedTokens, refresh_token::RefreshToken};
use crate::{ClientInfo, DependencyError, audit::record_after_the_fact};

/// A rotation lost to a concurrent one is re-examined at most this many times.
const MAX_ATTEMPTS: usize = 3;

crate::use_case_error! {
    #[derive(Debug, Error)]
    pub enum RefreshError {
        #[error("the refresh token is invalid or expired")]
        InvalidToken,
        #[error("the refresh token was already used; the session has been revoked")]
        Reused,
    }
}

impl AuthService {
    #[tracing::instrument(skip_all)]
    pub async fn refresh(
        &self,
        client: &ClientInfo,
        presented: &str,
    ) -> Result<IssuedTokens, RefreshError> {
        let presented = RefreshToken::parse(presented).ok_or(RefreshError::InvalidToken)?;
        let digest = presented.digest();
        for _ in 0..MAX_ATTEMPTS {
            let mut session = self
                .ports
                .sessions
                .get(presented.session())
                .await?
                .ok_or(RefreshError::InvalidToken)?;
            let now = self.ports.clock.now();
            let next = match session.check_refresh(&digest, now, self.settings.reuse_grace) {
                RefreshCheck::Current => RefreshToken::generate(session.id()),
                RefreshCheck::WithinGrace { sealed_successor } => {
                    let successor = presented.open(&sealed_successor);
                    if &successor.digest() != session.refresh_digest() {
                        return Err(self.revoke_reused(client, &session).await);
                    }
                    return self.reissue(&session, successor).await;
                }
                RefreshCheck::Reused => return Err(self.revoke_reused(client, &session).await),
                // Anyone can pair a session id with random bytes: that ends nothing.
                RefreshCheck::Unknown => {
                    tracing::info!(session_id = %session.id(), "unknown refresh token refused");
                    return Err(RefreshError::InvalidToken);
                }
                RefreshCheck::Expired => {
                    self.ports.sessions.delete(session.id()).await?;
                    return Err(RefreshError::InvalidToken);
                }
            };
            session.rotate(
                next.digest(),
                presented.seal(&next),
                now,
                self.settings.refresh_ttl,
                self.settings.max_lifetime,
            );
            if self
                .ports
                .sessions
                .replace_if_current(&session, &digest)
                .await?
            {
                return self.reissue(&session, next).await;
            }
            // Another request rotated this token first: look again, now as the replaced token.
        }
        Err(RefreshError::Dependency(DependencyError::bug(
            "refresh token rotation kept losing races",
        )))
    }

    async fn reissue(
        &self,
        session: &Session,
        refresh: RefreshToken,
    ) -> Result<IssuedTokens, RefreshError> {
        let Some(user) = self.ports.users.find_by_id(session.user_id()).await? else {
            self.ports.sessions.delete(session.id()).await?;
            return Err(RefreshError::InvalidToken);
        };
        Ok(self.issue(user, session.id(), refresh.encode())?)
    }

    async fn revoke_reused(&self, client: &ClientInfo, session: &Session) -> RefreshError {
        tracing::warn!(
            session_id = %session.id(),
            user_id = %session.user_id(),
            "refresh token reuse detected; revoking the session"
        );
        // Whoever presented the token may be the thief: the session's owner is the target.
        let event = client
            .audit(
                AuditAction::RefreshTokenReused,
                None,
                self.ports.clock.now(),
            )
            .with_target(session.user_id());
        record_after_the_fact(self.ports.audit.as_ref(), &event).await;
        match self.ports.sessions.delete(session.id()).await {
            Ok(_) => RefreshError::Reused,
            Err(err) => err.into(),
        }
    }
}
