//! Mail through an SMTP server: `smtps://user:pass@host:465` (TLS from the first byte) or
//! `smtp://user:pass@host:587` (STARTTLS, required). Only a loopback relay
//! (`smtp://127.0.0.1:25`, `localhost`, `[::1]`) is spoken to in plain text by default; an
//! explicit `?tls=required|opportunistic` in the URL is kept as lettre reads it.

use std::time::Duration;

use anyhow::Context;
use application::ports::{Mail, MailError, Mailer};
use async_trait::async_trait;
use lettre::{AsyncSmtpTransport, Tokio1Executor, message::Mailbox};

use super::deliver;

/// One SMTP exchange may take this long before it counts as failed (and is retried later).
const TIMEOUT: Duration = Duration::from_secs(10);

pub struct SmtpMailer {
    from: Mailbox,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl SmtpMailer {
    pub fn new(url: &str, from: Mailbox) -> anyhow::Result<Self> {
        let url = with_tls_default(url);
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&url)
            .context("SMTP_URL is not an SMTP URL lettre accepts")?
            .timeout(Some(TIMEOUT))
            .build();
        Ok(Self { from, transport })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        deliver(
            &self.transport,
            &self.from,
            mail,
            "sending a mail over SMTP",
        )
        .await
    }
}

/// `smtp://` to anything but loopback without a `tls=` parameter: STARTTLS is required, so
/// credentials and tokens never cross a network in the clear by accident.
fn with_tls_default(url: &str) -> String {
    let Some(rest) = url.strip_prefix("smtp://") else {
        return url.to_owned();
    };
    if url.contains("tls=") {
        return url.to_owned();
    }
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let host = if host_port.starts_with('[') {
        host_port
            .split(']')
            .next()
            .unwrap_or_default()
            .trim_start_matches('[')
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    if matches!(host, "localhost" | "::1") || host.starts_with("127.") {
        return url.to_owned();
    }
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}tls=required")
}

#[cfg(test)]
mod tests {
    use super::with_tls_default;

    #[test]
    fn plain_smtp_to_a_remote_host_requires_starttls() {
        assert_eq!(
            with_tls_default("smtp://u:p@mail.example.com:587"),
            "smtp://u:p@mail.example.com:587?tls=required"
        );
        assert_eq!(
            with_tls_default("smtp://127.0.0.1:2525"),
            "smtp://127.0.0.1:2525"
        );
        assert_eq!(
            with_tls_default("smtp://u:p@[::1]:25"),
            "smtp://u:p@[::1]:25"
        );
        assert_eq!(
            with_tls_default("smtp://mail.example.com?tls=opportunistic"),
            "smtp://mail.example.com?tls=opportunistic"
        );
        assert_eq!(
            with_tls_default("smtps://u:p@mail.example.com:465"),
            "smtps://u:p@mail.example.com:465"
        );
    }
}
