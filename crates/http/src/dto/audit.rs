//! How the audit trail is shown. Events hold no password, token or email address.

use chrono::{DateTime, Utc};
use domain::{AuditAction, AuditEvent};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::page::listed;

/// Declares the contract's action names alongside conversions to and from the domain's, so
/// the two lists cannot drift apart.
macro_rules! action_names {
    ($($variant:ident),* $(,)?) => {
        /// What happened (`login_locked_out` is recorded by login rate limiting).
        #[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
        #[serde(rename_all = "snake_case")]
        pub enum AuditActionName {
            $($variant),*
        }

        impl From<AuditAction> for AuditActionName {
            fn from(action: AuditAction) -> Self {
                match action {
                    $(AuditAction::$variant => Self::$variant),*
                }
            }
        }

        impl From<AuditActionName> for AuditAction {
            fn from(action: AuditActionName) -> Self {
                match action {
                    $(AuditActionName::$variant => Self::$variant),*
                }
            }
        }
    };
}

action_names!(
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
);

/// One security event.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventResponse {
    pub id: Uuid,
    /// Who acted; `null` for anonymous callers (registration is by the new account itself,
    /// failed logins and token reuse are anonymous) and the command line.
    #[schema(required = true)]
    pub actor_id: Option<Uuid>,
    pub action: AuditActionName,
    /// What was acted on: a user id, or for `session_ended` a session id.
    #[schema(required = true)]
    pub target: Option<String>,
    #[schema(required = true)]
    pub ip: Option<String>,
    #[schema(required = true)]
    pub user_agent: Option<String>,
    /// The `X-Request-Id` of the request that caused it.
    #[schema(required = true)]
    pub request_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<AuditEvent> for AuditEventResponse {
    fn from(event: AuditEvent) -> Self {
        Self {
            id: event.id,
            actor_id: event.actor.map(|a| a.as_uuid()),
            action: event.action.into(),
            target: event.target,
            ip: event.ip,
            user_agent: event.user_agent,
            request_id: event.request_id,
            created_at: event.created_at,
        }
    }
}

listed!(AuditEventResponse => AuditPage, "A page of the audit trail, newest first.");

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditFilterParams {
    /// Only events by this user id.
    pub actor: Option<Uuid>,
    /// Only events of this action.
    pub action: Option<AuditActionName>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contract_names_are_the_stored_names() {
        for action in AuditAction::ALL {
            let name = serde_json::to_value(AuditActionName::from(action)).expect("serialises");
            assert_eq!(name, action.as_str());
            assert_eq!(AuditAction::from(AuditActionName::from(action)), action);
        }
    }
}
