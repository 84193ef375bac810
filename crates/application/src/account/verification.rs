//! Registration with a verification mail, resending it, and verifying an address.

use domain::{AuditAction, User};

use super::{AccountError, AccountService};
use crate::{
    Actor, ClientInfo,
    auth::{RegisterError, RegisterInput},
    mail::digest_of,
    ports::TokenPurpose,
};

impl AccountService {
    /// Opens the account, then (once it is committed) sends the verification mail. A mail
    /// that cannot be queued is logged; the account stays.
    pub async fn register(
        &self,
        client: &ClientInfo,
        input: RegisterInput,
    ) -> Result<User, RegisterError> {
        let user = self.auth.register(client, input).await?;
        if let Err(err) = self.send_verification(&user).await {
            tracing::error!(user_id = %user.id(), error = %err, "the verification mail could not be issued; the account is kept");
        }
        Ok(user)
    }

    /// Sends a new verification mail to the caller's address (earlier links stop working).
    /// Does nothing when the address is already verified.
    pub async fn resend_verification(&self, actor: &Actor) -> Result<(), AccountError> {
        let user = self.user(actor.user_id, AccountError::Gone).await?;
        self.spend_account_budget(&format!("verify:{}", user.id()))
            .await?;
        self.send_verification(&user).await
    }

    async fn send_verification(&self, user: &User) -> Result<(), AccountError> {
        let Some(email) = user.email() else {
            return Ok(());
        };
        if user.email_verified() {
            return Ok(());
        }
        self.mail
            .send_token(user, TokenPurpose::VerifyEmail, email, None)
            .await?;
        Ok(())
    }

    /// Marks the address the token was sent to as verified, if it is still the account's.
    #[tracing::instrument(skip_all)]
    pub async fn verify_email(&self, client: &ClientInfo, token: &str) -> Result<(), AccountError> {
        let digest = digest_of(token).ok_or(AccountError::InvalidToken)?;
        let now = self.auth.ports.clock.now();
        let token = self
            .mail
            .tokens
            .take(TokenPurpose::VerifyEmail, &digest, now)
            .await?
            .ok_or(AccountError::InvalidToken)?;
        let mut user = self.user(token.user, AccountError::InvalidToken).await?;
        let seen = user.updated_at();
        if !user.verify_email(&token.address, now) {
            return Err(AccountError::InvalidToken);
        }
        self.save_token_change(client, &user, seen, now, AuditAction::EmailVerified, None)
            .await?;
        tracing::info!(user_id = %user.id(), "email verified");
        Ok(())
    }
}
