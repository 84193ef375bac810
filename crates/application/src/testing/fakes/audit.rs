//! The audit trail in memory.

use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::AuditEvent;

use super::{Listed, Order, keyset_page};
use crate::{
    RepositoryError,
    pagination::{Cursor, Page, PageRequest},
    ports::{AuditFilter, AuditLog},
};

/// The audit trail, shared by the fakes that write to it.
#[derive(Default)]
pub struct FakeAudit(pub Mutex<Vec<AuditEvent>>);

impl FakeAudit {
    pub fn actions(&self) -> Vec<domain::AuditAction> {
        self.0
            .lock()
            .expect("lock")
            .iter()
            .map(|e| e.action)
            .collect()
    }

    /// How many events of `action` were recorded.
    pub fn count(&self, action: domain::AuditAction) -> usize {
        self.0
            .lock()
            .expect("lock")
            .iter()
            .filter(|e| e.action == action)
            .count()
    }
}

impl Listed for AuditEvent {
    fn cursor(&self) -> Cursor {
        Cursor {
            created_at: self.created_at,
            id: self.id,
        }
    }
}

#[async_trait]
impl AuditLog for FakeAudit {
    async fn record(&self, event: &AuditEvent) -> Result<(), RepositoryError> {
        self.0.lock().expect("lock").push(event.clone());
        Ok(())
    }

    async fn list(
        &self,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> Result<Page<AuditEvent>, RepositoryError> {
        let events = self.0.lock().expect("lock");
        let matching = events.iter().filter(|e| {
            filter.actor.is_none_or(|a| e.actor == Some(a))
                && filter.action.is_none_or(|a| e.action == a)
        });
        Ok(keyset_page(matching.cloned(), page, Order::NewestFirst))
    }

    async fn prune_before(
        &self,
        cutoff: DateTime<Utc>,
        batch: u64,
    ) -> Result<u64, RepositoryError> {
        let mut events = self.0.lock().expect("lock");
        let mut old: Vec<_> = events
            .iter()
            .filter(|e| e.created_at < cutoff)
            .map(|e| (e.created_at, e.id))
            .collect();
        old.sort();
        old.truncate(batch as usize);
        events.retain(|e| !old.contains(&(e.created_at, e.id)));
        Ok(old.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::contract;

    #[tokio::test]
    async fn the_fake_audit_log_passes_the_contract() {
        contract::audit_log(&FakeAudit::default()).await;
    }
}
