//! Posts and comments as the API shows them, and the bodies that create or change them.

use application::{
    posts::PostInput,
    views::{AuthorRef, CommentView, PostSummary, PostView},
};
use chrono::{DateTime, Utc};
use domain::{CommentBody, PostBody, PostTitle};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::error::{ApiError, FieldError};

#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorResponse {
    pub id: Uuid,
    pub username: String,
}

impl From<&AuthorRef> for AuthorResponse {
    fn from(author: &AuthorRef) -> Self {
        Self {
            id: author.id.as_uuid(),
            username: author.username.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PostResponse {
    pub id: Uuid,
    pub title: String,
    pub body: String,
    pub author: AuthorResponse,
    pub comment_count: u64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&PostView> for PostResponse {
    fn from(view: &PostView) -> Self {
        Self {
            id: view.post.id().as_uuid(),
            title: view.post.title().as_ref().to_owned(),
            body: view.post.body().as_ref().to_owned(),
            author: AuthorResponse::from(&view.author),
            comment_count: view.comment_count,
            created_at: view.post.created_at(),
            updated_at: view.post.updated_at(),
        }
    }
}

/// A post as a list shows it: the start of the body and its length, never the whole body
/// (`GET /api/posts/{id}` returns that).
#[derive(Debug, Serialize, ToSchema)]
pub struct PostSummaryResponse {
    pub id: Uuid,
    pub title: String,
    /// The first 300 characters of the body (all of it if shorter).
    #[schema(max_length = 300)]
    pub excerpt: String,
    /// The body's length in characters.
    pub body_length: u64,
    pub author: AuthorResponse,
    pub comment_count: u64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&PostSummary> for PostSummaryResponse {
    fn from(summary: &PostSummary) -> Self {
        Self {
            id: summary.id.as_uuid(),
            title: summary.title.as_ref().to_owned(),
            excerpt: summary.excerpt.clone(),
            body_length: summary.body_length,
            author: AuthorResponse::from(&summary.author),
            comment_count: summary.comment_count,
            created_at: summary.created_at,
            updated_at: summary.updated_at,
        }
    }
}

/// One page of posts, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct PostPage {
    pub items: Vec<PostSummaryResponse>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommentResponse {
    pub id: Uuid,
    pub post_id: Uuid,
    pub body: String,
    pub author: AuthorResponse,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&CommentView> for CommentResponse {
    fn from(view: &CommentView) -> Self {
        Self {
            id: view.comment.id().as_uuid(),
            post_id: view.comment.post_id().as_uuid(),
            body: view.comment.body().as_ref().to_owned(),
            author: AuthorResponse::from(&view.author),
            created_at: view.comment.created_at(),
            updated_at: view.comment.updated_at(),
        }
    }
}

/// One page of comments, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentPage {
    pub items: Vec<CommentResponse>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Hello", "body": "First post."}))]
pub struct PostRequest {
    /// 1 to 200 characters with at least one visible one; no control characters but newline
    /// and tab, no bidirectional embeddings, overrides or isolates (U+202A-U+202E, U+2066-U+2069).
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u0008\\u000B-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub title: String,
    /// 1 to 50,000 characters with at least one visible one; no control characters but newline
    /// and tab, no bidirectional embeddings, overrides or isolates (U+202A-U+202E, U+2066-U+2069).
    #[schema(
        min_length = 1,
        max_length = 50000,
        pattern = "^[^\\u0000-\\u0008\\u000B-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub body: String,
}

fn field_error(field: &str, err: impl ToString) -> FieldError {
    FieldError {
        field: field.into(),
        message: err.to_string(),
    }
}

impl PostRequest {
    pub fn into_input(self) -> Result<PostInput, ApiError> {
        let title = PostTitle::parse(&self.title);
        let body = PostBody::parse(&self.body);
        match (title, body) {
            (Ok(title), Ok(body)) => Ok(PostInput { title, body }),
            (title, body) => Err(ApiError::validation(
                [
                    title.err().map(|e| field_error("title", e)),
                    body.err().map(|e| field_error("body", e)),
                ]
                .into_iter()
                .flatten()
                .collect(),
            )),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"body": "Nice post."}))]
pub struct CommentRequest {
    /// 1 to 10,000 characters with at least one visible one; no control characters but newline
    /// and tab, no bidirectional embeddings, overrides or isolates (U+202A-U+202E, U+2066-U+2069).
    #[schema(
        min_length = 1,
        max_length = 10000,
        pattern = "^[^\\u0000-\\u0008\\u000B-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub body: String,
}

impl CommentRequest {
    pub fn into_body(self) -> Result<CommentBody, ApiError> {
        CommentBody::parse(&self.body)
            .map_err(|e| ApiError::validation(vec![field_error("body", e)]))
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PostFilterParams {
    /// Only posts by this author.
    pub author_id: Option<Uuid>,
    /// Case-insensitive search in titles: up to 200 characters, no control characters but
    /// newline and tab.
    #[param(
        max_length = 200,
        pattern = "^[^\\u0000-\\u0008\\u000B-\\u001F\\u007F-\\u009F]*$"
    )]
    pub q: Option<String>,
}
