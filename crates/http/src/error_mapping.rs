//! The one place where use-case errors become HTTP statuses and problem codes.

use application::{
    DependencyError,
    account::AccountError,
    audit::AuditError,
    auth::{AuthenticateError, LoginError, LogoutError, RefreshError, RegisterError, SessionError},
    comments::CommentError,
    posts::PostError,
    users::{ProfileError, UserError},
};

use crate::error::{ApiError, FieldError, ProblemCode};

/// A failing dependency, whichever use case met it: an outage is 503 `service_unavailable` with
/// `Retry-After` (the client may retry), anything else a 500 `internal_error`. The cause chain
/// goes to the log either way, never to the client.
impl From<DependencyError> for ApiError {
    fn from(err: DependencyError) -> Self {
        match err {
            DependencyError::Unavailable(cause) => ApiError::unavailable(cause),
            DependencyError::Bug(cause) => ApiError::internal(cause),
        }
    }
}

/// 422 on the field that carried the password, with zxcvbn's reason, for frontends to show.
fn weak_password(field: &str, weak: application::ports::WeakPassword) -> ApiError {
    ApiError::validation(vec![FieldError {
        field: field.into(),
        message: weak.0,
    }])
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

/// Declares `From<E> for ApiError` for each use-case error `E` of one table: the answer to each
/// of its own outcomes, and its `Dependency` by the mapping above.
macro_rules! answers {
    ($($error:ident { $($outcome:pat => $answer:expr,)+ })+) => {$(
        impl From<$error> for ApiError {
            fn from(err: $error) -> Self {
                match err {
                    $($outcome => $answer,)+
                    $error::Dependency(e) => e.into(),
                }
            }
        }
    )+};
}

answers! {
    RegisterError {
        RegisterError::UsernameTaken => ApiError::new(ProblemCode::UsernameTaken, "That username is already taken."),
        RegisterError::EmailTaken => ApiError::new(ProblemCode::EmailTaken, "An account with that email already exists."),
        RegisterError::WeakPassword(weak) => weak_password("password", weak),
    }
    AccountError {
        AccountError::InvalidToken => ApiError::new(ProblemCode::InvalidAccountToken, "This link is invalid or has expired. Ask for a new one."),
        AccountError::WeakPassword(weak) => weak_password("new_password", weak),
        AccountError::EmailTaken => RegisterError::EmailTaken.into(),
        AccountError::EmailNotVerified => ApiError::new(ProblemCode::EmailNotVerified, "Verify your email address first: follow the link in the mail we sent."),
        AccountError::RateLimited { retry_after } => ApiError::rate_limited("Too many requests for this account. Retry later.", retry_after),
        AccountError::Gone => ApiError::unauthenticated("The account no longer exists."),
    }
    LoginError {
        LoginError::InvalidCredentials => ApiError::new(ProblemCode::InvalidCredentials, "The email or password is incorrect."),
        LoginError::LockedOut { retry_after } => ApiError::rate_limited("Too many failed logins for this account. Retry later.", retry_after),
    }
    RefreshError {
        RefreshError::InvalidToken => ApiError::new(ProblemCode::InvalidRefreshToken, "The refresh token is invalid or expired. Log in again."),
        RefreshError::Reused => ApiError::new(ProblemCode::RefreshTokenReused, "This refresh token was already used; the session has been ended. Log in again."),
    }
    AuthenticateError {
        AuthenticateError::InvalidToken => ApiError::new(ProblemCode::InvalidToken, "The access token is invalid or expired."),
        AuthenticateError::SessionEnded => ApiError::new(ProblemCode::SessionRevoked, "The session behind this token has ended. Log in again."),
    }
    LogoutError {
        LogoutError::NotAuthenticated => ApiError::unauthenticated("No live session matches the credentials sent."),
    }
    SessionError {
        SessionError::NotFound => ApiError::not_found("No such session."),
    }
    ProfileError {
        ProfileError::Gone => ApiError::unauthenticated("The account no longer exists."),
    }
    AuditError {
        AuditError::Forbidden(_) => forbidden(),
    }
    PostError {
        PostError::NotFound => ApiError::not_found("No such post."),
        PostError::Forbidden(_) => forbidden(),
        PostError::PreconditionFailed => precondition_failed(),
    }
    CommentError {
        CommentError::PostNotFound => ApiError::not_found("No such post."),
        CommentError::NotFound => ApiError::not_found("No such comment."),
        CommentError::Forbidden(_) => forbidden(),
        CommentError::PreconditionFailed => precondition_failed(),
    }
    UserError {
        UserError::NotFound => ApiError::not_found("No such user."),
        UserError::Forbidden(_) => forbidden(),
        UserError::PreconditionFailed => precondition_failed(),
        UserError::UsernameTaken => RegisterError::UsernameTaken.into(),
        UserError::EmailTaken => RegisterError::EmailTaken.into(),
        UserError::CurrentPasswordRequired => ApiError::validation(vec![FieldError {
            field: "current_password".into(),
            message: "required to change your email or password".into(),
        }]),
        UserError::InvalidCurrentPassword => ApiError::new(ProblemCode::InvalidCurrentPassword, "The current password is incorrect."),
        UserError::ReauthenticationRequired => ApiError::new(ProblemCode::ReauthenticationRequired, "Send your current password as {\"password\": ...} to delete your own account."),
        UserError::LockedOut { retry_after } => ApiError::rate_limited("Too many wrong current passwords for this account. Retry later.", retry_after),
        UserError::WeakPassword(weak) => weak_password("new_password", weak),
        UserError::LastAdmin => ApiError::new(ProblemCode::LastAdmin, "This would leave no administrator."),
    }
}

#[cfg(test)]
mod tests {
    use actix_web::{ResponseError, body::MessageBody, http::header::RETRY_AFTER};
    use application::{HashingSaturated, RepositoryError, StoreError, UniqueField};

    use super::*;

    fn outage() -> DependencyError {
        DependencyError::Unavailable(anyhow::anyhow!("connection refused to 10.0.0.1"))
    }

    fn bug() -> DependencyError {
        DependencyError::Bug(anyhow::anyhow!("row 10.0.0.1 has no email"))
    }

    /// Status, `Retry-After` and body of the response `err` becomes.
    fn answer(err: impl Into<ApiError>) -> (u16, Option<String>, String) {
        let response = err.into().error_response();
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .map(|v| v.to_str().expect("ascii").to_owned());
        let body = match response.into_body().try_into_bytes() {
            Ok(bytes) => String::from_utf8(bytes.to_vec()).expect("utf-8"),
            Err(_) => panic!("a problem body is in memory"),
        };
        (status, retry_after, body)
    }

    #[test]
    fn an_unavailable_port_is_a_503_with_retry_after_from_every_use_case() {
        let answers = [
            answer(PostError::from(RepositoryError::Dependency(outage()))),
            answer(CommentError::from(RepositoryError::Dependency(outage()))),
            answer(UserError::from(RepositoryError::Dependency(outage()))),
            answer(RegisterError::from(RepositoryError::Dependency(outage()))),
            answer(LoginError::from(StoreError::from(outage()))),
            answer(LogoutError::from(outage())),
            answer(RefreshError::from(outage())),
            answer(AuthenticateError::from(outage())),
            answer(SessionError::from(outage())),
            answer(ProfileError::from(RepositoryError::Dependency(outage()))),
            answer(AuditError::from(RepositoryError::Dependency(outage()))),
            answer(LoginError::from(DependencyError::from(HashingSaturated))),
        ];
        for (status, retry_after, body) in answers {
            assert_eq!(status, 503, "{body}");
            assert!(body.contains("\"code\":\"service_unavailable\""), "{body}");
            assert_eq!(retry_after.as_deref(), Some("5"));
            assert!(
                !body.contains("10.0.0.1"),
                "the cause is never sent: {body}"
            );
        }
    }

    #[test]
    fn a_failing_port_that_is_reachable_is_a_500_without_retry_after() {
        let answers = [
            answer(PostError::from(RepositoryError::Dependency(bug()))),
            answer(UserError::from(RepositoryError::Dependency(bug()))),
            answer(LoginError::from(bug())),
            answer(SessionError::from(bug())),
            // A repository outcome the use case does not expect is a bug, not a 4xx.
            answer(PostError::from(RepositoryError::Duplicate(
                UniqueField::Email,
            ))),
            answer(ProfileError::from(RepositoryError::MissingParent)),
        ];
        for (status, retry_after, body) in answers {
            assert_eq!(status, 500, "{body}");
            assert!(body.contains("\"code\":\"internal_error\""), "{body}");
            assert_eq!(retry_after, None);
            assert!(
                !body.contains("10.0.0.1"),
                "the cause is never sent: {body}"
            );
        }
    }

    #[test]
    fn the_cause_chain_stays_with_the_error_for_the_log() {
        let err = ApiError::from(PostError::from(RepositoryError::Dependency(
            DependencyError::Unavailable(
                anyhow::anyhow!("connection refused").context("loading a post"),
            ),
        )));
        let logged = format!("{err:?}");
        assert!(logged.contains("loading a post"), "{logged}");
        assert!(logged.contains("connection refused"), "{logged}");
    }
}
