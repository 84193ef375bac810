//! `/api/auth/sessions` and `/api/auth/logout-all`: the caller's sessions, one per device.

use domain::SessionId;

use super::{cookies, prelude::*};
use crate::dto::session::{SessionList, SessionResponse};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/auth/sessions").route(web::get().to(list_sessions)))
        .service(web::resource("/api/auth/sessions/{id}").route(web::delete().to(end_session)))
        .service(web::resource("/api/auth/logout-all").route(web::post().to(logout_all)));
}

/// The caller's live sessions, newest first, one page at a time; `current` marks the one
/// making the request.
#[utoipa::path(
    get, path = "/api/auth/sessions", tag = "sessions",
    params(PageParams),
    responses(
        (status = 200, description = "One page of live sessions", body = SessionList),
        Problems<code::ValidationFailed>,
    ),
)]
pub async fn list_sessions(
    state: Data<AppState>,
    user: AuthUser,
    QueryParams(page): QueryParams<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let page = state
        .auth
        .list_sessions(&user.actor, &page.to_request()?)
        .await?;
    Ok(HttpResponse::Ok().json(SessionList::of(page, SessionResponse::from)))
}

/// End one of the caller's sessions: its refresh and access tokens stop working at once.
#[utoipa::path(
    delete, path = "/api/auth/sessions/{id}", tag = "sessions",
    params(("id" = Uuid, Path, description = "Session id")),
    responses(
        (status = 204, description = "Session ended"),
        Problems<code::NotFound>,
    ),
)]
pub async fn end_session(
    state: Data<AppState>,
    user: AuthUser,
    Id(id): Id<SessionId>,
) -> Result<HttpResponse, ApiError> {
    state.auth.end_session(&user.actor, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// End every session of the caller, this one included, and clear the cookies.
#[utoipa::path(
    post, path = "/api/auth/logout-all", tag = "sessions",
    responses((status = 204, description = "All sessions ended; cookies cleared")),
)]
pub async fn logout_all(state: Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    state.auth.logout_all(&user.actor).await?;
    let mut response = HttpResponse::NoContent().finish();
    cookies::clear_all(&mut response);
    Ok(response)
}
