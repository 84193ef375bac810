//! `/api/users` and `/api/roles`: accounts, by their owner and by administrators.

use application::{ports::UserFilter, views::FullUser};
use domain::{Email, Role, UserId};

use super::prelude::*;
use crate::{
    dto::{
        role::{RoleList, RoleResponse},
        user::{
            ChangePasswordRequest, DeleteAccountRequest, SetRolesRequest, UpdateUserRequest,
            UserFilterParams, UserPage, UserProfile, UserResponse,
        },
    },
    middleware::auth_budget,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    // `me` is registered before `{id}` so it is never read as an id.
    cfg.service(web::resource("/api/users").route(web::get().to(list_users)))
        .service(web::resource("/api/users/me").route(web::get().to(me)))
        // Routes that can check a password spend the authentication budget.
        .service(
            web::resource("/api/users/me/password")
                .route(web::put().to(change_password).wrap(auth_budget())),
        )
        .service(
            web::resource("/api/users/{id}")
                .route(web::get().to(get_user))
                .route(web::put().to(update_user).wrap(auth_budget()))
                .route(web::delete().to(delete_user).wrap(auth_budget())),
        )
        .service(web::resource("/api/users/{id}/roles").route(web::put().to(set_roles)))
        .service(
            web::resource("/api/users/{id}/sessions").route(web::delete().to(end_user_sessions)),
        )
        .service(web::resource("/api/roles").route(web::get().to(list_roles)));
}

/// An account's full record as a change answers it, with its `ETag`.
fn full_record(account: &FullUser) -> HttpResponse {
    super::updated(&UserResponse::from(account.user()), &account.version_tag())
}

/// The caller's own account. Sends an `ETag`; honours `If-None-Match`.
#[utoipa::path(
    get, path = "/api/users/me", tag = "users",
    responses(
        (status = 200, description = "The caller's account", body = UserResponse, headers(("ETag" = String))),
        (status = 304, description = "Not modified (`If-None-Match` matched)"),
    ),
)]
pub async fn me(
    state: Data<AppState>,
    user: AuthUser,
    pre: Preconditions,
) -> Result<HttpResponse, ApiError> {
    let me = state.users.me(&user.actor).await?;
    Ok(with_etag(
        &me.version_tag(),
        &UserResponse::from(me.user()),
        pre.if_none_match.as_ref(),
    ))
}

/// Accounts, newest first (moderators and admins). Moderators see public profiles and may
/// search usernames only: the `email` and `role` filters are for admins.
#[utoipa::path(
    get, path = "/api/users", tag = "users",
    params(UserFilterParams, PageParams),
    responses(
        (status = 200, description = "One page of accounts", body = UserPage),
        Problems<(code::Forbidden, code::ValidationFailed)>,
    ),
)]
pub async fn list_users(
    state: Data<AppState>,
    user: AuthUser,
    QueryParams(filter): QueryParams<UserFilterParams>,
    QueryParams(page): QueryParams<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let email = match filter.email.as_deref().filter(|e| !e.is_empty()) {
        Some(raw) => Some(Email::parse(raw).map_err(|e| ApiError::invalid_field("email", e))?),
        None => None,
    };
    let filter = UserFilter {
        username_prefix: page::search(filter.q.as_deref())?,
        email,
        role: filter.role.map(Role::from),
    };
    let page = state
        .users
        .list(&user.actor, &filter, &page.to_request()?)
        .await?;
    Ok(HttpResponse::Ok().json(UserPage::of(page, |view| UserProfile::from(&view))))
}

/// An account: the full record for the user themself and admins, the public profile
/// (`id`, `username`, `created_at`) for everyone else. Sends an `ETag`.
#[utoipa::path(
    get, path = "/api/users/{id}", tag = "users",
    params(("id" = Uuid, Path, description = "User id")),
    responses(
        (status = 200, description = "The account as the caller may see it", body = UserProfile, headers(("ETag" = String))),
        (status = 304, description = "Not modified (`If-None-Match` matched)"),
        Problems<code::NotFound>,
    ),
)]
pub async fn get_user(
    state: Data<AppState>,
    user: AuthUser,
    Id(id): Id<UserId>,
    pre: Preconditions,
) -> Result<HttpResponse, ApiError> {
    let view = state.users.get(&user.actor, id).await?;
    Ok(with_etag(
        &view.version_tag(),
        &UserProfile::from(&view),
        pre.if_none_match.as_ref(),
    ))
}

