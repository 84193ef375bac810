//! How the audit trail is shown. Events hold no password, token or email address.

use domain::{AuditAction, AuditEvent};
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use utoipa::{
    IntoParams, PartialSchema, ToSchema,
    openapi::{ObjectBuilder, RefOr, Schema, Type},
};
use uuid::Uuid;

use super::page::listed;

/// What happened, named in the contract by the domain's stored name (`AuditAction::as_str`), so
/// the two lists cannot drift apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditActionName(AuditAction);

/// Every stored name, in the domain's order.
static NAMES: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| AuditAction::ALL.iter().map(AuditAction::as_str).collect());

impl From<AuditAction> for AuditActionName {
    fn from(action: AuditAction) -> Self {
        Self(action)
    }
}

impl From<AuditActionName> for AuditAction {
    fn from(action: AuditActionName) -> Self {
        action.0
    }
}

impl Serialize for AuditActionName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.as_str())
    }
}

impl<'de> Deserialize<'de> for AuditActionName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse()
            .map(Self)
            .map_err(|_| de::Error::unknown_variant(&name, NAMES.as_slice()))
    }
}

impl PartialSchema for AuditActionName {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "What happened (`login_locked_out` is recorded by login rate limiting).",
            ))
            .enum_values(Some(NAMES.iter().copied()))
            .into()
    }
}

impl ToSchema for AuditActionName {}

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
            let parsed: AuditActionName = serde_json::from_value(name).expect("parses");
            assert_eq!(AuditAction::from(parsed), action);
        }
        assert!(serde_json::from_value::<AuditActionName>("logged_in".into()).is_err());
    }
}
