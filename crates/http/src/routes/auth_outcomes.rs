//! What the answers of login, refresh and logout do to the session cookies, decided from the
//! use case's typed result and where the client keeps its refresh token, never from a status.

use actix_web::HttpResponse;
use application::auth::{IssuedTokens, LogoutError, RefreshError};

use crate::{
    CsrfTokens, dto::auth::TokenResponse, error::ApiError, extractors::Via, routes::cookies,
};

/// 200 with new tokens. `refresh_in_body` puts the refresh token in the body (native clients);
/// `set_cookies` sets the session cookies (browsers).
pub fn issued(
    csrf: &CsrfTokens,
    tokens: &IssuedTokens,
    refresh_in_body: bool,
    set_cookies: bool,
) -> HttpResponse {
    let csrf_token = csrf.token(tokens.session_id);
    let mut response = HttpResponse::Ok().json(TokenResponse::new(
        tokens,
        csrf_token.clone(),
        refresh_in_body,
    ));
    if set_cookies {
        cookies::set_all(&mut response, tokens, &csrf_token);
    }
    response
}

/// An error answer that keeps the `ApiError` on the response, where the metrics and error
/// tracking layers read its problem code.
fn failure(err: ApiError) -> HttpResponse {
    HttpResponse::from_error(err)
}

/// How a refresh ended.
pub enum RefreshOutcome {
    Issued(Box<IssuedTokens>),
    /// The presented token will never work again (invalid, expired, or reused and its session
    /// ended): a cookie holding it is cleared.
    Refused(RefreshError),
    /// A dependency failed: the token may still work, so the cookies stay.
    Failed(RefreshError),
}

impl From<Result<IssuedTokens, RefreshError>> for RefreshOutcome {
    fn from(result: Result<IssuedTokens, RefreshError>) -> Self {
        match result {
            Ok(tokens) => Self::Issued(Box::new(tokens)),
            Err(err @ (RefreshError::InvalidToken | RefreshError::Reused)) => Self::Refused(err),
            Err(err @ RefreshError::Dependency(_)) => Self::Failed(err),
        }
    }
}

impl RefreshOutcome {
    /// The answer travels the way the token came: a body gets a body, a cookie gets cookies.
    pub fn respond(self, csrf: &CsrfTokens, via: Via) -> HttpResponse {
        match self {
            Self::Issued(tokens) => issued(csrf, &tokens, via == Via::Body, via == Via::Cookie),
            Self::Refused(err) => {
                let mut response = failure(err.into());
                if via == Via::Cookie {
                    cookies::clear_all(&mut response);
                }
                response
            }
            Self::Failed(err) => failure(err.into()),
        }
    }
}

/// How a logout ended.
#[derive(Debug)]
pub enum LogoutOutcome {
    /// 204: the session is over.
    Ended,
    /// 403: a refresh-token cookie came without its session's CSRF token. The request may be
    /// forged, so nothing ends and the cookies stay: a forged request cannot log anyone out.
    CsrfFailed,
    /// Nothing identified a live session, or a dependency failed.
    Failed(ApiError),
}

impl From<Result<(), LogoutError>> for LogoutOutcome {
    fn from(result: Result<(), LogoutError>) -> Self {
        match result {
            Ok(()) => Self::Ended,
            Err(err) => Self::Failed(err.into()),
        }
    }
}

impl LogoutOutcome {
    /// Every outcome but a CSRF failure clears the cookies, so a client never keeps
    /// credentials it asked to drop.
    pub fn respond(self) -> HttpResponse {
        let mut response = match self {
            Self::Ended => HttpResponse::NoContent().finish(),
            Self::CsrfFailed => return failure(crate::csrf::CsrfFailed.into()),
            Self::Failed(err) => failure(err),
        };
        cookies::clear_all(&mut response);
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::{StatusCode, header};
    use application::DependencyError;

    fn csrf() -> CsrfTokens {
        CsrfTokens::derived_from(b"0123456789abcdef0123456789abcdef")
    }

    /// The names of the cookies the answer clears (sets to empty with no lifetime).
    fn cleared(response: &HttpResponse) -> Vec<String> {
        let mut names: Vec<String> = response
            .headers()
            .get_all(header::SET_COOKIE)
            .filter_map(|v| v.to_str().ok())
            .filter(|v| v.contains("=;") && v.contains("Max-Age=0"))
            .filter_map(|v| v.split('=').next().map(str::to_owned))
            .collect();
        names.sort();
        names
    }

    fn all_session_cookies() -> Vec<String> {
        let mut names = vec![cookies::ACCESS, cookies::CSRF, cookies::REFRESH];
        names.sort_unstable();
        names.into_iter().map(str::to_owned).collect()
    }

    fn outage() -> RefreshError {
        RefreshError::Dependency(DependencyError::Unavailable(anyhow::anyhow!("down")))
    }

    #[test]
    fn a_dead_refresh_token_is_refused_and_an_outage_is_a_failure() {
        assert!(matches!(
            RefreshOutcome::from(Err(RefreshError::InvalidToken)),
            RefreshOutcome::Refused(_)
        ));
        assert!(matches!(
            RefreshOutcome::from(Err(RefreshError::Reused)),
            RefreshOutcome::Refused(_)
        ));
        assert!(matches!(
            RefreshOutcome::from(Err(outage())),
            RefreshOutcome::Failed(_)
        ));
    }

    #[test]
    fn a_refused_cookie_is_cleared_and_a_refused_body_token_touches_no_cookie() {
        let by_cookie = RefreshOutcome::Refused(RefreshError::Reused).respond(&csrf(), Via::Cookie);
        assert_eq!(by_cookie.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(cleared(&by_cookie), all_session_cookies());
        let by_body =
            RefreshOutcome::Refused(RefreshError::InvalidToken).respond(&csrf(), Via::Body);
        assert_eq!(by_body.status(), StatusCode::UNAUTHORIZED);
        assert!(by_body.headers().get(header::SET_COOKIE).is_none());
    }

    #[test]
    fn an_outage_keeps_the_cookies_and_the_problem_code() {
        let response = RefreshOutcome::Failed(outage()).respond(&csrf(), Via::Cookie);
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(response.headers().get(header::SET_COOKIE).is_none());
        let code = response
            .error()
            .and_then(|err| err.as_error::<ApiError>())
            .map(ApiError::code);
        assert_eq!(code, Some("service_unavailable"));
    }

    #[test]
    fn every_logout_clears_the_cookies_except_a_csrf_failure() {
        let ended = LogoutOutcome::from(Ok(())).respond();
        assert_eq!(ended.status(), StatusCode::NO_CONTENT);
        assert_eq!(cleared(&ended), all_session_cookies());
        let refused = LogoutOutcome::from(Err(LogoutError::NotAuthenticated)).respond();
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(cleared(&refused), all_session_cookies());
        let failed = LogoutOutcome::from(Err(LogoutError::Dependency(
            DependencyError::Unavailable(anyhow::anyhow!("down")),
        )))
        .respond();
        assert_eq!(failed.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(cleared(&failed), all_session_cookies());
        let forged = LogoutOutcome::CsrfFailed.respond();
        assert_eq!(forged.status(), StatusCode::FORBIDDEN);
        assert!(forged.headers().get(header::SET_COOKIE).is_none());
    }
}
