//! One pass of the delivery task: send what the outbox holds that is due, and put failures
//! back with a growing delay.

use std::sync::Arc;

use chrono::Duration;

use crate::{
    RepositoryError,
    ports::{Clock, MailOutbox, Mailer},
};

/// When failed mail is tried again.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Delay after the first failure; doubled after each further one, up to `max_delay`.
    pub first_delay: Duration,
    pub max_delay: Duration,
    /// After this many failures the mail is dropped (and logged as lost).
    pub max_attempts: u32,
    /// How long a claimed mail is kept from other instances while it is being sent.
    pub lease: Duration,
    /// Mails per pass.
    pub batch: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            first_delay: Duration::seconds(1),
            max_delay: Duration::minutes(5),
            max_attempts: 20,
            lease: Duration::minutes(2),
            batch: 50,
        }
    }
}

impl RetryPolicy {
    /// The delay after `attempts` failures.
    pub fn delay(&self, attempts: u32) -> Duration {
        let doublings = attempts.saturating_sub(1).min(20);
        (self.first_delay * 2_i32.pow(doublings)).min(self.max_delay)
    }
}

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: u64,
    /// Failed this time, to be tried again.
    pub failed: u64,
    /// Failed for the last time: lost.
    pub dropped: u64,
}

/// The delivery task's work: what it reads, sends through, and how it retries. Plain fields,
/// no constructor: nothing here has an invariant to keep.
#[derive(Clone)]
pub struct MailDelivery {
    /// Where queued mail waits; claimed with a lease so two instances never send one mail.
    pub outbox: Arc<dyn MailOutbox>,
    /// Sends one mail (SMTP, or the file outbox of the embedded default).
    pub mailer: Arc<dyn Mailer>,
    pub clock: Arc<dyn Clock>,
    /// How often and how long a failing mail is tried again.
    pub policy: RetryPolicy,
}

impl MailDelivery {
    /// Sends every mail due now (one batch).
    pub async fn run_once(&self) -> Result<DeliveryReport, RepositoryError> {
        let now = self.clock.now();
        let due = self
            .outbox
            .claim_due(now, now + self.policy.lease, self.policy.batch)
            .await?;
        let mut report = DeliveryReport::default();
        for queued in due {
            match self.mailer.send(&queued.mail).await {
                Ok(()) => {
                    self.outbox.remove(queued.id).await?;
                    tracing::info!(mail_id = %queued.id, subject = queued.mail.subject, "mail sent");
                    report.sent += 1;
                }
                Err(err) => {
                    let attempts = queued.attempts + 1;
                    if attempts >= self.policy.max_attempts {
                        self.outbox.remove(queued.id).await?;
                        tracing::error!(mail_id = %queued.id, attempts, error = %err, "mail dropped after its last attempt");
                        report.dropped += 1;
                    } else {
                        let delay = self.policy.delay(attempts);
                        self.outbox
                            .retry_at(queued.id, attempts, self.clock.now() + delay)
                            .await?;
                        tracing::warn!(mail_id = %queued.id, attempts, retry_in_seconds = delay.num_seconds(), error = %err, "mail not sent; will retry");
                        report.failed += 1;
                    }
                }
            }
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_doubles_up_to_the_cap() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay(1), Duration::seconds(1));
        assert_eq!(p.delay(2), Duration::seconds(2));
        assert_eq!(p.delay(4), Duration::seconds(8));
        assert_eq!(p.delay(30), Duration::minutes(5));
    }
}
