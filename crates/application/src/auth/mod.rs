//! Authentication: registration, login, token refresh with rotation, sessions, logout.

mod authenticate;
#[cfg(test)]
mod lockout_tests;
mod login;
mod logout;
mod refresh;
mod refresh_token;
mod register;
#[cfg(test)]
mod session_tests;
mod sessions;
mod settings;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use chrono::Duration;
use chrono::{DateTime, Utc};
use domain::{AuditEvent, Email, Password, PasswordHash, Role, SessionId, User, UserId, Username};
use secrecy::SecretString;

use crate::{
    DependencyError, RepositoryError,
    ports::{
        AccessClaims, AccessTokens, AuditLog, Clock, DeviceTokens, LoginAttempts, PasswordHasher,
        PasswordStrength, SessionStore, UserRepository, WeakPassword,
    },
};

pub use authenticate::AuthenticateError;
pub use login::{DeviceToken, LoginError, LoginInput};
pub use logout::LogoutError;
pub use refresh::RefreshError;
pub use refresh_token::expose as expose_refresh_token;
pub use register::{RegisterError, RegisterInput};
pub use sessions::{SessionError, SessionView};
pub use settings::AuthSettings;

/// The ports every use case on accounts and their credentials works through (`AuthService`,
/// `UserService`).
#[derive(Clone)]
pub struct CredentialPorts {
    pub users: Arc<dyn UserRepository>,
    pub hasher: Arc<dyn PasswordHasher>,
    pub strength: Arc<dyn PasswordStrength>,
    pub sessions: Arc<dyn SessionStore>,
    pub clock: Arc<dyn Clock>,
    /// Failed password checks, counted toward a lock-out.
    pub attempts: Arc<dyn LoginAttempts>,
    pub audit: Arc<dyn AuditLog>,
}

/// An account to open: what registration and the command line's `create-admin` take.
#[derive(Debug)]
pub struct NewAccount {
    pub username: Username,
    pub email: Email,
    pub password: Password,
}

impl CredentialPorts {
    /// Opens `account` with `roles` (`user` is always added) once its password passes the
    /// strength check (`Ok(Err(_))` otherwise), storing it with the audit event `audit` makes
    /// from the new id and the time, in one transaction.
    pub(crate) async fn open_account(
        &self,
        account: NewAccount,
        roles: Vec<Role>,
        audit: impl FnOnce(UserId, DateTime<Utc>) -> AuditEvent,
    ) -> Result<Result<User, WeakPassword>, RepositoryError> {
        let account_words = [account.username.as_ref(), account.email.as_ref()];
        let hash = match self
            .hash_new_password(&account.password, &account_words)
            .await?
        {
            Ok(hash) => hash,
            Err(weak) => return Ok(Err(weak)),
        };
        let now = self.clock.now();
        let id = UserId::from_uuid(uuid::Uuid::now_v7());
        let user = User::with_roles(id, account.username, account.email, hash, roles, now);
        self.users.insert(&user, &audit(id, now)).await?;
        tracing::info!(user_id = %id, roles = ?user.roles(), "account opened");
        Ok(Ok(user))
    }

    /// Hashes `password` once it passes the strength check, which counts the account's own
    /// words as known to an attacker: `Ok(Err(_))` when it is too easy to guess.
    pub(crate) async fn hash_new_password(
        &self,
        password: &Password,
        account_words: &[&str],
    ) -> Result<Result<PasswordHash, WeakPassword>, DependencyError> {
        if let Err(weak) = self.strength.check(password, account_words).await? {
            return Ok(Err(weak));
        }
        Ok(Ok(self.hasher.hash(password).await?))
    }
}

/// The ports the authentication use cases work through.
#[derive(Clone)]
pub struct AuthService {
    /// Also the account lifecycle's (`AccountService`), which works beside this service.
    pub(crate) ports: CredentialPorts,
    access_tokens: Arc<dyn AccessTokens>,
    device_tokens: Arc<dyn DeviceTokens>,
    settings: AuthSettings,
}

/// What a successful login or refresh hands to the client.
pub struct IssuedTokens {
    pub access_token: String,
    pub expires_in: Duration,
    pub refresh_token: SecretString,
    pub refresh_expires_in: Duration,
    /// The session the tokens belong to (the transport binds its CSRF token to it).
    pub session_id: SessionId,
    pub user: User,
    /// Set by a login: the device token for the client's device cookie.
    pub device_token: Option<String>,
    pub device_expires_in: Duration,
}

impl AuthService {
    pub fn new(
        ports: CredentialPorts,
        access_tokens: Arc<dyn AccessTokens>,
        device_tokens: Arc<dyn DeviceTokens>,
        settings: AuthSettings,
    ) -> Self {
        Self {
            ports,
            access_tokens,
            device_tokens,
            settings,
        }
    }

    pub fn settings(&self) -> &AuthSettings {
        &self.settings
    }

    fn issue(
        &self,
        user: User,
        session_id: SessionId,
        refresh_token: SecretString,
    ) -> Result<IssuedTokens, DependencyError> {
        let now = self.ports.clock.now();
        let claims = AccessClaims {
            user_id: user.id(),
            session_id,
            roles: user.roles().to_vec(),
            issued_at: now,
            expires_at: now + self.settings.access_ttl,
            token_id: uuid::Uuid::now_v7(),
        };
        Ok(IssuedTokens {
            access_token: self.access_tokens.issue(&claims)?,
            expires_in: self.settings.access_ttl,
            refresh_token,
            refresh_expires_in: self.settings.refresh_ttl,
            session_id,
            user,
            device_token: None,
            device_expires_in: self.settings.device_ttl,
        })
    }
}
