//! The one place where use-case errors become HTTP statuses and problem codes.

use application::{
    audit::AuditError,
    auth::{AuthenticateError, LoginError, LogoutError, RefreshError, RegisterError, SessionError},
    comments::CommentError,
    posts::PostError,
    users::{ProfileError, UserError},
};

use crate::error::{ApiError, FieldError, ProblemCode};

/// 422 on the field that carried the password, with zxcvbn's reason, for frontends to show.
fn weak_password(field: &str, weak: application::ports::WeakPassword) -> ApiError {
    ApiError::validation(vec![FieldError {
        field: field.into(),
        message: weak.0,
    }])
}

impl From<RegisterError> for ApiError {
    fn from(err: RegisterError) -> Self {
        match err {
            RegisterError::UsernameTaken => ApiError::new(
                ProblemCode::UsernameTaken,
                "That username is already taken.",
            ),
            RegisterError::EmailTaken => ApiError::new(
                ProblemCode::EmailTaken,
                "An account with that email already exists.",
            ),
            RegisterError::WeakPassword(weak) => weak_password("password", weak),
            RegisterError::Unexpected(e) => ApiError::internal(e),
        }
    }
}

impl From<LoginError> for ApiError {
    fn from(err: LoginError) -> Self {
        match err {
            LoginError::InvalidCredentials => ApiError::new(
                ProblemCode::InvalidCredentials,
                "The email or password is incorrect.",
            ),
            LoginError::LockedOut { retry_after } => ApiError::rate_limited(
                "Too many failed logins for this account. Retry later.",
                retry_after,
            ),
            LoginError::Unexpected(e) => ApiError::internal(e),
        }
    }
}

impl From<RefreshError> for ApiError {
    fn from(err: RefreshError) -> Self {
        match err {
            RefreshError::InvalidToken => ApiError::new(
                ProblemCode::InvalidRefreshToken,
                "The refresh token is invalid or expired. Log in again.",
            ),
            RefreshError::Reused => ApiError::new(
                ProblemCode::RefreshTokenReused,
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
                ProblemCode::InvalidToken,
                "The access token is invalid or expired.",
            ),
            AuthenticateError::SessionEnded => ApiError::new(
                ProblemCode::SessionRevoked,
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

fn forbidden() -> ApiError {
    ApiError::new(ProblemCode::Forbidden, "You may not do this.")
}

fn precondition_failed() -> ApiError {
    ApiError::new(
        ProblemCode::PreconditionFailed,
        "The resource changed since you read it (If-Match did not match). Read it again.",
    )
}

impl From<AuditError> for ApiError {
    fn from(err: AuditError) -> Self {
        match err {
            AuditError::Forbidden(_) => forbidden(),
            AuditError::Unexpected(e) => ApiError::internal(e),
        }
    }
}

impl From<PostError> for ApiError {
    fn from(err: PostError) -> Self {
        match err {
            PostError::NotFound => ApiError::not_found("No such post."),
            PostError::Forbidden(_) => forbidden(),
            PostError::PreconditionFailed => precondition_failed(),
            PostError::Unexpected(e) => ApiError::internal(e),
        }
    }
}

impl From<CommentError> for ApiError {
    fn from(err: CommentError) -> Self {
        match err {
            CommentError::PostNotFound => ApiError::not_found("No such post."),
            CommentError::NotFound => ApiError::not_found("No such comment."),
            CommentError::Forbidden(_) => forbidden(),
            CommentError::PreconditionFailed => precondition_failed(),
            CommentError::Unexpected(e) => ApiError::internal(e),
        }
    }
}

impl From<UserError> for ApiError {
    fn from(err: UserError) -> Self {
        match err {
            UserError::NotFound => ApiError::not_found("No such user."),
            UserError::Forbidden(_) => forbidden(),
            UserError::PreconditionFailed => precondition_failed(),
            UserError::UsernameTaken => RegisterError::UsernameTaken.into(),
            UserError::EmailTaken => RegisterError::EmailTaken.into(),
            UserError::CurrentPasswordRequired => ApiError::validation(vec![FieldError {
                field: "current_password".into(),
                message: "required to change your email or password".into(),
            }]),
            UserError::InvalidCurrentPassword => ApiError::new(
                ProblemCode::InvalidCurrentPassword,
                "The current password is incorrect.",
            ),
            UserError::ReauthenticationRequired => ApiError::new(
                ProblemCode::ReauthenticationRequired,
                "Send your current password as {\"password\": ...} to delete your own account.",
            ),
            UserError::LockedOut { retry_after } => ApiError::rate_limited(
                "Too many wrong current passwords for this account. Retry later.",
                retry_after,
            ),
            UserError::WeakPassword(weak) => weak_password("new_password", weak),
            UserError::LastAdmin => {
                ApiError::new(ProblemCode::LastAdmin, "This would leave no administrator.")
            }
            UserError::Unexpected(e) => ApiError::internal(e),
        }
    }
}
