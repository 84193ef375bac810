//! How a user account is shown.

use chrono::{DateTime, Utc};
use domain::{Role, User};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RoleName {
    User,
    Moderator,
    Admin,
}

impl From<Role> for RoleName {
    fn from(role: Role) -> Self {
        match role {
            Role::User => RoleName::User,
            Role::Moderator => RoleName::Moderator,
            Role::Admin => RoleName::Admin,
        }
    }
}

/// The full account, as its owner sees it. Never includes the password hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserResponse {
    pub id: Uuid,
    #[schema(example = "ada_lovelace")]
    pub username: String,
    #[schema(example = "ada@example.com")]
    pub email: String,
    pub roles: Vec<RoleName>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&User> for UserResponse {
    fn from(user: &User) -> Self {
        Self {
            id: user.id().as_uuid(),
            username: user.username().as_ref().to_owned(),
            email: user.email().as_ref().to_owned(),
            roles: user.roles().iter().copied().map(RoleName::from).collect(),
            created_at: user.created_at(),
            updated_at: user.updated_at(),
        }
    }
}
