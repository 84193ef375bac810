//! How a user account is shown.

use application::views::UserView;
use chrono::{DateTime, Utc};
use domain::{Email, Password, Role, User, Username};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::page::listed;
use crate::error::{ApiError, FieldError};

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
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

impl From<RoleName> for Role {
    fn from(role: RoleName) -> Self {
        match role {
            RoleName::User => Role::User,
            RoleName::Moderator => Role::Moderator,
            RoleName::Admin => Role::Admin,
        }
    }
}

/// The full account, as its owner sees it. Never includes the password hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserResponse {
    pub id: Uuid,
    #[schema(example = "ada_lovelace")]
    pub username: String,
    /// `null` when the stored address cannot be read by this version (see
    /// `email_unreadable`).
    #[schema(example = "ada@example.com", required = true)]
    pub email: Option<String>,
    /// Present and `true` only when the stored address cannot be read (written by an earlier
    /// version under looser rules, or under a key that is gone): the account can still be
    /// listed, shown and deleted, and an email change repairs it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    #[schema(nullable = false)]
    pub email_unreadable: bool,
    /// Whether the owner proved they read mail at `email` (a link mailed there came back).
    pub email_verified: bool,
    pub roles: Vec<RoleName>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&User> for UserResponse {
    fn from(user: &User) -> Self {
        Self {
            id: user.id().as_uuid(),
            username: user.username().as_ref().to_owned(),
            email: user.email().map(|e| e.as_ref().to_owned()),
            email_unreadable: user.email().is_none(),
            email_verified: user.email_verified(),
            roles: user.roles().iter().copied().map(RoleName::from).collect(),
            created_at: user.created_at(),
            updated_at: user.updated_at(),
        }
    }
}

/// An account as the caller may see it: `email`, `roles` and `updated_at` only for the user
/// themself and administrators.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserProfile {
    pub id: Uuid,
    pub username: String,
    pub created_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub email: Option<String>,
    /// Present and `true` only in the full record, when the stored address cannot be read
    /// (written by an earlier version under looser rules, or under a key that is gone); then
    /// `email` is absent. Such an account can still be listed, shown and deleted.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    #[schema(nullable = false)]
    pub email_unreadable: bool,
    /// In the full record: whether the owner proved they read mail at `email`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub email_verified: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub roles: Option<Vec<RoleName>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub updated_at: Option<DateTime<Utc>>,
}

impl From<&UserView> for UserProfile {
    fn from(view: &UserView) -> Self {
        let user = view.user();
        let full = matches!(view, UserView::Full(_));
        Self {
            id: user.id().as_uuid(),
            username: user.username().as_ref().to_owned(),
            created_at: user.created_at(),
            email: full
                .then(|| user.email().map(|e| e.as_ref().to_owned()))
                .flatten(),
            email_unreadable: full && user.email().is_none(),
            email_verified: full.then(|| user.email_verified()),
            roles: full.then(|| user.roles().iter().copied().map(RoleName::from).collect()),
            updated_at: full.then(|| user.updated_at()),
        }
    }
}

listed!(UserProfile => UserPage, "One page of accounts, newest first.");

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserFilterParams {
    /// Username prefix, case-insensitive: up to 200 characters, no control characters but
    /// newline and tab.
    #[param(
        max_length = 200,
        pattern = "^[^\\u0000-\\u0008\\u000B-\\u001F\\u007F-\\u009F]*$"
    )]
    pub q: Option<String>,
    /// Exact email, case-insensitive.
    pub email: Option<String>,
    /// Only holders of this role.
    pub role: Option<RoleName>,
}

/// Change username and/or email: at least one field. Changing your own email needs
/// `current_password`. Roles are not changed here (see `PUT /api/users/{id}/roles`): a `roles`
/// field is refused.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(min_properties = 1)]
pub struct UpdateUserRequest {
    /// As at registration: 3 to 50 characters of ASCII letters, digits, `_`, `-`, `.`.
    #[schema(
        min_length = 3,
        max_length = 50,
        pattern = "^[A-Za-z0-9][A-Za-z0-9_.-]*$"
    )]
    #[schema(nullable = false)]
    pub username: Option<String>,
    #[schema(min_length = 5, nullable = false)]
    pub email: Option<String>,
    #[schema(nullable = false)]
    pub current_password: Option<String>,
}

impl UpdateUserRequest {
    pub fn into_update(self) -> Result<application::users::ProfileUpdate, ApiError> {
        let mut errors = Vec::new();
        if self.username.is_none() && self.email.is_none() {
            errors.push(FieldError::new(
                "body",
                "give a username, an email, or both",
            ));
        }
        let username = match self.username.as_deref().map(Username::parse).transpose() {
            Ok(v) => v,
            Err(e) => {
                errors.push(FieldError::new("username", e));
                None
            }
        };
        let email = match self.email.as_deref().map(Email::parse).transpose() {
            Ok(v) => v,
            Err(e) => {
                errors.push(FieldError::new("email", e));
                None
            }
        };
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        Ok(application::users::ProfileUpdate {
            username,
            email,
            current_password: self.current_password,
        })
    }
}

/// Deleting one's own account: the current password, checked (and counted toward the
/// lock-out) like a login. Administrators deleting another account send no body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"password": "correct horse battery"}))]
pub struct DeleteAccountRequest {
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    /// 8 to 72 bytes. The schema can only bound characters: more than 72 is always too long.
    #[schema(max_length = 72)]
    pub new_password: String,
}

impl ChangePasswordRequest {
    pub fn new_password(&self) -> Result<Password, ApiError> {
        Password::parse(&self.new_password).map_err(|e| ApiError::invalid_field("new_password", e))
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"roles": ["user", "moderator"]}))]
pub struct SetRolesRequest {
    /// The complete set; `user` is always kept.
    pub roles: Vec<RoleName>,
}
