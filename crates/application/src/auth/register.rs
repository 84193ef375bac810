//! Opening an account.

use domain::{AuditAction, User};
use thiserror::Error;

use super::{AuthService, NewAccount};
use crate::{ClientInfo, RepositoryError, UniqueField};

/// What a registration takes.
pub type RegisterInput = NewAccount;

crate::use_case_error! {
    #[derive(Debug, Error)]
    pub enum RegisterError {
        #[error("the username is already taken")]
        UsernameTaken,
        #[error("the email is already registered")]
        EmailTaken,
        #[error("the password {0}")]
        WeakPassword(crate::ports::WeakPassword),
    }
    repository: {
        RepositoryError::Duplicate(UniqueField::Username) => Self::UsernameTaken,
        RepositoryError::Duplicate(UniqueField::Email) => Self::EmailTaken,
    }
}

impl AuthService {
    #[tracing::instrument(skip_all, fields(username = %input.username.as_ref()))]
    pub async fn register(
        &self,
        client: &ClientInfo,
        input: RegisterInput,
    ) -> Result<User, RegisterError> {
        let audit = |id, now| {
            client
                .audit(AuditAction::AccountRegistered, Some(id), now)
                .with_target(id)
        };
        self.ports
            .open_account(input, Vec::new(), audit)
            .await?
            .map_err(RegisterError::WeakPassword)
    }
}
