//! Creating an administrator from the command line (there is no route for it).

use domain::{AuditAction, AuditEvent, Email, Password, Role, User, UserId, Username};
use thiserror::Error;
use uuid::Uuid;

use super::UserService;
use crate::{RepositoryError, UniqueField};

#[derive(Debug)]
pub struct CreateAdminInput {
    pub username: Username,
    pub email: Email,
    pub password: Password,
}

crate::use_case_error! {
    #[derive(Debug, Error)]
    pub enum CreateAdminError {
        #[error("{0} is already taken")]
        Taken(UniqueField),
        #[error("the password {0}")]
        WeakPassword(crate::ports::WeakPassword),
    }
    repository: {
        RepositoryError::Duplicate(field) => Self::Taken(field),
    }
}

impl UserService {
    pub async fn create_admin(&self, input: CreateAdminInput) -> Result<User, CreateAdminError> {
        let account_words = [input.username.as_ref(), input.email.as_ref()];
        let hash = self
            .ports
            .hash_new_password(&input.password, &account_words)
            .await?
            .map_err(CreateAdminError::WeakPassword)?;
        let now = self.ports.clock.now();
        let id = UserId::from_uuid(Uuid::now_v7());
        let user = User::with_roles(
            id,
            input.username,
            input.email,
            hash,
            vec![Role::Admin],
            now,
        );
        // From the command line: no actor, no client.
        let event = AuditEvent::new(AuditAction::AdminCreated, None, now).with_target(id);
        self.ports.users.insert(&user, &event).await?;
        tracing::info!(user_id = %user.id(), "administrator created");
        Ok(user)
    }
}
