//! Bodies of the account lifecycle endpoints (email verification, password reset, email
//! change). Requests reject unknown fields.

use domain::{Email, Password};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;

/// A token from a mail's link.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"token": "q3kF0o6z1uBv6bPpX8m1S1q8pX2l6QyHcC0j9Yx3t7E"}))]
pub struct TokenRequest {
    /// The `token` parameter of the link in the mail.
    #[schema(max_length = 256)]
    pub token: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "ada@example.com"}))]
pub struct PasswordResetRequest {
    #[schema(min_length = 5)]
    pub email: String,
}

impl PasswordResetRequest {
    pub fn email(&self) -> Result<Email, ApiError> {
        Email::parse(&self.email).map_err(|e| ApiError::invalid_field("email", e))
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"token": "q3kF0o6z1uBv6bPpX8m1S1q8pX2l6QyHcC0j9Yx3t7E", "new_password": "a new correct horse"}))]
pub struct PasswordResetConfirmRequest {
    #[schema(max_length = 256)]
    pub token: String,
    /// 8 to 72 bytes, and not too easy to guess.
    #[schema(max_length = 72)]
    pub new_password: String,
}

impl PasswordResetConfirmRequest {
    pub fn new_password(&self) -> Result<Password, ApiError> {
        Password::parse(&self.new_password).map_err(|e| ApiError::invalid_field("new_password", e))
    }
}

/// The one answer to a reset request, whether or not the address has an account.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResetAccepted {
    #[schema(example = "If an account has this address, a reset link is on its way.")]
    pub message: &'static str,
}

impl ResetAccepted {
    pub const BODY: ResetAccepted = ResetAccepted {
        message: "If an account has this address, a reset link is on its way.",
    };
}
