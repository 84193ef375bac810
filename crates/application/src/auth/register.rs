//! Opening an account.

use domain::{AuditAction, Email, Password, User, UserId, Username};
use thiserror::Error;
use uuid::Uuid;

use super::AuthService;
use crate::{ClientInfo, RepositoryError, UniqueField};

#[derive(Debug)]
pub struct RegisterInput {
    pub username: Username,
    pub email: Email,
    pub password: Password,
}

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
        let account_words = [input.username.as_ref(), input.email.as_ref()];
        let hash = self
            .ports
            .hash_new_password(&input.password, &account_words)
            .await?
            .map_err(RegisterError::WeakPassword)?;
        let now = self.ports.clock.now();
        let id = UserId::from_uuid(Uuid::now_v7());
        let user = User::register(id, input.username, input.email, hash, now);
        let event = client
            .audit(AuditAction::AccountRegistered, Some(id), now)
            .with_target(id);
        self.ports.users.insert(&user, &event).await?;
        tracing::info!(user_id = %user.id(), "account registered");
        Ok(user)
    }
}
