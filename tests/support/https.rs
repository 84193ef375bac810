//! HTTPS by hand, for the TLS tests: self-signed certificates made with rcgen, a rustls client
//! that trusts only the ones it is given, and one HTTP/1.1 exchange at a time over a stream.
//! Self-contained (the binary's own tests include it by path).

use std::{io, path::Path, sync::Arc};

use rustls::{
    ClientConfig, RootCertStore,
    pki_types::{CertificateDer, ServerName},
};
use tokio::{
    io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt},
    net::TcpStream,
};
use tokio_rustls::{TlsConnector, client::TlsStream};

/// A self-signed certificate for `localhost` and its key, in PEM.
pub struct SelfSigned {
    pub cert_pem: String,
    pub key_pem: String,
    pub der: CertificateDer<'static>,
}

impl SelfSigned {
    pub fn generate() -> Self {
        let pair = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])
            .expect("a self-signed certificate");
        Self {
            cert_pem: pair.cert.pem(),
            key_pem: pair.signing_key.serialize_pem(),
            der: pair.cert.der().clone(),
        }
    }

    /// Writes both files, each replaced in one step (as a careful rotation does).
    pub fn write(&self, cert: &Path, key: &Path) {
        for (path, pem) in [(cert, &self.cert_pem), (key, &self.key_pem)] {
            let fresh = path.with_extension("new");
            std::fs::write(&fresh, pem).expect("writes");
            std::fs::rename(&fresh, path).expect("renames");
        }
    }
}

/// A client trusting exactly `trusted`, offering the given TLS versions and HTTP/1.1.
pub fn client_config(
    trusted: &[&SelfSigned],
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    for cert in trusted {
        roots.add(cert.der.clone()).expect("a usable root");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Arc::new(config)
}

/// Connects to the loopback `port` and completes a handshake for `localhost`.
pub async fn connect(port: u16, config: Arc<ClientConfig>) -> io::Result<TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(("127.0.0.1", port)).await?;
    let name = ServerName::try_from("localhost").expect("a server name");
    TlsConnector::from(config).connect(name, tcp).await
}

/// The certificate the server presented on `stream`.
pub fn peer_certificate(stream: &TlsStream<TcpStream>) -> CertificateDer<'static> {
    stream
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|chain| chain.first())
        .expect("a server certificate")
        .clone()
        .into_owned()
}

#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends `head` (a full request head, without its final blank line) and reads one answer
/// with a `Content-Length` body.
pub async fn exchange<S>(stream: &mut S, head: &str) -> io::Result<Answer>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    stream
        .write_all(format!("{head}\r\n\r\n").as_bytes())
        .await?;
    stream.flush().await?;
    let mut received = Vec::new();
    let end = loop {
        if let Some(at) = received.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        received.extend_from_slice(&chunk[..n]);
    };
    let text = String::from_utf8_lossy(&received[..end]).into_owned();
    let mut lines = text.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| {
            line.strip_prefix("HTTP/1.1 ")
                .or_else(|| line.strip_prefix("HTTP/1.0 "))
        })
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, text.clone()))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut answer = Answer {
        status,
        headers,
        body: received[end + 4..].to_vec(),
    };
    let length: usize = answer
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while answer.body.len() < length {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        answer.body.extend_from_slice(&chunk[..n]);
    }
    Ok(answer)
}
