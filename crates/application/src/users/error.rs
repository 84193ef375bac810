//! What can go wrong when reading or managing accounts.

use thiserror::Error;

use crate::{RepositoryError, UniqueField, authz::Forbidden};

crate::use_case_error! {
    #[derive(Debug, Error)]
    pub enum UserError {
        #[error("no such user")]
        NotFound,
        #[error(transparent)]
        Forbidden(#[from] Forbidden),
        #[error("the account changed since it was read")]
        PreconditionFailed,
        #[error("the username is already taken")]
        UsernameTaken,
        #[error("the email is already registered")]
        EmailTaken,
        #[error("changing your email or password requires your current password")]
        CurrentPasswordRequired,
        #[error("the current password is wrong")]
        InvalidCurrentPassword,
        /// Deleting one's own account needs the current password in the request.
        #[error("deleting your account requires your current password")]
        ReauthenticationRequired,
        /// Too many wrong current passwords for this account: refused before any is checked.
        #[error("password checks for this account are locked for {retry_after:?}")]
        LockedOut { retry_after: std::time::Duration },
        #[error("the new password {0}")]
        WeakPassword(crate::ports::WeakPassword),
        #[error("the last administrator cannot be removed")]
        LastAdmin,
    }
    repository: {
        RepositoryError::Duplicate(UniqueField::Username) => Self::UsernameTaken,
        RepositoryError::Duplicate(UniqueField::Email) => Self::EmailTaken,
    }
}
