//! Reading the mail the server sends: from the `.eml` files of the embedded outbox
//! (`DATA_DIR/outbox/`), or from [`SmtpSink`], a minimal SMTP server on loopback that keeps
//! every message it is given (no Python, no external service).

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
    task::JoinHandle,
};

use crate::TestApp;

/// How long a test waits for a mail the delivery task should send.
const MAIL_WAIT: Duration = Duration::from_secs(10);

/// One received mail, its transfer encoding undone far enough to read links.
#[derive(Debug, Clone)]
pub struct SentMail {
    pub to: String,
    pub subject: String,
    /// The whole message (headers and both parts), quoted-printable soft breaks removed.
    pub text: String,
}

impl SentMail {
    fn parse(raw: &str) -> Self {
        let header = |name: &str| {
            raw.lines()
                .take_while(|l| !l.is_empty())
                .find_map(|l| l.strip_prefix(&format!("{name}: ")))
                .unwrap_or_default()
                .trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned()
        };
        let text = raw
            .replace("=\r\n", "")
            .replace("=\n", "")
            .replace("=3D", "=");
        Self {
            to: header("To"),
            subject: header("Subject"),
            text,
        }
    }

    /// The token of the link in the mail, if it has one.
    pub fn token(&self) -> Option<String> {
        let start = self.text.find("?token=")? + "?token=".len();
        let token: String = self.text[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        (!token.is_empty()).then_some(token)
    }

    /// The link (`PUBLIC_BASE_URL/page?token=...`) in the mail.
    pub fn link(&self) -> Option<String> {
        let token = self.token()?;
        let end = self.text.find(&token)? + token.len();
        let start = self.text[..end].rfind("http")?;
        Some(self.text[start..end].to_owned())
    }
}

impl TestApp {
    /// Every mail written to the embedded outbox so far.
    pub fn outbox(&self) -> Vec<SentMail> {
        let Ok(entries) = std::fs::read_dir(self.settings.data_dir.join("outbox")) else {
            return Vec::new();
        };
        entries
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .map(|raw| SentMail::parse(&raw))
            .collect()
    }

    /// Waits until the outbox holds `count` mails to `to` with `subject`; returns them.
    pub async fn wait_for_mail(&self, to: &str, subject: &str, count: usize) -> Vec<SentMail> {
        wait_for(|| matching(self.outbox(), to, subject), count).await
    }
}

fn matching(mails: Vec<SentMail>, to: &str, subject: &str) -> Vec<SentMail> {
    mails
        .into_iter()
        .filter(|m| m.to == to && m.subject == subject)
        .collect()
}

async fn wait_for(mut found: impl FnMut() -> Vec<SentMail>, count: usize) -> Vec<SentMail> {
    let deadline = tokio::time::Instant::now() + MAIL_WAIT;
    loop {
        let mails = found();
        if mails.len() >= count || tokio::time::Instant::now() > deadline {
            assert_eq!(mails.len(), count, "mails received: {mails:?}");
            return mails;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A loopback SMTP server that accepts every message and keeps it.
pub struct SmtpSink {
    pub port: u16,
    mails: Arc<Mutex<Vec<SentMail>>>,
    task: JoinHandle<()>,
}

impl SmtpSink {
    /// Listens on `port` (0: any free port).
    pub async fn start(port: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind the SMTP sink");
        let port = listener.local_addr().expect("address").port();
        let mails = Arc::new(Mutex::new(Vec::new()));
        let kept = mails.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(session(stream, kept.clone()));
            }
        });
        Self { port, mails, task }
    }

    /// `SMTP_URL` for this sink (plain SMTP: loopback only).
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn mails(&self) -> Vec<SentMail> {
        self.mails.lock().expect("sink lock").clone()
    }

    pub async fn wait_for_mail(&self, to: &str, subject: &str, count: usize) -> Vec<SentMail> {
        wait_for(|| matching(self.mails(), to, subject), count).await
    }

    /// Stops listening: the port refuses connections until a sink starts on it again.
    pub fn stop(self) {
        self.task.abort();
    }
}

/// One SMTP conversation (RFC 5321, the commands lettre sends).
async fn session(stream: TcpStream, mails: Arc<Mutex<Vec<SentMail>>>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    let _ = write.write_all(b"220 sink ESMTP\r\n").await;
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let command = line.trim_end().to_ascii_uppercase();
        let answer = if command.starts_with("EHLO") {
            "250-sink\r\n250 8BITMIME"
        } else if command.starts_with("HELO")
            || command.starts_with("MAIL")
            || command.starts_with("RCPT")
            || command.starts_with("RSET")
            || command.starts_with("NOOP")
        {
            "250 OK"
        } else if command.starts_with("DATA") {
            let _ = write.write_all(b"354 go on\r\n").await;
            let mut message = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                    return;
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                message.push_str(line.strip_prefix('.').unwrap_or(&line));
            }
            mails
                .lock()
                .expect("sink lock")
                .push(SentMail::parse(&message));
            "250 queued"
        } else if command.starts_with("QUIT") {
            let _ = write.write_all(b"221 bye\r\n").await;
            return;
        } else {
            "502 not implemented"
        };
        if write
            .write_all(format!("{answer}\r\n").as_bytes())
            .await
            .is_err()
        {
            return;
        }
    }
}
