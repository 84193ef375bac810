//! Creating an administrator from the command line (there is no route for it).

use domain::{AuditAction, AuditEvent, Role, User};
use thiserror::Error;

use super::UserService;
use crate::{RepositoryError, UniqueField};

/// What creating an administrator takes.
pub type CreateAdminInput = crate::auth::NewAccount;

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
        // From the command line: no actor, no client.
        let audit = |id, now| AuditEvent::new(AuditAction::AdminCreated, None, now).with_target(id);
        self.ports
            .open_account(input, vec![Role::Admin], audit)
            .await?
            .map_err(CreateAdminError::WeakPassword)
    }
}
