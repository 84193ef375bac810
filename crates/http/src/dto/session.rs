//! How a login session (one per device) is shown to its owner.

use application::auth::SessionView;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::page::listed;

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionResponse {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    /// When the session last logged in or refreshed its tokens.
    pub last_used_at: DateTime<Utc>,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    /// Whether this is the session making the request.
    pub current: bool,
}

listed!(SessionResponse => SessionList, "One page of the caller's live sessions, newest first.");

impl From<SessionView> for SessionResponse {
    fn from(view: SessionView) -> Self {
        let session = view.session.parts();
        Self {
            id: session.id.as_uuid(),
            created_at: session.created_at,
            last_used_at: session.last_used_at,
            user_agent: session.user_agent.clone(),
            ip: session.ip.clone(),
            current: view.current,
        }
    }
}
