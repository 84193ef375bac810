//! Bodies of the authentication endpoints. Requests reject unknown fields, so client typos
//! surface as 422 instead of being ignored.

use application::auth::{
    DeviceToken, IssuedTokens, LoginInput, RegisterInput, expose_refresh_token,
};
use domain::{Email, Password, Username};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::user::UserResponse;
use crate::error::{ApiError, FieldError};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "ada_lovelace", "email": "ada@example.com", "password": "correct horse battery"}))]
pub struct RegisterRequest {
    /// 3 to 50 characters: ASCII letters, digits, `_`, `-`, `.`; starts with a letter or digit.
    #[schema(
        min_length = 3,
        max_length = 50,
        pattern = "^[A-Za-z0-9][A-Za-z0-9_.-]*$"
    )]
    pub username: String,
    /// Stored normalised (Unicode NFC, lower-cased, the domain in its ASCII IDNA form, e.g.
    /// `xn--bcher-kva.de` for `bücher.de`); unique in that form, and the normalised address
    /// must itself be valid (at most 255 bytes, 64 before the `@`).
    #[schema(min_length = 5)]
    pub email: String,
    /// 8 to 72 bytes (bcrypt's limit: longer passwords are refused, never cut). The schema can
    /// only bound characters: more than 72 is always too long.
    #[schema(max_length = 72)]
    pub password: String,
}

impl RegisterRequest {
    /// Parses every field and reports all the invalid ones at once.
    pub fn into_input(self) -> Result<RegisterInput, ApiError> {
        let mut errors = Vec::new();
        let mut check = |field: &str, result: Result<(), String>| {
            if let Err(message) = result {
                errors.push(FieldError::new(field, message));
            }
        };
        let username = Username::parse(&self.username);
        let email = Email::parse(&self.email);
        let password = Password::parse(&self.password);
        check(
            "username",
            username.as_ref().map(|_| ()).map_err(|e| e.to_string()),
        );
        check(
            "email",
            email.as_ref().map(|_| ()).map_err(|e| e.to_string()),
        );
        check(
            "password",
            password.as_ref().map(|_| ()).map_err(|e| e.to_string()),
        );
        match (username, email, password) {
            (Ok(username), Ok(email), Ok(password)) => Ok(RegisterInput {
                username,
                email,
                password,
            }),
            _ => Err(ApiError::validation(errors)),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "ada@example.com", "password": "correct horse battery"}))]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    /// Native (non-browser) clients only: also return the refresh token in the body.
    /// Refused with 400 when the request carries an `Origin` header, i.e. comes from a browser.
    #[serde(default)]
    pub include_refresh_token: bool,
}

impl LoginRequest {
    /// `device`: the value of the client's device cookie, if it sent one.
    pub fn into_input(self, device: Option<String>) -> LoginInput {
        LoginInput {
            email: self.email,
            password: self.password,
            device: device.map(DeviceToken),
        }
    }
}

/// For clients that do not use cookies: the refresh token in the body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub enum TokenType {
    Bearer,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// A JWT for `Authorization: Bearer`; also set as the `access_token` cookie.
    pub access_token: String,
    pub token_type: TokenType,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    pub expires_in: i64,
    /// Send it back as `X-CSRF-Token` on unsafe requests authenticated by cookie.
    pub csrf_token: String,
    /// Only for native clients that asked for it (login) or sent it in the body (refresh).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub refresh_token: Option<String>,
    pub user: UserResponse,
}

impl TokenResponse {
    pub fn new(tokens: &IssuedTokens, csrf_token: String, with_refresh_token: bool) -> Self {
        Self {
            access_token: tokens.access_token.clone(),
            token_type: TokenType::Bearer,
            expires_in: tokens.expires_in.num_seconds(),
            csrf_token,
            refresh_token: with_refresh_token
                .then(|| expose_refresh_token(&tokens.refresh_token).to_owned()),
            user: UserResponse::from(&tokens.user),
        }
    }
}
