//! `Mailer` adapters with lettre: SMTP (`SMTP_URL`), and the embedded default, `.eml` files in
//! an outbox folder a developer can open.

mod file_mailer;
mod smtp_mailer;

pub use file_mailer::FileMailer;
pub use smtp_mailer::SmtpMailer;

use anyhow::Context;
use application::ports::{Mail, MailError};
use lettre::{
    AsyncTransport, Message,
    message::{Mailbox, MultiPart},
};

/// Builds `mail` from `from` and hands it to `transport`; a failure says what it was `doing`.
async fn deliver<T>(
    transport: &T,
    from: &Mailbox,
    mail: &Mail,
    doing: &'static str,
) -> Result<(), MailError>
where
    T: AsyncTransport + Sync,
    T::Error: std::error::Error + Send + Sync + 'static,
{
    let message = message(from, mail).map_err(MailError)?;
    transport
        .send(message)
        .await
        .map(|_| ())
        .map_err(|e| MailError(anyhow::Error::new(e).context(doing)))
}

/// The MIME message for `mail`, from `from`: plain text and HTML as alternatives.
fn message(from: &Mailbox, mail: &Mail) -> anyhow::Result<Message> {
    let to: Mailbox = mail
        .to
        .as_ref()
        .parse()
        .context("the recipient is not an address lettre accepts")?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.clone())
        .multipart(MultiPart::alternative_plain_html(
            mail.text.clone(),
            mail.html.clone(),
        ))
        .context("building a mail")
}
