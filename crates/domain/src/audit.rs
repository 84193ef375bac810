//! Security events kept in the audit trail. An event names who did what to which account, and
//! from where; it never holds a password, a token or an email address.

use std::{fmt, str::FromStr};

use chrono::{DateTime, Utc};
use thiserror::Error;
use uuid::Uuid;

use crate::UserId;

/// What happened. Stored as its snake_case name, which is part of the API: never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    AccountRegistered,
    AdminCreated,
    LoginSucceeded,
    LoginFailed,
    LoginLockedOut,
    RefreshTokenReused,
    LoggedOut,
    LoggedOutAll,
    SessionEnded,
    UserSessionsEnded,
    PasswordChanged,
    EmailChanged,
    RolesChanged,
    AccountDeleted,
    EmailVerified,
    PasswordResetRequested,
    PasswordResetCompleted,
    EmailChangeRequested,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown audit action '{0}'")]
pub struct UnknownAuditAction(pub String);

impl AuditAction {
    pub const ALL: [AuditAction; 18] = [
        AuditAction::AccountRegistered,
        AuditAction::AdminCreated,
        AuditAction::LoginSucceeded,
        AuditAction::LoginFailed,
        AuditAction::LoginLockedOut,
        AuditAction::RefreshTokenReused,
        AuditAction::LoggedOut,
        AuditAction::LoggedOutAll,
        AuditAction::SessionEnded,
        AuditAction::UserSessionsEnded,
        AuditAction::PasswordChanged,
        AuditAction::EmailChanged,
        AuditAction::RolesChanged,
        AuditAction::AccountDeleted,
        AuditAction::EmailVerified,
        AuditAction::PasswordResetRequested,
        AuditAction::PasswordResetCompleted,
        AuditAction::EmailChangeRequested,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            AuditAction::AccountRegistered => "account_registered",
            AuditAction::AdminCreated => "admin_created",
            AuditAction::LoginSucceeded => "login_succeeded",
            AuditAction::LoginFailed => "login_failed",
            AuditAction::LoginLockedOut => "login_locked_out",
            AuditAction::RefreshTokenReused => "refresh_token_reused",
            AuditAction::LoggedOut => "logged_out",
            AuditAction::LoggedOutAll => "logged_out_all",
            AuditAction::SessionEnded => "session_ended",
            AuditAction::UserSessionsEnded => "user_sessions_ended",
            AuditAction::PasswordChanged => "password_changed",
            AuditAction::EmailChanged => "email_changed",
            AuditAction::RolesChanged => "roles_changed",
            AuditAction::AccountDeleted => "account_deleted",
            AuditAction::EmailVerified => "email_verified",
            AuditAction::PasswordResetRequested => "password_reset_requested",
            AuditAction::PasswordResetCompleted => "password_reset_completed",
            AuditAction::EmailChangeRequested => "email_change_requested",
        }
    }
}

impl FromStr for AuditAction {
    type Err = UnknownAuditAction;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AuditAction::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| UnknownAuditAction(s.to_owned()))
    }
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

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
    fn every_action_round_trips_through_its_name() {
        for action in AuditAction::ALL {
            assert_eq!(action.as_str().parse::<AuditAction>(), Ok(action));
        }
        assert!("drop_tables".parse::<AuditAction>().is_err());
    }

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
