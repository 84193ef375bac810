//! The caller's own account.

use thiserror::Error;

use super::UserService;
use crate::{Actor, views::FullUser};

crate::use_case_error! {
    #[derive(Debug, Error)]
    pub enum ProfileError {
        /// The account was deleted while a session still pointed at it.
        #[error("the account no longer exists")]
        Gone,
    }
}

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
