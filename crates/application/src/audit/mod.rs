//! The audit trail: reading it (administrators), and appending the events that are not part
//! of an account change.

mod prune;

use std::sync::Arc;

use domain::AuditEvent;
use thiserror::Error;

use crate::{
    Actor,
    authz::{Forbidden, authorize_audit},
    pagination::{Page, PageRequest},
    ports::{AuditFilter, AuditLog},
};

pub use prune::PRUNE_BATCH;

crate::use_case_error! {
    #[derive(Debug, Error)]
    pub enum AuditError {
        #[error(transparent)]
        Forbidden(#[from] Forbidden),
    }
}

#[derive(Clone)]
pub struct AuditService {
    log: Arc<dyn AuditLog>,
}

impl AuditService {
    pub fn new(log: Arc<dyn AuditLog>) -> Self {
        Self { log }
    }

    /// Newest first; administrators only.
    pub async fn list(
        &self,
        actor: &Actor,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> Result<Page<AuditEvent>, AuditError> {
        authorize_audit(actor)?;
        Ok(self.log.list(filter, page).await?)
    }
}

/// Appends an event that reports something already done (a logout, a refused login): a
/// failure to write it is logged with the event, and must not change the caller's answer.
pub(crate) async fn record_after_the_fact(log: &dyn AuditLog, event: &AuditEvent) {
    if let Err(err) = log.record(event).await {
        tracing::error!(
            error = ?anyhow::Error::from(err),
            action = %event.action,
            actor = ?event.actor,
            target = ?event.target,
            request_id = ?event.request_id,
            "could not append to the audit trail"
        );
    }
}
