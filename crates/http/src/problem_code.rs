//! Every problem `code` the API can answer with, with its usual status and title: the one list
//! that `ApiError`, the README and the OpenAPI contract (`ProblemCode`, and the codes each
//! operation lists) are all built from.

use actix_web::http::StatusCode;

macro_rules! problem_codes {
    ($($variant:ident = ($code:literal, $status:literal, $title:literal, $doc:literal),)+) => {
        /// A stable, machine-readable problem code. The set is open: clients must tolerate
        /// codes added later.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ProblemCode {
            $(#[doc = $doc] $variant,)+
        }

        impl ProblemCode {
            /// Every code, in the order of their statuses.
            pub const ALL: &'static [ProblemCode] = &[$(ProblemCode::$variant,)+];

            /// The snake_case `code` sent to clients.
            pub const fn as_str(self) -> &'static str {
                match self { $(ProblemCode::$variant => $code,)+ }
            }

            /// The status this code is answered with.
            pub fn status(self) -> StatusCode {
                let status = match self { $(ProblemCode::$variant => $status,)+ };
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }

            /// The problem's `title`: the same for every occurrence of the code.
            pub const fn title(self) -> &'static str {
                match self { $(ProblemCode::$variant => $title,)+ }
            }

            /// When a client sees this code, in one sentence.
            pub const fn meaning(self) -> &'static str {
                match self { $(ProblemCode::$variant => $doc,)+ }
            }
        }

        /// A type for each code, so an operation's OpenAPI responses can list the codes it
        /// answers with as types: `Problems<(code::Forbidden, code::NotFound)>`.
        #[allow(dead_code, reason = "types, never values; an operation lists only some codes")]
        pub mod code {
            $(#[doc = $doc] pub struct $variant;

            impl super::Codes for $variant {
                fn codes() -> Vec<super::ProblemCode> {
                    vec![super::ProblemCode::$variant]
                }
            })+
        }
    };
}

/// Problem codes named by a type: a code of `code`, or a tuple of such types.
pub trait Codes {
    /// The codes, in the order named.
    fn codes() -> Vec<ProblemCode>;
}

macro_rules! tuple_codes {
    ($($name:ident)+) => {
        impl<$($name: Codes),+> Codes for ($($name,)+) {
            fn codes() -> Vec<ProblemCode> {
                [$($name::codes()),+].concat()
            }
        }
    };
}

tuple_codes!(A B);
tuple_codes!(A B C);
tuple_codes!(A B C D);
tuple_codes!(A B C D E);
tuple_codes!(A B C D E F);
tuple_codes!(A B C D E F G);

problem_codes! {
    BadRequest = ("bad_request", 400, "Bad request", "The request could not be understood or its body could not be read."),
    MalformedJson = ("malformed_json", 400, "Bad request", "The body is not valid JSON."),
    RefreshTokenInBodyNotAllowed = ("refresh_token_in_body_not_allowed", 400, "Bad request", "A browser (a request with `Origin`) asked for the refresh token in the body."),
    InvalidAccountToken = ("invalid_account_token", 400, "Invalid or expired link", "The token from a mail's link is unknown, expired, already used, or was sent to an address the account no longer has."),
    Unauthenticated = ("unauthenticated", 401, "Authentication required", "No credentials, or none that identify a live session."),
    InvalidCredentials = ("invalid_credentials", 401, "Invalid credentials", "Wrong email or password (the same answer for both)."),
    InvalidToken = ("invalid_token", 401, "Invalid access token", "The access token is invalid or expired."),
    SessionRevoked = ("session_revoked", 401, "Session ended", "The session behind the access token has ended."),
    InvalidRefreshToken = ("invalid_refresh_token", 401, "Invalid refresh token", "The refresh token is invalid or expired."),
    RefreshTokenReused = ("refresh_token_reused", 401, "Refresh token reused", "A rotated refresh token was used again; the session has been ended."),
    Forbidden = ("forbidden", 403, "Forbidden", "The caller may not do this."),
    CsrfFailed = ("csrf_failed", 403, "CSRF check failed", "Cookie-authenticated unsafe request without a valid `X-CSRF-Token` header."),
    InvalidCurrentPassword = ("invalid_current_password", 403, "Wrong current password", "The current password sent is wrong."),
    ReauthenticationRequired = ("reauthentication_required", 403, "Reauthentication required", "Deleting your own account needs your current password."),
    EmailNotVerified = ("email_not_verified", 403, "Email not verified", "Creating posts and comments needs a verified email address (`REQUIRE_VERIFIED_EMAIL`)."),
    NotFound = ("not_found", 404, "Not found", "No such resource."),
    MethodNotAllowed = ("method_not_allowed", 405, "Method not allowed", "The resource does not accept that method."),
    NotAcceptable = ("not_acceptable", 406, "Not acceptable", "No representation matches `Accept`."),
    RequestTimeout = ("request_timeout", 408, "Request timeout", "The body arrived slower than the request timeout."),
    UsernameTaken = ("username_taken", 409, "Username taken", "Another account has that username."),
    EmailTaken = ("email_taken", 409, "Email taken", "Another account has that email."),
    LastAdmin = ("last_admin", 409, "Last administrator", "The change would leave no administrator."),
    PreconditionFailed = ("precondition_failed", 412, "Precondition failed", "`If-Match` did not match: the resource changed since it was read."),
    PayloadTooLarge = ("payload_too_large", 413, "Payload too large", "The body is over the size limit."),
    UnsupportedMediaType = ("unsupported_media_type", 415, "Unsupported media type", "The body is not `application/json`."),
    ValidationFailed = ("validation_failed", 422, "Validation failed", "Fields are missing, of the wrong type, unknown or invalid; `errors` lists them."),
    RateLimited = ("rate_limited", 429, "Too many requests", "Over a request budget, or the account is locked out after failed logins; see `Retry-After`."),
    InternalError = ("internal_error", 500, "Internal server error", "An unexpected failure; details are logged, never returned."),
    ServiceUnavailable = ("service_unavailable", 503, "Service unavailable", "A dependency (database, session store, password hashing) is unavailable; see `Retry-After`."),
    NotReady = ("not_ready", 503, "Not ready", "Readiness probe: a dependency is down."),
}

impl ProblemCode {
    /// The code a bare status is reported with when nothing more precise is known.
    pub fn for_status(status: StatusCode) -> Self {
        match status.as_u16() {
            401 => Self::Unauthenticated,
            403 => Self::Forbidden,
            404 => Self::NotFound,
            405 => Self::MethodNotAllowed,
            406 => Self::NotAcceptable,
            408 => Self::RequestTimeout,
            413 => Self::PayloadTooLarge,
            415 => Self::UnsupportedMediaType,
            422 => Self::ValidationFailed,
            429 => Self::RateLimited,
            503 => Self::ServiceUnavailable,
            s if s >= 500 => Self::InternalError,
            _ => Self::BadRequest,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ProblemCode;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_snake_case_and_errors() {
        let mut seen = HashSet::new();
        for code in ProblemCode::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "{s} twice");
            assert!(s.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{s}");
            assert!(code.status().is_client_error() || code.status().is_server_error());
        }
    }
}
