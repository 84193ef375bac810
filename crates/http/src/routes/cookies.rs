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

/// Every session cookie is `Secure`; they differ in where they go, who reads them, and how
/// far they travel cross-site.
fn secure(
    name: &'static str,
    value: &str,
    path: &'static str,
    http_only: bool,
    same_site: SameSite,
    max_age: Duration,
) -> Cookie<'static> {
    Cookie::build(name, value.to_owned())
        .path(path)
        .http_only(http_only)
        .secure(true)
        .same_site(same_site)
        .max_age(max_age)
        .finish()
}

/// Access token: sent with every API call, never readable by scripts.
fn access(value: &str, max_age: Duration) -> Cookie<'static> {
    secure(ACCESS, value, "/api", true, SameSite::Lax, max_age)
}

/// Refresh token: only ever sent to the auth endpoints, never cross-site.
fn refresh(value: &str, max_age: Duration) -> Cookie<'static> {
    secure(REFRESH, value, "/api/auth", true, SameSite::Strict, max_age)
}

/// CSRF token: readable by the page's scripts, which echo it in `X-CSRF-Token`.
fn csrf(value: &str, max_age: Duration) -> Cookie<'static> {
    secure(CSRF, value, "/", false, SameSite::Strict, max_age)
}

pub fn set_all(response: &mut HttpResponse, tokens: &IssuedTokens, csrf_token: &str) {
    let access_age = Duration::seconds(tokens.expires_in.num_seconds());
    let refresh_age = Duration::seconds(tokens.refresh_expires_in.num_seconds());
    for cookie in [
        access(&tokens.access_token, access_age),
        refresh(expose_refresh_token(&tokens.refresh_token), refresh_age),
        csrf(csrf_token, refresh_age),
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
    secure(
        DEVICE,
        value,
        "/api/auth/login",
        true,
        SameSite::Strict,
        max_age,
    )
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
