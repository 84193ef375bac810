//! The caller's own account.

use thiserror::Error;

use super::UserService;
use crate::{Actor, DependencyError, views::FullUser};

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
    /// The caller's full record: everyone may see their own.
    pub async fn me(&self, actor: &Actor) -> Result<FullUser, ProfileError> {
        self.ports
            .users
            .find_by_id(actor.user_id)
            .await?
            .map(FullUser::new)
            .ok_or(ProfileError::Gone)
    }
}
