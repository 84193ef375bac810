//! The account lifecycle through mail: registration with a verification mail, verifying an
//! address, resetting a forgotten password, confirming an email change.

mod email_change;
mod reset;
mod verification;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use domain::{AuditAction, User, UserId};
use thiserror::Error;

use crate::{
    ClientInfo, RepositoryError, UniqueField,
    auth::AuthService,
    mail::AccountMail,
    ports::{TaskSpawner, TokenPurpose},
    throttle::Throttle,
};

crate::use_case_error! {
    /// What can go wrong in the account lifecycle.
    #[derive(Debug, Error)]
    pub enum AccountError {
        /// Unknown, expired, used, or for an address the account no longer has: one answer for all.
        #[error("the token is invalid or expired")]
        InvalidToken,
        #[error("the new password {0}")]
        WeakPassword(crate::ports::WeakPassword),
        #[error("the email is already registered")]
        EmailTaken,
        /// The action needs a verified address (`REQUIRE_VERIFIED_EMAIL`).
        #[error("the account's email address is not verified")]
        EmailNotVerified,
        /// The target account's authentication budget is spent.
        #[error("too many requests for this account; retry in {retry_after:?}")]
        RateLimited { retry_after: std::time::Duration },
        #[error("the account no longer exists")]
        Gone,
    }
    repository: {
        RepositoryError::Duplicate(UniqueField::Email) => Self::EmailTaken,
    }
}

#[derive(Clone)]
pub struct AccountService {
    /// Where a password reset's look-up and mail run, off the request path.
    tasks: Arc<dyn TaskSpawner>,
    mail: AccountMail,
    auth: AuthService,
    throttle: Throttle,
    require_verified_email: bool,
}

impl AccountService {
    pub fn new(
        tasks: Arc<dyn TaskSpawner>,
        mail: AccountMail,
        auth: AuthService,
        throttle: Throttle,
        require_verified_email: bool,
    ) -> Self {
        Self {
            tasks,
            mail,
            auth,
            throttle,
            require_verified_email,
        }
    }

    /// Spends one request of the target account's authentication budget (beside the client's,
    /// which the route spends): many clients cannot flood one account with mail.
    async fn spend_account_budget(&self, account: &str) -> Result<(), AccountError> {
        let verdict = self
            .throttle
            .spend(
                crate::throttle::Scope::Authentication,
                &format!("account:{account}"),
            )
            .await?;
        match verdict.retry_after() {
            Some(retry_after) => Err(AccountError::RateLimited { retry_after }),
            None => Ok(()),
        }
    }

    /// The account `id`, or `missing` when there is none.
    async fn user(&self, id: UserId, missing: AccountError) -> Result<User, AccountError> {
        self.auth.ports.users.find_by_id(id).await?.ok_or(missing)
    }

    /// Saves a change a mailed token made at `now` to `user` (last seen at `seen`) with its
    /// audit event, then revokes the account's other tokens of `revoke`. A write that lost a race
    /// answers `InvalidToken`: the account changed in between (its address may be another one).
    async fn save_token_change(
        &self,
        client: &ClientInfo,
        user: &User,
        seen: DateTime<Utc>,
        now: DateTime<Utc>,
        action: AuditAction,
        revoke: Option<TokenPurpose>,
    ) -> Result<(), AccountError> {
        let event = client
            .audit(action, Some(user.id()), now)
            .with_target(user.id());
        if !self
            .auth
            .ports
            .users
            .update(user, Some(seen), Some(&event))
            .await?
        {
            return Err(AccountError::InvalidToken);
        }
        if let Some(purpose) = revoke {
            self.mail.tokens.revoke_all(user.id(), purpose).await?;
        }
        Ok(())
    }

    /// With `REQUIRE_VERIFIED_EMAIL`, refuses accounts whose address is not verified.
    pub async fn ensure_may_publish(&self, actor: &crate::Actor) -> Result<(), AccountError> {
        if !self.require_verified_email {
            return Ok(());
        }
        let user = self.user(actor.user_id, AccountError::Gone).await?;
        if user.email_verified() {
            Ok(())
        } else {
            Err(AccountError::EmailNotVerified)
        }
    }
}
