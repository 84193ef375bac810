//! Rendered mail, its outbox and whatever delivers it.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::Email;
use thiserror::Error;
use uuid::Uuid;

use crate::RepositoryError;

/// One mail, rendered: the address, a subject and the same text as plain text and HTML.
#[derive(Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: Email,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl std::fmt::Debug for Mail {
    /// The body carries secrets (links with tokens) and the address is personal data.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mail")
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

/// A mail could not be handed to the mail server (down, refused, timed out). The outbox keeps
/// it and the delivery task tries again later.
#[derive(Debug, Error)]
#[error("the mail could not be sent: {0:#}")]
pub struct MailError(pub anyhow::Error);

/// Hands mail to whatever delivers it (an SMTP server, files in an outbox folder).
#[async_trait]
pub trait Mailer: Send + Sync {
    /// `Ok` only once the mail is accepted by the next hop: after it, the outbox forgets it.
    async fn send(&self, mail: &Mail) -> Result<(), MailError>;
}

/// A mail waiting in the outbox.
#[derive(Debug, Clone)]
pub struct QueuedMail {
    pub id: Uuid,
    pub mail: Mail,
    /// Failed attempts so far.
    pub attempts: u32,
}

/// Mail waiting to be sent, kept in the database so that an account change is never lost with
/// its mail: the change commits, the mail is queued, a delivery task sends it and retries.
/// Implementations MUST store the address and the body protected like other personal data.
#[async_trait]
pub trait MailOutbox: Send + Sync {
    /// Queues `mail`, due at once.
    async fn enqueue(&self, mail: &Mail, now: DateTime<Utc>) -> Result<(), RepositoryError>;

    /// Up to `limit` mails due at `now`, oldest first, each claimed until `lease_until`: a
    /// concurrent claim (another instance) MUST NOT get the same mail before that.
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<QueuedMail>, RepositoryError>;

    /// The mail was sent, or given up on: it leaves the outbox.
    async fn remove(&self, id: Uuid) -> Result<(), RepositoryError>;

    /// The mail failed `attempts` times so far: due again at `at`.
    async fn retry_at(
        &self,
        id: Uuid,
        attempts: u32,
        at: DateTime<Utc>,
    ) -> Result<(), RepositoryError>;
}