/// Change username and/or email (the user themself or an admin). Your own email change needs
/// `current_password`. Honours `If-Match`.
#[utoipa::path(
    put, path = "/api/users/{id}", tag = "users",
    params(("id" = Uuid, Path, description = "User id")),
    request_body(content = UpdateUserRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Updated", body = UserResponse, headers(("ETag" = String))),
        Problems<(GuardedWrite, code::InvalidCurrentPassword, Taken)>,
    ),
)]
pub async fn update_user(
    state: Data<AppState>,
    to: Guarded<UserId>,
    JsonBody(body): JsonBody<UpdateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let update = body.into_update()?;
    let updated = state
        .users
        .update_profile(&to.actor, to.id, update, to.if_match())
        .await?;
    Ok(full_record(&updated))
}

/// Change your password. Every other session of yours ends; this one stays.
#[utoipa::path(
    put, path = "/api/users/me/password", tag = "users",
    request_body(content = ChangePasswordRequest, content_type = "application/json"),
    responses(
        (status = 204, description = "Changed; other sessions ended"),
        Problems<code::InvalidCurrentPassword>,
    ),
)]
pub async fn change_password(
    state: Data<AppState>,
    user: AuthUser,
    JsonBody(body): JsonBody<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let new_password = body.new_password()?;
    state
        .users
        .change_password(&user.actor, &body.current_password, new_password)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Delete an account (the user themself or an admin): its sessions end and its posts and
/// comments are deleted with it. Honours `If-Match`. Deleting your own account needs your
/// current password in the body; wrong ones count toward a lock-out (then 429).
#[utoipa::path(
    delete, path = "/api/users/{id}", tag = "users",
    params(("id" = Uuid, Path, description = "User id")),
    request_body(content = Option<DeleteAccountRequest>, content_type = "application/json",
        description = "Required when deleting your own account; administrators deleting another account send none."),
    responses(
        (status = 204, description = "Deleted, with its posts and comments; its sessions ended"),
        Problems<(GuardedWrite, code::ReauthenticationRequired, code::InvalidCurrentPassword, code::LastAdmin)>,
    ),
)]
pub async fn delete_user(
    state: Data<AppState>,
    to: Guarded<UserId>,
    OptionalJsonBody(body): OptionalJsonBody<DeleteAccountRequest>,
) -> Result<HttpResponse, ApiError> {
    let password = body.as_ref().map(|b| b.password.as_str());
    state
        .users
        .delete(&to.actor, to.id, to.if_match(), password)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Replace an account's roles (admins). Takes effect on the user's next request.
#[utoipa::path(
    put, path = "/api/users/{id}/roles", tag = "users",
    params(("id" = Uuid, Path, description = "User id")),
    request_body(content = SetRolesRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The account with its new roles", body = UserResponse, headers(("ETag" = String))),
        Problems<(GuardedWrite, code::LastAdmin)>,
    ),
)]
pub async fn set_roles(
    state: Data<AppState>,
    to: Guarded<UserId>,
    JsonBody(body): JsonBody<SetRolesRequest>,
) -> Result<HttpResponse, ApiError> {
    let roles = body.roles.into_iter().map(Role::from).collect();
    let updated = state
        .users
        .set_roles(&to.actor, to.id, roles, to.if_match())
        .await?;
    Ok(full_record(&updated))
}

/// End every session of an account at once (admins).
#[utoipa::path(
    delete, path = "/api/users/{id}/sessions", tag = "users",
    params(("id" = Uuid, Path, description = "User id")),
    responses(
        (status = 204, description = "All of the user's sessions ended"),
        Problems<(code::Forbidden, code::NotFound)>,
    ),
)]
pub async fn end_user_sessions(
    state: Data<AppState>,
    user: AuthUser,
    Id(id): Id<UserId>,
) -> Result<HttpResponse, ApiError> {
    state.users.end_sessions(&user.actor, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The roles and what each grants (admins).
#[utoipa::path(
    get, path = "/api/roles", tag = "users",
    responses(
        (status = 200, description = "Every role", body = RoleList),
        Problems<code::Forbidden>,
    ),
)]
pub async fn list_roles(state: Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let roles = state.users.roles(&user.actor)?;
    Ok(HttpResponse::Ok().json(RoleList {
        items: roles.into_iter().map(RoleResponse::from).collect(),
    }))
}
