//! How account mail is sent and what its links point to: read with the rest of the
//! configuration.

use std::time::Duration;

use anyhow::bail;
use lettre::message::Mailbox;
use secrecy::SecretString;

use super::vars::Vars;

#[derive(Debug, Clone)]
pub struct MailConfig {
    /// `SMTP_URL`: `smtps://user:pass@host:465` or `smtp://host:587`. `None`: mail is written
    /// as `.eml` files to `DATA_DIR/outbox/` (the embedded default).
    pub smtp_url: Option<SecretString>,
    /// `MAIL_FROM`: the sender, `Agora <no-reply@example.com>` or a bare address.
    pub mail_from: Mailbox,
    /// `PUBLIC_BASE_URL`: the frontend the links in mails point to.
    pub public_base_url: String,
    /// `EMAIL_TOKEN_TTL_SECONDS` (60 to 2,592,000): verification and email-change links.
    pub email_token_ttl: Duration,
    /// `PASSWORD_RESET_TTL_SECONDS` (60 to 86,400): password reset links.
    pub password_reset_ttl: Duration,
    /// `REQUIRE_VERIFIED_EMAIL`: unverified accounts may not create posts or comments.
    pub require_verified_email: bool,
}

impl Default for MailConfig {
    fn default() -> Self {
        Self {
            smtp_url: None,
            mail_from: Mailbox::new(
                Some("Agora".into()),
                "no-reply@localhost".parse().expect("a valid address"),
            ),
            public_base_url: "http://localhost:8080".into(),
            email_token_ttl: Duration::from_secs(24 * 3600),
            password_reset_ttl: Duration::from_secs(3600),
            require_verified_email: false,
        }
    }
}

impl MailConfig {
    pub(crate) fn from_vars(vars: &Vars) -> anyhow::Result<Self> {
        let smtp_url = match vars.text("SMTP_URL") {
            None => None,
            Some(url) if url.starts_with("smtp://") || url.starts_with("smtps://") => {
                Some(SecretString::from(url))
            }
            Some(_) => bail!("SMTP_URL: expected an smtp:// or smtps:// URL"),
        };
        let mut s = Self {
            smtp_url,
            ..Self::default()
        };
        let expected = "an address like 'Agora <no-reply@example.com>'";
        if let Some(from) = vars.parsed("MAIL_FROM", expected)? {
            s.mail_from = from;
        }
        match vars.text("PUBLIC_BASE_URL") {
            None => {}
            Some(url) if url.starts_with("https://") || url.starts_with("http://") => {
                s.public_base_url = url.trim().trim_end_matches('/').to_owned();
            }
            Some(_) => bail!("PUBLIC_BASE_URL: expected an http:// or https:// URL"),
        }
        s.require_verified_email = match vars.text("REQUIRE_VERIFIED_EMAIL").as_deref() {
            None | Some("false") | Some("0") => false,
            Some("true") | Some("1") => true,
            Some(other) => {
                bail!("REQUIRE_VERIFIED_EMAIL: expected 'true' or 'false', got '{other}'")
            }
        };
        let email = &mut s.email_token_ttl;
        vars.read_seconds(email, "EMAIL_TOKEN_TTL_SECONDS", 60..=30 * 24 * 3600)?;
        let reset = &mut s.password_reset_ttl;
        vars.read_seconds(reset, "PASSWORD_RESET_TTL_SECONDS", 60..=24 * 3600)?;
        Ok(s)
    }
}
