//! Confirming an email change with the token mailed to the new address (the request is made
//! through `UserService::update_profile`).

use domain::AuditAction;

use super::{AccountError, AccountService};
use crate::{ClientInfo, mail::digest_of, ports::TokenPurpose};

impl AccountService {
    /// Moves the account to the address the token was mailed to. That address must still be
    /// free: checked again here, and by the repository's unique index.
    #[tracing::instrument(skip_all)]
    pub async fn confirm_email_change(
        &self,
        client: &ClientInfo,
        token: &str,
    ) -> Result<(), AccountError> {
        let digest = digest_of(token).ok_or(AccountError::InvalidToken)?;
        let now = self.auth.ports.clock.now();
        let tokens = &self.mail.tokens;
        let found = tokens
            .find(TokenPurpose::ChangeEmail, &digest, now)
            .await?
            .ok_or(AccountError::InvalidToken)?;
        if let Some(owner) = self.auth.ports.users.find_by_email(&found.address).await?
            && owner.id() != found.user
        {
            return Err(AccountError::EmailTaken);
        }
        let token = tokens
            .take(TokenPurpose::ChangeEmail, &digest, now)
            .await?
            .ok_or(AccountError::InvalidToken)?;
        let mut user = self.user(token.user, AccountError::InvalidToken).await?;
        let seen = user.updated_at();
        user.confirm_new_email(token.address, now);
        // Links sent to the old address prove nothing about the new one.
        let revoke = Some(TokenPurpose::VerifyEmail);
        self.save_token_change(client, &user, seen, now, AuditAction::EmailChanged, revoke)
            .await?;
        tracing::info!(user_id = %user.id(), "email change confirmed");
        Ok(())
    }
}
