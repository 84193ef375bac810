//! Reading accounts, and the roles there are: who sees what is decided here.

use domain::{Role, UserId};

use super::{UserError, UserService};
use crate::{
    Actor,
    authz::{Permission, UserAction, authorize_user, permissions_of},
    pagination::{Page, PageRequest},
    ports::UserFilter,
    views::UserView,
};

/// A role and what it grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleGrant {
    pub role: Role,
    pub permissions: Vec<Permission>,
}

impl UserService {
    /// Accounts as the caller may see them: full records for those allowed to read any
    /// account, public profiles for the rest (moderators), their own row included.
    pub async fn list(
        &self,
        actor: &Actor,
        filter: &UserFilter,
        page: &PageRequest,
    ) -> Result<Page<UserView>, UserError> {
        authorize_user(actor, UserAction::List, None)?;
        // A filter on a hidden field reads that field (who owns this address, who is an
        // admin): only those who may see full records may use one.
        if filter.email.is_some() || filter.role.is_some() {
            authorize_user(actor, UserAction::ReadFull, None)?;
        }
        let full = authorize_user(actor, UserAction::ReadFull, None).is_ok();
        Ok(self
            .ports
            .users
            .list(filter, page)
            .await?
            .map(|user| UserView::of(user, full)))
    }

    /// The full record for the user themself and admins; the public profile for the rest.
    pub async fn get(&self, actor: &Actor, id: UserId) -> Result<UserView, UserError> {
        let user = self.find(id).await?;
        let full = authorize_user(actor, UserAction::ReadFull, Some(id)).is_ok();
        Ok(UserView::of(user, full))
    }

    pub fn roles(&self, actor: &Actor) -> Result<Vec<RoleGrant>, UserError> {
        authorize_user(actor, UserAction::ListRoles, None)?;
        Ok(Role::ALL
            .into_iter()
            .map(|role| RoleGrant {
                role,
                permissions: permissions_of(role).to_vec(),
            })
            .collect())
    }
}
