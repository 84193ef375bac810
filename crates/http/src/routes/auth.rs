//! `/api/auth`: register, login, refresh, logout.

use actix_web::{
    HttpRequest, HttpResponse,
    http::header,
    web::{self, Data},
};

use application::ClientInfo;

use crate::{
    dto::{
        auth::{LoginRequest, RefreshRequest, RegisterRequest, TokenResponse},
        user::UserResponse,
    },
    error::{ApiError, ProblemCode},
    extractors::{Client, JsonBody, MaybeAuthUser, RefreshCredential, Via},
    middleware::auth_budget,
    openapi::responses::{Problems, Taken},
    problem_code::code,
    routes::{
        auth_outcomes::{LogoutOutcome, RefreshOutcome, issued},
        cookies,
    },
    state::AppState,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/auth/register").route(web::post().to(register).wrap(auth_budget())),
    )
    .service(web::resource("/api/auth/login").route(web::post().to(login).wrap(auth_budget())))
    .service(web::resource("/api/auth/refresh").route(web::post().to(refresh).wrap(auth_budget())))
    .service(web::resource("/api/auth/logout").route(web::post().to(logout)));
}

/// Open an account. It holds the `user` role; a verification mail goes to its address.
#[utoipa::path(
    post, path = "/api/auth/register", tag = "auth",
    request_body(content = RegisterRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "Account created", body = UserResponse,
            headers(("Location" = String, description = "/api/users/{id} of the new account"))),
        Problems<Taken>,
    )
)]
pub async fn register(
    state: Data<AppState>,
    Client(client): Client,
    JsonBody(body): JsonBody<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    let user = state.account.register(&client, body.into_input()?).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/users/{}", user.id())))
        .json(UserResponse::from(&user)))
}

/// Log in: opens a session (one per device) and sets the session cookies.
///
/// Browsers use the cookies (`access_token`, `refresh_token`, `csrf_token`). Other clients use
/// `access_token` from the body as a bearer token, and may ask for the refresh token in the
/// body with `include_refresh_token: true` (refused for requests that carry `Origin`).
///
/// Every login also sets `device`, an HttpOnly cookie sent back only to this endpoint: a client
/// that presents a valid one for the account is not locked out by other clients' failures.
#[utoipa::path(
    post, path = "/api/auth/login", tag = "auth",
    request_body(content = LoginRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Logged in; cookies set", body = TokenResponse),
        Problems<(code::RefreshTokenInBodyNotAllowed, code::InvalidCredentials)>,
    )
)]
pub async fn login(
    state: Data<AppState>,
    req: HttpRequest,
    Client(client): Client,
    JsonBody(body): JsonBody<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let in_body = body.include_refresh_token;
    if in_body && req.headers().contains_key(header::ORIGIN) {
        return Err(ApiError::new(
            ProblemCode::RefreshTokenInBodyNotAllowed,
            "Browsers receive the refresh token only as an HttpOnly cookie.",
        ));
    }
    let device = req.cookie(cookies::DEVICE).map(|c| c.value().to_owned());
    let tokens = state.auth.login(&client, body.into_input(device)).await?;
    let mut response = issued(&state.csrf, &tokens, in_body, true);
    cookies::set_device(&mut response, &tokens);
    Ok(response)
}

/// Exchange a refresh token for new tokens. The refresh token rotates: the old one stops
/// working, except within a short grace window where it returns the same replacement (for
/// tabs refreshing at once). Reusing a rotated token after that ends the whole session.
#[utoipa::path(
    post, path = "/api/auth/refresh", tag = "auth",
    request_body(content = Option<RefreshRequest>, content_type = "application/json",
        description = "Optional: native clients send the token here; browsers send nothing and rely on the `refresh_token` cookie."),
    responses(
        (status = 200, description = "New tokens; with the cookie, new cookies too", body = TokenResponse),
        Problems<(code::Unauthenticated, code::InvalidRefreshToken, code::RefreshTokenReused)>,
    ),
    security((), ("refresh_cookie" = []))
)]
pub async fn refresh(
    state: Data<AppState>,
    Client(client): Client,
    credential: RefreshCredential,
) -> Result<HttpResponse, ApiError> {
    let RefreshCredential::Presented { token, via } = credential else {
        return Err(ApiError::unauthenticated(
            "Send the refresh_token cookie or a JSON body {\"refresh_token\": ...}.",
        ));
    };
    let outcome = RefreshOutcome::from(state.auth.refresh(&client, &token).await);
    Ok(outcome.respond(&state.csrf, via))
}

/// End this session and clear the cookies. Works with the access token, or with the refresh
/// token alone (cookie or body), so an expired access token never prevents logging out.
/// Cookie-authenticated calls must send `X-CSRF-Token`.
#[utoipa::path(
    post, path = "/api/auth/logout", tag = "auth",
    request_body(content = Option<RefreshRequest>, content_type = "application/json",
        description = "Optional: native clients whose access token expired send their refresh token here."),
    responses(
        (status = 204, description = "Session ended; cookies cleared"),
        Problems<(code::Unauthenticated, code::CsrfFailed)>,
    ),
    security(("bearer" = []), ("cookie" = []), ("refresh_cookie" = [], "csrf" = []), ())
)]
pub async fn logout(
    state: Data<AppState>,
    req: HttpRequest,
    Client(client): Client,
    MaybeAuthUser(user): MaybeAuthUser,
    credential: RefreshCredential,
) -> Result<HttpResponse, ApiError> {
    let outcome = match (user, credential) {
        (Some(user), _) => state.auth.logout(&user.actor).await.into(),
        (None, RefreshCredential::Presented { token, via }) => {
            end_by_refresh_token(&state, &req, &client, &token, via).await
        }
        (None, RefreshCredential::Absent) => LogoutOutcome::Failed(ApiError::unauthenticated(
            "Send an access token, the refresh_token cookie, or a JSON body {\"refresh_token\": ...}.",
        )),
    };
    Ok(outcome.respond())
}

/// A refresh token alone ends its session; held in a cookie, it also needs the session's CSRF
/// token, since a browser sends the cookie with forged requests too.
async fn end_by_refresh_token(
    state: &AppState,
    req: &HttpRequest,
    client: &ClientInfo,
    token: &str,
    via: Via,
) -> LogoutOutcome {
    let session = match state.auth.session_of_refresh_token(token).await {
        Ok(session) => session,
        Err(err) => return LogoutOutcome::from(Err(err)),
    };
    if via == Via::Cookie && state.csrf.check(req, session).is_err() {
        return LogoutOutcome::CsrfFailed;
    }
    state.auth.logout_session(client, session).await.into()
}
