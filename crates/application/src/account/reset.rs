//! Resetting a forgotten password by mail.

use domain::{AuditAction, Email, Password};

use super::{AccountError, AccountService};
use crate::{
    ClientInfo,
    mail::digest_of,
    ports::TokenPurpose,
    throttle::{account_key, reauthentication_bucket},
};

impl AccountService {
    /// Spends the target account's budget, then starts the rest (look-up, token, mail) off the
    /// request path: the caller answers the same, in the same time, whether or not the
    /// address belongs to an account.
    pub async fn request_password_reset(
        &self,
        client: &ClientInfo,
        email: Email,
    ) -> Result<(), AccountError> {
        self.spend_account_budget(&account_key(email.as_ref()))
            .await?;
        let service = self.clone();
        let client = client.clone();
        self.tasks.spawn(Box::pin(async move {
            if let Err(err) = service.send_reset(&client, &email).await {
                tracing::error!(error = %err, "a password reset mail could not be issued");
            }
        }));
        Ok(())
    }

    async fn send_reset(&self, client: &ClientInfo, email: &Email) -> Result<(), AccountError> {
        let Some(user) = self.auth.ports.users.find_by_email(email).await? else {
            tracing::info!("password reset asked for an address no account has");
            return Ok(());
        };
        let now = self.auth.ports.clock.now();
        let event = client
            .audit(AuditAction::PasswordResetRequested, None, now)
            .with_target(user.id());
        self.mail
            .send_token(&user, TokenPurpose::ResetPassword, email, Some(&event))
            .await?;
        Ok(())
    }

    /// Sets a new password with a reset token: every session of the account ends, its
    /// lock-outs are cleared, every reset token of it dies, and it gets a "password changed" mail.
    #[tracing::instrument(skip_all)]
    pub async fn reset_password(
        &self,
        client: &ClientInfo,
        token: &str,
        new_password: Password,
    ) -> Result<(), AccountError> {
        let digest = digest_of(token).ok_or(AccountError::InvalidToken)?;
        let tokens = &self.mail.tokens;
        let now = self.auth.ports.clock.now();
        // Looked at first and taken only once the password passes, so a weak one does not
        // spend the mail.
        let found = tokens
            .find(TokenPurpose::ResetPassword, &digest, now)
            .await?
            .ok_or(AccountError::InvalidToken)?;
        let mut user = self.user(found.user, AccountError::InvalidToken).await?;
        let Some(email) = user.email().cloned().filter(|e| *e == found.address) else {
            return Err(AccountError::InvalidToken);
        };
        let account_words = [user.username().as_ref(), email.as_ref()];
        let hash = self
            .auth
            .ports
            .hash_new_password(&new_password, &account_words)
            .await?
            .map_err(AccountError::WeakPassword)?;
        if tokens
            .take(
                TokenPurpose::ResetPassword,
                &digest,
                self.auth.ports.clock.now(),
            )
            .await?
            .is_none()
        {
            return Err(AccountError::InvalidToken);
        }
        let seen = user.updated_at();
        let now = self.auth.ports.clock.now();
        user.change_password(hash, now);
        let action = AuditAction::PasswordResetCompleted;
        let revoke = Some(TokenPurpose::ResetPassword);
        self.save_token_change(client, &user, seen, now, action, revoke)
            .await?;
        let ended = self
            .auth
            .ports
            .sessions
            .delete_all_for_user(user.id())
            .await?;
        self.auth
            .ports
            .attempts
            .clear(&account_key(email.as_ref()))
            .await?;
        self.auth
            .ports
            .attempts
            .clear(&reauthentication_bucket(user.id()))
            .await?;
        tracing::info!(user_id = %user.id(), sessions_ended = ended, "password reset");
        let mail = self
            .mail
            .templates()
            .password_changed(&email, user.username());
        self.mail.queue(mail).await;
        Ok(())
    }
}
