//! The author of a post or comment as the API shows them.

use application::views::AuthorRef;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

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
