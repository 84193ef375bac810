//! Comments as the API shows them, and the body that creates or changes one.

use application::views::CommentView;
use chrono::{DateTime, Utc};
use domain::CommentBody;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{author::AuthorResponse, page::listed};
use crate::error::ApiError;

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

listed!(CommentResponse => CommentPage, "One page of comments, oldest first.");

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
        CommentBody::parse(&self.body).map_err(|e| ApiError::invalid_field("body", e))
    }
}
