//! Who is calling: passed first to every use case, which decides authorization from it.

use chrono::{DateTime, Utc};
use domain::{AuditAction, AuditEvent, Role, SessionId, UserId};

/// An authenticated caller, as proven by a live session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: UserId,
    pub session_id: SessionId,
    pub roles: Vec<Role>,
    /// Where the request came from, for the audit trail.
    pub client: ClientInfo,
}

/// What the transport knows of the client, recorded on the sessions it opens and on the audit
/// events it causes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The id the transport gave the request (also in its logs and `X-Request-Id`).
    pub request_id: Option<String>,
}

impl ClientInfo {
    /// An audit event caused by this client.
    pub fn audit(
        &self,
        action: AuditAction,
        actor: Option<UserId>,
        now: DateTime<Utc>,
    ) -> AuditEvent {
        AuditEvent::new(action, actor, now).from_client(
            self.ip.as_deref(),
            self.user_agent.as_deref(),
            self.request_id.as_deref(),
        )
    }
}

impl Actor {
    /// An audit event this actor caused.
    pub fn audit(&self, action: AuditAction, now: DateTime<Utc>) -> AuditEvent {
        self.client.audit(action, Some(self.user_id), now)
    }
}
