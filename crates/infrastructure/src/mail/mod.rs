//! `Mailer` adapters with lettre: SMTP (`SMTP_URL`), and the embedded default, `.eml` files in
//! an outbox folder a developer can open.

mod file_mailer;
mod smtp_mailer;

pub use file_mailer::FileMailer;
pub use smtp_mailer::SmtpMailer;

use anyhow::Context;
use application::ports::Mail;
use lettre::{
    Message,
    message::{Mailbox, MultiPart},
};

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
