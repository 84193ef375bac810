//! Single-use tokens sent by mail.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{AuditEvent, Email, TokenDigest, UserId};

use crate::RepositoryError;

/// What a single-use account token proves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    VerifyEmail,
    ResetPassword,
    ChangeEmail,
}

impl TokenPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::VerifyEmail => "verify_email",
            TokenPurpose::ResetPassword => "reset_password",
            TokenPurpose::ChangeEmail => "change_email",
        }
    }
}

/// A token sent by mail, as stored: only its digest, and the address it was sent to (for
/// `ChangeEmail`, the new address).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountToken {
    pub digest: TokenDigest,
    pub user: UserId,
    pub purpose: TokenPurpose,
    pub address: Email,
    pub expires_at: DateTime<Utc>,
}

/// Single-use tokens sent by mail (verification, password reset, email change).
#[async_trait]
pub trait AccountTokens: Send + Sync {
    /// Stores `token`; with `audit`, appends it in the same transaction. MUST store the address
    /// protected like other personal data, and never the token itself.
    async fn insert(
        &self,
        token: &AccountToken,
        audit: Option<&AuditEvent>,
    ) -> Result<(), RepositoryError>;

    /// The live token with this digest and purpose, left in place; `None` when there is none
    /// or it has expired at `now`.
    async fn find(
        &self,
        purpose: TokenPurpose,
        digest: &TokenDigest,
        now: DateTime<Utc>,
    ) -> Result<Option<AccountToken>, RepositoryError>;

    /// Like `find`, and removes the token in the same atomic step: of concurrent takes of one
    /// token, at most one gets it.
    async fn take(
        &self,
        purpose: TokenPurpose,
        digest: &TokenDigest,
        now: DateTime<Utc>,
    ) -> Result<Option<AccountToken>, RepositoryError>;

    /// Removes every token of `user` for `purpose`; says how many there were.
    async fn revoke_all(&self, user: UserId, purpose: TokenPurpose)
    -> Result<u64, RepositoryError>;
}
