//! Mail through an SMTP server: `smtps://user:pass@host:465` (TLS), `smtp://host:587`
//! (STARTTLS when the server offers it; `?tls=required` to insist), as lettre reads the URL.

use std::time::Duration;

use anyhow::Context;
use application::ports::{Mail, MailError, Mailer};
use async_trait::async_trait;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor, message::Mailbox};

use super::message;

/// One SMTP exchange may take this long before it counts as failed (and is retried later).
const TIMEOUT: Duration = Duration::from_secs(10);

pub struct SmtpMailer {
    from: Mailbox,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl SmtpMailer {
    pub fn new(url: &str, from: Mailbox) -> anyhow::Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .context("SMTP_URL is not an SMTP URL lettre accepts")?
            .timeout(Some(TIMEOUT))
            .build();
        Ok(Self { from, transport })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        let message = message(&self.from, mail).map_err(MailError)?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| MailError(anyhow::Error::new(e).context("sending a mail over SMTP")))
    }
}
