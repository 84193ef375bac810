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
    /// The caller's full record: everyone may see their own. Its roles are those the access
    /// check has just read (and the version tag covers them), so they are not read again.
    pub async fn me(&self, actor: &Actor) -> Result<FullUser, ProfileError> {
        self.ports
            .users
            .find_by_id_holding(actor.user_id, &actor.roles)
            .await?
            .map(FullUser::new)
            .ok_or(ProfileError::Gone)
    }
}
