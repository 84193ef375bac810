//! Authentication as extractors. `AuthUser` demands a live session (401 otherwise);
//! `MaybeAuthUser` lets anonymous callers through. A cookie-authenticated unsafe request must
//! carry `X-CSRF-Token` bound to its session (403 otherwise); bearer requests need none.

use actix_web::{
    FromRequest, HttpRequest,
    dev::Payload,
    http::{Method, header},
    web,
};
use application::{Actor, auth::AuthenticateError};
use futures_util::future::LocalBoxFuture;

use super::client_info;
use crate::{error::ApiError, routes::cookies, state::AppState};

#[derive(Debug, Clone)]
pub struct AuthUser {
    pub actor: Actor,
}

pub struct MaybeAuthUser(pub Option<AuthUser>);

impl MaybeAuthUser {
    /// The caller, or `None` when anonymous.
    pub fn actor(&self) -> Option<&Actor> {
        self.0.as_ref().map(|user| &user.actor)
    }
}

/// How the caller presented the access token: cookies need a CSRF check on unsafe methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Credential {
    Bearer,
    Cookie,
}

enum Presented {
    None,
    Token(String, Credential),
    MalformedHeader,
}

fn presented(req: &HttpRequest) -> Presented {
    if let Some(value) = req.headers().get(header::AUTHORIZATION) {
        let Ok(value) = value.to_str() else {
            return Presented::MalformedHeader;
        };
        return match value.split_once(' ') {
            Some((scheme, token))
                if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
            {
                Presented::Token(token.trim().to_owned(), Credential::Bearer)
            }
            _ => Presented::MalformedHeader,
        };
    }
    match req.cookie(cookies::ACCESS) {
        Some(cookie) if !cookie.value().is_empty() => {
            Presented::Token(cookie.value().to_owned(), Credential::Cookie)
        }
        _ => Presented::None,
    }
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

fn state(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("AppState is not registered")))
}

enum Failure {
    /// A bad or dead token: `MaybeAuthUser` treats the caller as anonymous.
    Credentials(ApiError),
    /// A CSRF failure or a server fault: never forgiven.
    Other(ApiError),
}

/// `Ok(None)`: no credentials at all.
async fn resolve(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<Option<AuthUser>, Failure> {
    let (token, credential) = match presented(&req) {
        Presented::None => return Ok(None),
        Presented::MalformedHeader => {
            return Err(Failure::Credentials(AuthenticateError::InvalidToken.into()));
        }
        Presented::Token(token, credential) => (token, credential),
    };
    let actor = match state.auth.authenticate(&token, client_info(&req)).await {
        Ok(actor) => actor,
        Err(err @ (AuthenticateError::InvalidToken | AuthenticateError::SessionEnded)) => {
            return Err(Failure::Credentials(err.into()));
        }
        Err(err) => return Err(Failure::Other(err.into())),
    };
    if credential == Credential::Cookie && is_unsafe(req.method()) {
        state
            .csrf
            .check(&req, actor.session_id)
            .map_err(|failed| Failure::Other(failed.into()))?;
    }
    Ok(Some(AuthUser { actor }))
}

/// Resolves the caller once, then lets `decide` say what a missing or failed credential means.
fn extract<T: 'static>(
    req: &HttpRequest,
    decide: fn(Result<Option<AuthUser>, Failure>) -> Result<T, ApiError>,
) -> LocalBoxFuture<'static, Result<T, ApiError>> {
    let req = req.clone();
    Box::pin(async move {
        let state = state(&req)?;
        decide(resolve(req, state).await)
    })
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        extract(req, |resolved| match resolved {
            Ok(Some(user)) => Ok(user),
            Ok(None) => Err(ApiError::unauthenticated(
                "Send an access token as 'Authorization: Bearer <token>' or the access_token cookie.",
            )),
            Err(Failure::Credentials(err) | Failure::Other(err)) => Err(err),
        })
    }
}

impl FromRequest for MaybeAuthUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        extract(req, |resolved| match resolved {
            Ok(user) => Ok(MaybeAuthUser(user)),
            Err(Failure::Credentials(_)) => Ok(MaybeAuthUser(None)),
            Err(Failure::Other(err)) => Err(err),
        })
    }
}
