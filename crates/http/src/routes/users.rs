//! `/api/users`: accounts.

use actix_web::{
    HttpResponse,
    web::{self, Data},
};

use crate::{dto::user::UserResponse, error::ApiError, extractors::AuthUser, state::AppState};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/users/me").route(web::get().to(me)));
}

/// The caller's own account.
#[utoipa::path(
    get, path = "/api/users/me", tag = "users",
    responses((status = 200, description = "The caller's account", body = UserResponse)),
    security(("bearer" = []), ("cookie" = []))
)]
pub async fn me(state: Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let me = state.users.me(&user.actor).await?;
    Ok(HttpResponse::Ok().json(UserResponse::from(&me)))
}
