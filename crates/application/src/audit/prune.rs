//! Keeping the audit trail to its retention period: events older than it are deleted in
//! batches, so a large backlog never holds one long transaction.

use chrono::{DateTime, Duration, Utc};

use super::AuditService;
use crate::RepositoryError;

/// Events deleted per statement.
pub const PRUNE_BATCH: u64 = 1_000;

impl AuditService {
    /// Deletes every event created more than `retention` before `now`; returns how many.
    pub async fn prune(
        &self,
        now: DateTime<Utc>,
        retention: Duration,
    ) -> Result<u64, RepositoryError> {
        let cutoff = now - retention;
        let mut total = 0;
        loop {
            let deleted = self.log.prune_before(cutoff, PRUNE_BATCH).await?;
            total += deleted;
            if deleted < PRUNE_BATCH {
                return Ok(total);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use domain::{AuditAction, AuditEvent};

    use super::*;
    use crate::{fakes::FakeAudit, ports::AuditLog};

    #[tokio::test]
    async fn only_events_past_their_retention_are_deleted() {
        let log = Arc::new(FakeAudit::default());
        let now = Utc::now();
        let ages = (0..2_500).map(|_| 400).chain([364, 1, 0]);
        for days in ages {
            let event = AuditEvent::new(AuditAction::LoggedOut, None, now - Duration::days(days));
            log.record(&event).await.expect("recorded");
        }
        let service = AuditService::new(log.clone());
        let deleted = service
            .prune(now, Duration::days(365))
            .await
            .expect("prunes");
        assert_eq!(deleted, 2_500);
        assert_eq!(log.actions().len(), 3);
    }
}
