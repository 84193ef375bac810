//! The caller's own account.

use domain::User;
use thiserror::Error;

use super::UserService;
use crate::{Actor, RepositoryError};

#[derive(Debug, Error)]
pub enum ProfileError {
    /// The account was deleted while a session still pointed at it.
    #[error("the account no longer exists")]
    Gone,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<RepositoryError> for ProfileError {
    fn from(err: RepositoryError) -> Self {
        Self::Unexpected(err.into())
    }
}

impl UserService {
    pub async fn me(&self, actor: &Actor) -> Result<User, ProfileError> {
        self.users
            .find_by_id(actor.user_id)
            .await?
            .ok_or(ProfileError::Gone)
    }
}
