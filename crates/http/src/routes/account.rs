//! `/api/auth/verify-email`, `/api/auth/password-reset` and `/api/auth/confirm-email-change`:
//! the account lifecycle through links sent by mail.

use super::prelude::*;
use crate::{
    dto::account::{
        PasswordResetConfirmRequest, PasswordResetRequest, ResetAccepted, TokenRequest,
    },
    extractors::Client,
    middleware::auth_budget,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/auth/verify-email")
            .route(web::post().to(verify_email).wrap(auth_budget())),
    )
    .service(
        web::resource("/api/auth/verify-email/resend")
            .route(web::post().to(resend_verification).wrap(auth_budget())),
    )
    .service(
        web::resource("/api/auth/password-reset")
            .route(web::post().to(request_password_reset).wrap(auth_budget())),
    )
    .service(
        web::resource("/api/auth/password-reset/confirm")
            .route(web::post().to(confirm_password_reset).wrap(auth_budget())),
    )
    .service(
        web::resource("/api/auth/confirm-email-change")
            .route(web::post().to(confirm_email_change).wrap(auth_budget())),
    );
}

/// Verify an address with the token mailed to it at registration (or by a resend).
#[utoipa::path(
    post, path = "/api/auth/verify-email", tag = "auth",
    request_body(content = TokenRequest, content_type = "application/json"),
    responses(
        (status = 204, description = "The address is verified"),
        Problems<code::InvalidAccountToken>,
    )
)]
pub async fn verify_email(
    state: Data<AppState>,
    Client(client): Client,
    JsonBody(body): JsonBody<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    state.account.verify_email(&client, &body.token).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Send a new verification mail to your address; earlier links stop working. Nothing is sent
/// when the address is already verified.
#[utoipa::path(
    post, path = "/api/auth/verify-email/resend", tag = "auth",
    responses(
        (status = 204, description = "A new mail is queued (or the address is already verified)"),
    ),
)]
pub async fn resend_verification(
    state: Data<AppState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    state.account.resend_verification(&user.actor).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Ask for a password reset link. The answer is the same, in the same time, whether or not the
/// address has an account; the mail goes out only if it does.
#[utoipa::path(
    post, path = "/api/auth/password-reset", tag = "auth",
    request_body(content = PasswordResetRequest, content_type = "application/json"),
    responses(
        (status = 202, description = "Accepted (whether or not the address has an account)", body = ResetAccepted),
    )
)]
pub async fn request_password_reset(
    state: Data<AppState>,
    Client(client): Client,
    JsonBody(body): JsonBody<PasswordResetRequest>,
) -> Result<HttpResponse, ApiError> {
    let email = body.email()?;
    state.account.request_password_reset(&client, email).await?;
    Ok(HttpResponse::Accepted().json(ResetAccepted::BODY))
}

/// Choose a new password with the token from a reset mail. Every session of the account ends,
/// its lock-out is cleared, every reset link of it stops working, and it gets a "password
/// changed" mail.
#[utoipa::path(
    post, path = "/api/auth/password-reset/confirm", tag = "auth",
    request_body(content = PasswordResetConfirmRequest, content_type = "application/json"),
    responses(
        (status = 204, description = "The password is changed; every session ended"),
        Problems<code::InvalidAccountToken>,
    )
)]
pub async fn confirm_password_reset(
    state: Data<AppState>,
    Client(client): Client,
    JsonBody(body): JsonBody<PasswordResetConfirmRequest>,
) -> Result<HttpResponse, ApiError> {
    let password = body.new_password()?;
    state
        .account
        .reset_password(&client, &body.token, password)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Confirm an email change with the token mailed to the new address; only then does the
/// account move to it.
#[utoipa::path(
    post, path = "/api/auth/confirm-email-change", tag = "auth",
    request_body(content = TokenRequest, content_type = "application/json"),
    responses(
        (status = 204, description = "The account now uses the new address (verified)"),
        Problems<(code::InvalidAccountToken, code::EmailTaken)>,
    )
)]
pub async fn confirm_email_change(
    state: Data<AppState>,
    Client(client): Client,
    JsonBody(body): JsonBody<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    state
        .account
        .confirm_email_change(&client, &body.token)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
