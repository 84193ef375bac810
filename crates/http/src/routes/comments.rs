//! Comments: `/api/posts/{id}/comments` and `/api/comments/{id}`.

use domain::{CommentId, PostId};

use super::prelude::*;
use crate::dto::comment::{CommentPage, CommentRequest, CommentResponse};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/posts/{id}/comments")
            .route(web::get().to(list_comments))
            .route(web::post().to(create_comment)),
    )
    .service(
        web::resource("/api/comments/{id}")
            .route(web::get().to(get_comment))
            .route(web::put().to(update_comment))
            .route(web::delete().to(delete_comment)),
    );
}

/// A post's comments, oldest first.
#[utoipa::path(
    get, path = "/api/posts/{id}/comments", tag = "comments",
    params(("id" = Uuid, Path, description = "Post id"), PageParams),
    responses(
        (status = 200, description = "One page of comments", body = CommentPage),
        Problems<(code::NotFound, code::ValidationFailed)>,
    )
)]
pub async fn list_comments(
    reader: MaybeAuthUser,
    state: Data<AppState>,
    Id(post): Id<PostId>,
    QueryParams(page): QueryParams<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let page = state
        .comments
        .list_for(reader.actor(), post, &page.to_request()?)
        .await?;
    Ok(HttpResponse::Ok().json(CommentPage::of(page, |c| CommentResponse::from(&c))))
}

/// Comment on a post.
#[utoipa::path(
    post, path = "/api/posts/{id}/comments", tag = "comments",
    params(("id" = Uuid, Path, description = "Post id")),
    request_body(content = CommentRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "Created", body = CommentResponse,
            headers(("Location" = String, description = "/api/comments/{id}"), ("ETag" = String))),
        Problems<(code::EmailNotVerified, code::NotFound)>,
    ),
)]
pub async fn create_comment(
    state: Data<AppState>,
    user: AuthUser,
    Id(post): Id<PostId>,
    JsonBody(body): JsonBody<CommentRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_body()?;
    state.account.ensure_may_publish(&user.actor).await?;
    let view = state.comments.create(&user.actor, post, body).await?;
    Ok(created(
        format!("/api/comments/{}", view.comment.id()),
        &CommentResponse::from(&view),
        &view.version_tag(),
    ))
}

/// One comment. Sends an `ETag`; honours `If-None-Match`.
#[utoipa::path(
    get, path = "/api/comments/{id}", tag = "comments",
    params(("id" = Uuid, Path, description = "Comment id")),
    responses(
        (status = 200, description = "The comment", body = CommentResponse, headers(("ETag" = String))),
        (status = 304, description = "Not modified (`If-None-Match` matched)"),
        Problems<code::NotFound>,
    )
)]
pub async fn get_comment(
    reader: MaybeAuthUser,
    state: Data<AppState>,
    Id(id): Id<CommentId>,
    pre: Preconditions,
) -> Result<HttpResponse, ApiError> {
    let view = state.comments.get_for(reader.actor(), id).await?;
    Ok(with_etag(
        &view.version_tag(),
        &CommentResponse::from(&view),
        pre.if_none_match.as_ref(),
    ))
}

/// Edit a comment: its author or an admin. Honours `If-Match`.
#[utoipa::path(
    put, path = "/api/comments/{id}", tag = "comments",
    params(("id" = Uuid, Path, description = "Comment id")),
    request_body(content = CommentRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Updated", body = CommentResponse, headers(("ETag" = String))),
        Problems<GuardedWrite>,
    ),
)]
pub async fn update_comment(
    state: Data<AppState>,
    to: Guarded<CommentId>,
    JsonBody(body): JsonBody<CommentRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_body()?;
    let view = state
        .comments
        .update(&to.actor, to.id, body, to.if_match())
        .await?;
    Ok(updated(&CommentResponse::from(&view), &view.version_tag()))
}

/// Delete a comment: its author, a moderator or an admin. Honours `If-Match`.
#[utoipa::path(
    delete, path = "/api/comments/{id}", tag = "comments",
    params(("id" = Uuid, Path, description = "Comment id")),
    responses(
        (status = 204, description = "Deleted"),
        Problems<GuardedWrite>,
    ),
)]
pub async fn delete_comment(
    state: Data<AppState>,
    to: Guarded<CommentId>,
) -> Result<HttpResponse, ApiError> {
    state
        .comments
        .delete(&to.actor, to.id, to.if_match())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
