//! Account mail: picks the mailer (SMTP with `SMTP_URL`, else `.eml` files in
//! `DATA_DIR/outbox/`), the outbox and the delivery task that drains it.

use std::{sync::Arc, time::Duration};

use anyhow::Context;
use application::{
    mail::{AccountMail, MailDelivery, MailSettings, RetryPolicy},
    ports::{AccountTokens, Clock, MailOutbox, Mailer},
};
use infrastructure::{FileMailer, SmtpMailer, config::Settings};
use secrecy::ExposeSecret;

/// How often the delivery task looks for due mail.
const POLL_EVERY: Duration = Duration::from_millis(500);

pub struct MailWiring {
    pub account_mail: AccountMail,
    pub delivery: MailDelivery,
}

pub fn wire_mail(
    settings: &Settings,
    outbox: Arc<dyn MailOutbox>,
    tokens: Arc<dyn AccountTokens>,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<MailWiring> {
    let config = &settings.mail;
    let mailer: Arc<dyn Mailer> = match &config.smtp_url {
        Some(url) => {
            let mailer = SmtpMailer::new(url.expose_secret(), config.mail_from.clone())?;
            tracing::info!("mail: SMTP (SMTP_URL)");
            Arc::new(mailer)
        }
        None => {
            let dir = settings.data_dir.join("outbox");
            let mailer = FileMailer::new(&dir, config.mail_from.clone()).context("DATA_DIR")?;
            tracing::info!(
                outbox = %mailer.dir().display(),
                "mail: written as .eml files (embedded default; set SMTP_URL to send them)"
            );
            Arc::new(mailer)
        }
    };
    let mail_settings = MailSettings {
        public_base_url: config.public_base_url.clone(),
        email_token_ttl: chrono::Duration::from_std(config.email_token_ttl)
            .context("EMAIL_TOKEN_TTL_SECONDS")?,
        password_reset_ttl: chrono::Duration::from_std(config.password_reset_ttl)
            .context("PASSWORD_RESET_TTL_SECONDS")?,
    };
    Ok(MailWiring {
        account_mail: AccountMail {
            tokens,
            outbox: outbox.clone(),
            clock: clock.clone(),
            settings: mail_settings,
        },
        delivery: MailDelivery {
            outbox,
            mailer,
            clock,
            policy: RetryPolicy::default(),
        },
    })
}

/// Drains the outbox every `POLL_EVERY`, counting what it sent, deferred and dropped.
pub fn start_delivery(delivery: MailDelivery) -> tokio::task::JoinHandle<()> {
    let mut ticks = tokio::time::interval(POLL_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::spawn(async move {
        loop {
            ticks.tick().await;
            match delivery.run_once().await {
                Ok(report) => {
                    for (outcome, n) in [
                        ("sent", report.sent),
                        ("deferred", report.failed),
                        ("dropped", report.dropped),
                    ] {
                        if n > 0 {
                            metrics::counter!("agora_mail_total", "outcome" => outcome)
                                .increment(n);
                        }
                    }
                }
                Err(err) => tracing::warn!(
                    error = ?anyhow::Error::from(err),
                    "reading the mail outbox failed; retrying shortly"
                ),
            }
        }
    })
}
