//! `/api/posts`: anyone reads; authenticated users write, within the permission rules.

use application::ports::PostFilter;
use domain::{PostId, UserId};

use super::prelude::*;
use crate::dto::post::{
    PostFilterParams, PostPage, PostRequest, PostResponse, PostSummaryResponse,
};

/// `body_limit` caps post bodies: 50,000 characters of UTF-8 can be 200 KB.
pub fn configure(cfg: &mut web::ServiceConfig, body_limit: usize) {
    cfg.service(
        web::resource("/api/posts")
            .app_data(web::PayloadConfig::new(body_limit))
            .route(web::get().to(list_posts))
            .route(web::post().to(create_post)),
    )
    .service(
        web::resource("/api/posts/{id}")
            .app_data(web::PayloadConfig::new(body_limit))
            .route(web::get().to(get_post))
            .route(web::put().to(update_post))
            .route(web::delete().to(delete_post)),
    );
}

/// Posts, newest first: each with an `excerpt` (at most 300 characters) and `body_length`,
/// never the whole body, so a page is at most about 250 KB.
#[utoipa::path(
    get, path = "/api/posts", tag = "posts",
    params(PostFilterParams, PageParams),
    responses(
        (status = 200, description = "One page of posts", body = PostPage),
        Problems<code::ValidationFailed>,
    )
)]
pub async fn list_posts(
    reader: MaybeAuthUser,
    state: Data<AppState>,
    QueryParams(filter): QueryParams<PostFilterParams>,
    QueryParams(page): QueryParams<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let filter = PostFilter {
        author: filter.author_id.map(UserId::from_uuid),
        title_contains: page::search(filter.q.as_deref())?,
    };
    let page = state
        .posts
        .list_for(reader.actor(), &filter, &page.to_request()?)
        .await?;
    Ok(HttpResponse::Ok().json(PostPage::of(page, |s| PostSummaryResponse::from(&s))))
}

/// One post with its author and comment count. Sends an `ETag`; honours `If-None-Match`.
#[utoipa::path(
    get, path = "/api/posts/{id}", tag = "posts",
    params(("id" = Uuid, Path, description = "Post id")),
    responses(
        (status = 200, description = "The post", body = PostResponse, headers(("ETag" = String))),
        (status = 304, description = "Not modified (`If-None-Match` matched)"),
        Problems<code::NotFound>,
    )
)]
pub async fn get_post(
    reader: MaybeAuthUser,
    state: Data<AppState>,
    Id(id): Id<PostId>,
    pre: Preconditions,
) -> Result<HttpResponse, ApiError> {
    let view = state.posts.get_for(reader.actor(), id).await?;
    Ok(with_etag(
        &view.version_tag(),
        &PostResponse::from(&view),
        pre.if_none_match.as_ref(),
    ))
}

/// Publish a post.
#[utoipa::path(
    post, path = "/api/posts", tag = "posts",
    request_body(content = PostRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "Created", body = PostResponse,
            headers(("Location" = String, description = "/api/posts/{id}"), ("ETag" = String))),
        Problems<code::EmailNotVerified>,
    ),
)]
pub async fn create_post(
    state: Data<AppState>,
    user: AuthUser,
    JsonBody(body): JsonBody<PostRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_input()?;
    state.account.ensure_may_publish(&user.actor).await?;
    let view = state.posts.create(&user.actor, input).await?;
    Ok(created(
        format!("/api/posts/{}", view.post.id()),
        &PostResponse::from(&view),
        &view.version_tag(),
    ))
}

/// Edit a post: its author or an admin. Send `If-Match` with the `ETag` you read to avoid
/// overwriting someone else's edit (412 if it changed).
#[utoipa::path(
    put, path = "/api/posts/{id}", tag = "posts",
    params(("id" = Uuid, Path, description = "Post id")),
    request_body(content = PostRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Updated", body = PostResponse, headers(("ETag" = String))),
        Problems<GuardedWrite>,
    ),
)]
pub async fn update_post(
    state: Data<AppState>,
    to: Guarded<PostId>,
    JsonBody(body): JsonBody<PostRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_input()?;
    let view = state
        .posts
        .update(&to.actor, to.id, input, to.if_match())
        .await?;
    Ok(updated(&PostResponse::from(&view), &view.version_tag()))
}

/// Delete a post and its comments: its author, a moderator or an admin. Honours `If-Match`.
#[utoipa::path(
    delete, path = "/api/posts/{id}", tag = "posts",
    params(("id" = Uuid, Path, description = "Post id")),
    responses(
        (status = 204, description = "Deleted, with its comments"),
        Problems<GuardedWrite>,
    ),
)]
pub async fn delete_post(
    state: Data<AppState>,
    to: Guarded<PostId>,
) -> Result<HttpResponse, ApiError> {
    state.posts.delete(&to.actor, to.id, to.if_match()).await?;
    Ok(HttpResponse::NoContent().finish())
}
