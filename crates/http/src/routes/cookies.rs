//! The session cookies: where each lives and who may read it.

use actix_web::{
    HttpResponse,
    cookie::{Cookie, SameSite, time::Duration},
};
use application::auth::{IssuedTokens, expose_refresh_token};

pub const ACCESS: &str = "access_token";
pub const REFRESH: &str = "refresh_token";
pub const CSRF: &str = "csrf_token";
/// OWASP's device cookie: proves this client logged in to the account before.
pub const DEVICE: &str = "device";

/// Access token: sent with every API call, never readable by scripts.
fn access(value: &str, max_age: Duration) -> Cookie<'static> {
    Cookie::build(ACCESS, value.to_owned())
        .path("/api")
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Lax)
        .max_age(max_age)
        .finish()
}

/// Refresh token: only ever sent to the auth endpoints, never cross-site.
fn refresh(value: &str, max_age: Duration) -> Cookie<'static> {
    Cookie::build(REFRESH, value.to_owned())
        .path("/api/auth")
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Strict)
        .max_age(max_age)
        .finish()
}

/// CSRF token: readable by the page's scripts, which echo it in `X-CSRF-Token`.
fn csrf(value: &str, max_age: Duration) -> Cookie<'static> {
    Cookie::build(CSRF, value.to_owned())
        .path("/")
        .http_only(false)
        .secure(true)
        .same_site(SameSite::Strict)
        .max_age(max_age)
        .finish()
}

pub fn set_all(response: &mut HttpResponse, tokens: &IssuedTokens) {
    let access_age = Duration::seconds(tokens.expires_in.num_seconds());
    let refresh_age = Duration::seconds(tokens.refresh_expires_in.num_seconds());
    for cookie in [
        access(&tokens.access_token, access_age),
        refresh(expose_refresh_token(&tokens.refresh_token), refresh_age),
        csrf(&tokens.csrf_token, refresh_age),
    ] {
        // Adding a cookie fails only on an invalid header value; ours are base64url and JWTs.
        if let Err(err) = response.add_cookie(&cookie) {
            tracing::error!(error = %err, cookie = cookie.name(), "could not set cookie");
        }
    }
}

/// Device cookie: only ever sent to the login endpoint, never readable by scripts, never
/// cross-site. Logging out keeps it: it marks the device, not a session.
fn device(value: &str, max_age: Duration) -> Cookie<'static> {
    Cookie::build(DEVICE, value.to_owned())
        .path("/api/auth/login")
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Strict)
        .max_age(max_age)
        .finish()
}

/// Sets the device cookie when the tokens carry one (logins do).
pub fn set_device(response: &mut HttpResponse, tokens: &IssuedTokens) {
    let Some(token) = &tokens.device_token else {
        return;
    };
    let age = Duration::seconds(tokens.device_expires_in.num_seconds());
    if let Err(err) = response.add_cookie(&device(token, age)) {
        tracing::error!(error = %err, cookie = DEVICE, "could not set cookie");
    }
}

pub fn clear_all(response: &mut HttpResponse) {
    for cookie in [
        access("", Duration::ZERO),
        refresh("", Duration::ZERO),
        csrf("", Duration::ZERO),
    ] {
        if let Err(err) = response.add_cookie(&cookie) {
            tracing::error!(error = %err, cookie = cookie.name(), "could not clear cookie");
        }
    }
}

/// Where a public read goes: a caller presenting credentials (a bearer token or the access
/// cookie) may be reading their own write, so reads the primary; anyone else may read a
/// replica that lags. The credentials are not checked here: presenting some only costs the
/// caller a primary read, and decides nothing about access.
pub fn freshness(req: &actix_web::HttpRequest) -> application::ports::Freshness {
    let signed_in = req
        .headers()
        .contains_key(actix_web::http::header::AUTHORIZATION)
        || req.cookie(ACCESS).is_some();
    application::ports::Freshness::for_reader(signed_in)
}
