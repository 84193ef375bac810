//! Mail an account is sent (verification, password reset, email change): single-use tokens,
//! the templates, queueing after the change commits, and the delivery task's work.

mod delivery;
mod templates;
mod tokens;

use std::sync::Arc;

use chrono::Duration;
use domain::{AuditEvent, Email, User};

use crate::{
    RepositoryError,
    ports::{AccountToken, AccountTokens, Clock, Mail, MailOutbox, TokenPurpose},
};

pub use delivery::{DeliveryReport, MailDelivery, RetryPolicy};
pub use templates::Templates;
pub use tokens::{digest_of, new_token};

/// How account mail is made.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// The frontend the links in mails point to, without a trailing slash.
    pub public_base_url: String,
    pub email_token_ttl: Duration,
    pub password_reset_ttl: Duration,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            public_base_url: "http://localhost:8080".into(),
            email_token_ttl: Duration::hours(24),
            password_reset_ttl: Duration::hours(1),
        }
    }
}

/// Issues tokens and queues mail: shared by the services that send account mail. Plain
/// fields, no constructor: nothing here has an invariant to keep.
#[derive(Clone)]
pub struct AccountMail {
    /// Issues the single-use tokens the links carry (only their digests are stored).
    pub tokens: Arc<dyn AccountTokens>,
    /// Mail is queued in the change's request and sent by `MailDelivery` later.
    pub outbox: Arc<dyn MailOutbox>,
    pub clock: Arc<dyn Clock>,
    /// Token lifetimes and the frontend the links point to.
    pub settings: MailSettings,
}

impl AccountMail {
    /// The mails, with links to `settings.public_base_url`.
    pub fn templates(&self) -> Templates {
        Templates::new(&self.settings.public_base_url)
    }

    fn ttl(&self, purpose: TokenPurpose) -> Duration {
        match purpose {
            TokenPurpose::ResetPassword => self.settings.password_reset_ttl,
            TokenPurpose::VerifyEmail | TokenPurpose::ChangeEmail => self.settings.email_token_ttl,
        }
    }

    /// Mails `user` a new token for `purpose` at `address`, with the template for that purpose
    /// (verification, password reset, email change). Earlier tokens of the account for the
    /// same purpose die, so only the latest mail works; `audit`, when given, is stored with the
    /// token. The token in the clear goes into the mail and nowhere else.
    pub async fn send_token(
        &self,
        user: &User,
        purpose: TokenPurpose,
        address: &Email,
        audit: Option<&AuditEvent>,
    ) -> Result<(), RepositoryError> {
        self.tokens.revoke_all(user.id(), purpose).await?;
        let (secret, digest) = new_token();
        let token = AccountToken {
            digest,
            user: user.id(),
            purpose,
            address: address.clone(),
            expires_at: self.clock.now() + self.ttl(purpose),
        };
        self.tokens.insert(&token, audit).await?;
        let render = match purpose {
            TokenPurpose::VerifyEmail => Templates::verification,
            TokenPurpose::ResetPassword => Templates::password_reset,
            TokenPurpose::ChangeEmail => Templates::email_change_confirmation,
        };
        self.queue(render(&self.templates(), address, user.username(), &secret))
            .await;
        Ok(())
    }

    /// Queues `mail` for the delivery task. Called once the account change has committed, so
    /// a failure here never undoes it: it is logged (the mail is lost, the change is kept).
    pub async fn queue(&self, mail: Mail) {
        let subject = mail.subject.clone();
        if let Err(err) = self.outbox.enqueue(&mail, self.clock.now()).await {
            tracing::error!(
                subject,
                error = ?anyhow::Error::from(err),
                "a mail could not be queued; the account change is kept"
            );
        }
    }
}
