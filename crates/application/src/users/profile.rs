//! The caller's own account.

use domain::User;
use thiserror::Error;

use super::UserService;
use crate::{Actor, DependencyError};

#[derive(Debug, Error)]
pub enum ProfileError {
    /// The account was deleted while a session still pointed at it.
    #[error("the account no longer exists")]
    Gone,
    #[error(transparent)]
    Dependency(#[from] DependencyError),
}

crate::repository_errors_are_dependency_failures!(ProfileError);

impl UserService {
    pub async fn me(&self, actor: &Actor) -> Result<User, ProfileError> {
        self.users
            .find_by_id(actor.user_id)
            .await?
            .ok_or(ProfileError::Gone)
    }
}
