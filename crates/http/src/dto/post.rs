//! Posts as the API shows them, and the body that creates or changes one.

use application::{
    posts::PostInput,
    views::{PostSummary, PostView},
};
use chrono::{DateTime, Utc};
use domain::{PostBody, PostTitle};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{author::AuthorResponse, page::listed};
use crate::error::{ApiError, FieldError};

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

listed!(PostSummaryResponse => PostPage, "One page of posts, newest first.");

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

impl PostRequest {
    pub fn into_input(self) -> Result<PostInput, ApiError> {
        let title = PostTitle::parse(&self.title);
        let body = PostBody::parse(&self.body);
        match (title, body) {
            (Ok(title), Ok(body)) => Ok(PostInput { title, body }),
            (title, body) => Err(ApiError::validation(
                [
                    title.err().map(|e| FieldError::new("title", e)),
                    body.err().map(|e| FieldError::new("body", e)),
                ]
                .into_iter()
                .flatten()
                .collect(),
            )),
        }
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
