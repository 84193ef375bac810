//! The embedded default: every mail is written to `DATA_DIR/outbox/<id>.eml` (readable by the
//! owner only: the mails carry tokens).

use std::path::{Path, PathBuf};

use application::ports::{Mail, MailError, Mailer};
use async_trait::async_trait;
use lettre::{AsyncFileTransport, Tokio1Executor, message::Mailbox};

use super::deliver;
use crate::private_files::create_private_dir;

pub struct FileMailer {
    dir: PathBuf,
    from: Mailbox,
    transport: AsyncFileTransport<Tokio1Executor>,
}

impl FileMailer {
    /// Creates `dir` (private) if needed.
    pub fn new(dir: &Path, from: Mailbox) -> anyhow::Result<Self> {
        create_private_dir(dir)
            .map_err(|e| anyhow::anyhow!("creating the mail outbox {}: {e}", dir.display()))?;
        Ok(Self {
            dir: dir.to_owned(),
            from,
            transport: AsyncFileTransport::new(dir),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

#[async_trait]
impl Mailer for FileMailer {
    async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        deliver(&self.transport, &self.from, mail, "writing a mail file").await
    }
}
