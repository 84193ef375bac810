//! Exchanging an email and password for a new session.

use domain::{AuditAction, Email, Password, Session, SessionId, User};
use thiserror::Error;
use uuid::Uuid;

use super::{AuthService, IssuedTokens, refresh_token::RefreshToken};
use crate::{
    ClientInfo,
    audit::record_after_the_fact,
    throttle::{Guarded, account_key, check_password, device_bucket},
};

/// bcrypt compares only this many bytes: anything longer can never be a stored password.
const MAX_PASSWORD_BYTES: usize = 72;

pub struct LoginInput {
    /// Not a parsed `Email`: a malformed address must fail exactly like an unknown one.
    pub email: String,
    pub password: String,
    /// The device token the client presented (its device cookie), not yet verified.
    pub device: Option<DeviceToken>,
}

/// A device token as presented by a client: trusted only once `DeviceTokens::verify`
/// accepts it for the account being logged in to.
#[derive(Clone)]
pub struct DeviceToken(pub String);

crate::use_case_error! {
    #[derive(Debug, Error)]
    pub enum LoginError {
        #[error("invalid email or password")]
        InvalidCredentials,
        /// Too many failed logins for this account: refused before any password is checked.
        #[error("the account is locked out for {retry_after:?}")]
        LockedOut { retry_after: std::time::Duration },
    }
}

impl AuthService {
    #[tracing::instrument(skip_all)]
    pub async fn login(
        &self,
        client: &ClientInfo,
        input: LoginInput,
    ) -> Result<IssuedTokens, LoginError> {
        let email = Email::parse(&input.email).ok();
        // Keyed by the address as it would be stored, so every spelling that reaches one
        // account (case, Unicode forms, IDNA) meets one lock-out.
        let account = account_key(email.as_ref().map_or(input.email.as_str(), |e| e.as_ref()));
        let now = self.ports.clock.now();
        // A client that logged in to this account before counts its attempts in a bucket of
        // its own, so strangers' failures never lock it out (OWASP's device cookies).
        let bucket = match input
            .device
            .as_ref()
            .and_then(|d| self.device_tokens.verify(&d.0, &account, now))
        {
            Some(device) => device_bucket(&account, &device),
            None => account.clone(),
        };
        let user = match &email {
            Some(email) => self.ports.users.find_by_email(email).await?,
            None => None,
        };
        let candidate = if input.password.len() > MAX_PASSWORD_BYTES {
            ""
        } else {
            input.password.as_str()
        };
        // The attempt is counted before the hash is computed, so racing guesses cannot all be
        // checked; unknown accounts are verified against a dummy hash (same answer and time).
        let checked = check_password(
            self.ports.attempts.as_ref(),
            self.ports.hasher.as_ref(),
            &self.settings.lockout,
            &bucket,
            candidate,
            user.as_ref().map(|u| u.password_hash()),
        )
        .await?;
        let user = match (checked, user) {
            (Guarded::Refused { retry_after }, _) => {
                tracing::info!("login refused: locked out");
                return Err(LoginError::LockedOut { retry_after });
            }
            (Guarded::Checked { matches: true, .. }, Some(user)) if !candidate.is_empty() => user,
            (Guarded::Checked { locked, .. }, other) => {
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
                record_after_the_fact(
                    self.ports.audit.as_ref(),
                    &refusal(AuditAction::LoginFailed),
                )
                .await;
                if let Some(lock) = locked {
                    tracing::warn!(seconds = lock.as_secs(), "locked out after failed logins");
                    let event = refusal(AuditAction::LoginLockedOut);
                    record_after_the_fact(self.ports.audit.as_ref(), &event).await;
                }
                return Err(LoginError::InvalidCredentials);
            }
        };
        let user = self.upgrade_hash(user, candidate).await;
        // A login that cannot be audited does not happen.
        let event = client
            .audit(AuditAction::LoginSucceeded, Some(user.id()), now)
            .with_target(user.id());
        self.ports.audit.record(&event).await?;

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
        let mut issued = self.issue(user, session_id, refresh.encode())?;
        // A fresh device token at every login (OWASP): this client is now known to the account.
        issued.device_token = Some(
            self.device_tokens
                .issue(&account, now + self.settings.device_ttl),
        );
        Ok(issued)
    }

    /// Re-hashes the password when its stored hash is weaker than the hasher's current cost,
    /// now that the plaintext is at hand. A failure here never fails the login.
    async fn upgrade_hash(&self, mut user: User, candidate: &str) -> User {
        if !self.ports.hasher.needs_rehash(user.password_hash()) {
            return user;
        }
        let Ok(password) = Password::parse(candidate) else {
            return user;
        };
        let seen = user.updated_at();
        match self.ports.hasher.hash(&password).await {
            Ok(hash) => {
                let before = user.clone();
                user.change_password(hash, self.ports.clock.now());
                match self.ports.users.update(&user, Some(seen), None).await {
                    Ok(true) => {
                        tracing::info!(user_id = %user.id(), "password re-hashed at the current cost");
                        user
                    }
                    Ok(false) => before,
                    Err(err) => {
                        tracing::warn!(error = ?err, "could not store the re-hashed password");
                        before
                    }
                }
            }
            Err(err) => {
                tracing::warn!(error = ?err, "could not re-hash the password");
                user
            }
        }
    }
}
