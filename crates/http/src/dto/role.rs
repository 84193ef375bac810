//! Roles and the permissions they grant.

use application::users::RoleGrant;
use serde::Serialize;
use utoipa::ToSchema;

use super::user::RoleName;

#[derive(Debug, Serialize, ToSchema)]
pub struct RoleResponse {
    pub name: RoleName,
    /// What the role grants on its own, e.g. `posts:update:own` (every account also holds `user`).
    pub permissions: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoleList {
    pub items: Vec<RoleResponse>,
}

impl From<RoleGrant> for RoleResponse {
    fn from(grant: RoleGrant) -> Self {
        Self {
            name: grant.role.into(),
            permissions: grant
                .permissions
                .iter()
                .map(|p| p.name().to_owned())
                .collect(),
        }
    }
}
