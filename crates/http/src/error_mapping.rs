//! The one place where use-case errors become HTTP statuses and problem codes.

use actix_web::http::StatusCode;
use application::{
    auth::{AuthenticateError, LoginError, LogoutError, RefreshError, RegisterError, SessionError},
    users::ProfileError,
};

use crate::error::ApiError;

impl From<RegisterError> for ApiError {
    fn from(err: RegisterError) -> Self {
        match err {
            RegisterError::UsernameTaken => ApiError::new(
                StatusCode::CONFLICT,
                "username_taken",
                "Username taken",
                "That username is already taken.",
            ),
            RegisterError::EmailTaken => ApiError::new(
                StatusCode::CONFLICT,
                "email_taken",
                "Email taken",
                "An account with that email already exists.",
            ),
            RegisterError::Unexpected(e) => ApiError::internal(e),
        }
    }
}

impl From<LoginError> for ApiError {
    fn from(err: LoginError) -> Self {
        match err {
            LoginError::InvalidCredentials => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                "Invalid credentials",
                "The email or password is incorrect.",
            ),
            LoginError::Unexpected(e) => ApiError::internal(e),
        }
    }
}

impl From<RefreshError> for ApiError {
    fn from(err: RefreshError) -> Self {
        match err {
            RefreshError::InvalidToken => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_refresh_token",
                "Invalid refresh token",
                "The refresh token is invalid or expired. Log in again.",
            ),
            RefreshError::Reused => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "refresh_token_reused",
                "Refresh token reused",
                "This refresh token was already used; the session has been ended. Log in again.",
            ),
            RefreshError::Unexpected(e) => ApiError::internal(e),
        }
    }
}

impl From<AuthenticateError> for ApiError {
    fn from(err: AuthenticateError) -> Self {
        match err {
            AuthenticateError::InvalidToken => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "Invalid access token",
                "The access token is invalid or expired.",
            ),
            AuthenticateError::SessionEnded => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "session_revoked",
                "Session ended",
                "The session behind this token has ended. Log in again.",
            ),
            AuthenticateError::Unexpected(e) => ApiError::internal(e),
        }
    }
}

impl From<LogoutError> for ApiError {
    fn from(err: LogoutError) -> Self {
        match err {
            LogoutError::NotAuthenticated => {
                ApiError::unauthenticated("No live session matches the credentials sent.")
            }
            LogoutError::Unexpected(e) => ApiError::internal(e),
        }
    }
}

impl From<SessionError> for ApiError {
    fn from(err: SessionError) -> Self {
        match err {
            SessionError::NotFound => ApiError::not_found("No such session."),
            SessionError::Unexpected(e) => ApiError::internal(e),
        }
    }
}

impl From<ProfileError> for ApiError {
    fn from(err: ProfileError) -> Self {
        match err {
            ProfileError::Gone => ApiError::unauthenticated("The account no longer exists."),
            ProfileError::Unexpected(e) => ApiError::internal(e),
        }
    }
}
