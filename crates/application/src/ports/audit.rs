//! The audit trail.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::{AuditAction, AuditEvent, UserId};

use crate::{
    RepositoryError,
    pagination::{Page, PageRequest},
};

/// The audit trail of security events, for events that are not part of a database change
/// (logins, logouts, token reuse). Changes to accounts carry their event into the
/// `UserRepository` instead, so it is written in the same transaction.
#[async_trait]
pub trait AuditLog: Send + Sync {
    /// Appends one event. Events are never updated through this port, and deleted only by
    /// `prune_before` once past their retention.
    async fn record(&self, event: &AuditEvent) -> Result<(), RepositoryError>;

    /// Deletes at most `batch` events created before `cutoff` (oldest first) and says how
    /// many it deleted, so a caller can prune a large backlog in short transactions. MUST NOT
    /// touch events created at or after `cutoff`.
    async fn prune_before(&self, cutoff: DateTime<Utc>, batch: u64)
    -> Result<u64, RepositoryError>;

    /// Events newest first (keyset on created_at, id), narrowed by `filter`.
    async fn list(
        &self,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> Result<Page<AuditEvent>, RepositoryError>;
}

/// Narrows an audit listing; every given criterion must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor: Option<UserId>,
    pub action: Option<AuditAction>,
}
