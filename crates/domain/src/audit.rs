//! Security events kept in the audit trail. An event names who did what to which account, and
//! from where; it never holds a password, a token or an email address.

use chrono::{DateTime, Utc};
use thiserror::Error;
use uuid::Uuid;

use crate::{UserId, named::named_enum};

named_enum! {
    /// What happened. Stored as its snake_case name, which is part of the API: never rename one.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum AuditAction (unknown: UnknownAuditAction) {
        AccountRegistered => "account_registered",
        AdminCreated => "admin_created",
        LoginSucceeded => "login_succeeded",
        LoginFailed => "login_failed",
        LoginLockedOut => "login_locked_out",
        RefreshTokenReused => "refresh_token_reused",
        LoggedOut => "logged_out",
        LoggedOutAll => "logged_out_all",
        SessionEnded => "session_ended",
        UserSessionsEnded => "user_sessions_ended",
        PasswordChanged => "password_changed",
        EmailChanged => "email_changed",
        RolesChanged => "roles_changed",
        AccountDeleted => "account_deleted",
        EmailVerified => "email_verified",
        PasswordResetRequested => "password_reset_requested",
        PasswordResetCompleted => "password_reset_completed",
        EmailChangeRequested => "email_change_requested",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown audit action '{0}'")]
pub struct UnknownAuditAction(pub String);

/// Longest user agent kept; the rest is cut (at a character boundary).
pub const MAX_USER_AGENT_CHARS: usize = 512;

/// One entry of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub id: Uuid,
    /// Who acted; `None` for anonymous callers (registration, failed logins) and the CLI.
    pub actor: Option<UserId>,
    pub action: AuditAction,
    /// What was acted on, e.g. a user id or a session id.
    pub target: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl AuditEvent {
    /// A new event with a fresh time-ordered id; the user agent is bounded.
    pub fn new(action: AuditAction, actor: Option<UserId>, now: DateTime<Utc>) -> Self {
        Self {
            id: Uuid::now_v7(),
            actor,
            action,
            target: None,
            ip: None,
            user_agent: None,
            request_id: None,
            created_at: now,
        }
    }

    pub fn with_target(mut self, target: impl ToString) -> Self {
        self.target = Some(target.to_string());
        self
    }

    /// Where the request came from; any of them may be unknown.
    pub fn from_client(
        mut self,
        ip: Option<&str>,
        user_agent: Option<&str>,
        request_id: Option<&str>,
    ) -> Self {
        self.ip = ip.map(str::to_owned);
        self.user_agent = user_agent.map(|ua| ua.chars().take(MAX_USER_AGENT_CHARS).collect());
        self.request_id = request_id.map(str::to_owned);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_user_agents_are_cut() {
        let event = AuditEvent::new(AuditAction::LoginFailed, None, Utc::now()).from_client(
            None,
            Some(&"é".repeat(2000)),
            None,
        );
        assert_eq!(
            event.user_agent.map(|ua| ua.chars().count()),
            Some(MAX_USER_AGENT_CHARS)
        );
    }
}
