//! Exchanging an email and password for a new session.

use domain::{AuditAction, Email, Session, SessionId};
use thiserror::Error;
use uuid::Uuid;

use super::{AuthService, IssuedTokens, refresh_token::RefreshToken};
use crate::{
    ClientInfo, RepositoryError, StoreError, audit::record_after_the_fact, throttle::account_key,
};

/// bcrypt compares only this many bytes: anything longer can never be a stored password.
const MAX_PASSWORD_BYTES: usize = 72;

pub struct LoginInput {
    /// Not a parsed `Email`: a malformed address must fail exactly like an unknown one.
    pub email: String,
    pub password: String,
}

#[derive(Debug, Error)]
pub enum LoginError {
    #[error("invalid email or password")]
    InvalidCredentials,
    /// Too many failed logins for this account: refused before any password is checked.
    #[error("the account is locked out for {retry_after:?}")]
    LockedOut { retry_after: std::time::Duration },
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<RepositoryError> for LoginError {
    fn from(err: RepositoryError) -> Self {
        Self::Unexpected(err.into())
    }
}

impl From<StoreError> for LoginError {
    fn from(err: StoreError) -> Self {
        Self::Unexpected(err.into())
    }
}

impl AuthService {
    #[tracing::instrument(skip_all)]
    pub async fn login(
        &self,
        client: &ClientInfo,
        input: LoginInput,
    ) -> Result<IssuedTokens, LoginError> {
        // Checked before any bcrypt work, so a flood against one account costs no CPU.
        let account = account_key(&input.email);
        if let Some(retry_after) = self.attempts.locked_for(&account).await? {
            tracing::info!("login refused: account locked out");
            return Err(LoginError::LockedOut { retry_after });
        }
        let user = match Email::parse(&input.email) {
            Ok(email) => self.users.find_by_email(&email).await?,
            Err(_) => None,
        };
        let candidate = if input.password.len() > MAX_PASSWORD_BYTES {
            ""
        } else {
            input.password.as_str()
        };
        // Unknown accounts are verified against a dummy hash: same answer, about the same time.
        let matches = self
            .hasher
            .verify(candidate, user.as_ref().map(|u| u.password_hash()))
            .await?;
        let now = self.clock.now();
        let user = match user {
            Some(user) if matches && !candidate.is_empty() => user,
            other => {
                tracing::info!("login refused");
                // The target is the account when the address names one; never the address.
                let target = other.map(|user| user.id());
                let refusal = |action| {
                    let event = client.audit(action, None, now);
                    match target {
                        Some(id) => event.with_target(id),
                        None => event,
                    }
                };
                record_after_the_fact(self.audit.as_ref(), &refusal(AuditAction::LoginFailed))
                    .await;
                if let Some(lock) = self
                    .attempts
                    .record_failure(&account, &self.settings.lockout)
                    .await?
                {
                    tracing::warn!(
                        seconds = lock.as_secs(),
                        "account locked out after failed logins"
                    );
                    let event = refusal(AuditAction::LoginLockedOut);
                    record_after_the_fact(self.audit.as_ref(), &event).await;
                }
                return Err(LoginError::InvalidCredentials);
            }
        };
        // A login that cannot be audited does not happen.
        let event = client
            .audit(AuditAction::LoginSucceeded, Some(user.id()), now)
            .with_target(user.id());
        self.audit.record(&event).await?;
        self.attempts.clear(&account).await?;

        let session_id = SessionId::from_uuid(Uuid::now_v7());
        let refresh = RefreshToken::generate(session_id);
        let session = Session::start(
            session_id,
            user.id(),
            refresh.digest(),
            now,
            self.settings.first_session_ttl(),
            client.user_agent.as_deref(),
            client.ip.clone(),
        );
        self.start_session(&session).await?;
        tracing::info!(user_id = %user.id(), session_id = %session_id, "logged in");
        Ok(self.issue(user, session_id, refresh.encode())?)
    }
}
