//! HTTPS on the public listener (`TLS_CERT_FILE` + `TLS_KEY_FILE`), with rustls over the
//! guarded stream, so the head, keep-alive and per-client limits hold under TLS as without it
//! (the handshake counts against the first head's deadline).
//!
//! The certificate is served through [`CertStore`], a resolver holding the current pair:
//! [`CertStore::reload`] (on SIGHUP) swaps in a new pair for the handshakes that follow, while
//! open connections keep the keys they agreed. A pair that does not load keeps the old one.

use std::{
    fmt, io,
    path::Path,
    pin::Pin,
    sync::{Arc, PoisonError, RwLock},
    task::{Context, Poll},
};

use agora_http::ConnectionActivity;
use anyhow::{Context as _, bail};
use infrastructure::config::TlsSettings;
use rustls::{
    ServerConfig,
    crypto::CryptoProvider,
    pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject},
    server::{ClientHello, ResolvesServerCert},
    sign::CertifiedKey,
};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_rustls::{TlsAcceptor, server::TlsStream};

use crate::connections::Guarded;

/// The certificate and key being served, re-read from their files on demand.
pub struct CertStore {
    files: TlsSettings,
    provider: Arc<CryptoProvider>,
    current: RwLock<Arc<CertifiedKey>>,
}

impl fmt::Debug for CertStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertStore")
            .field("files", &self.files)
            .finish_non_exhaustive()
    }
}

impl CertStore {
    /// Reads both files; an unreadable, empty or mismatched pair stops the start.
    pub fn load(files: &TlsSettings) -> anyhow::Result<Arc<Self>> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let current = read_pair(files, &provider)?;
        Ok(Arc::new(Self {
            files: files.clone(),
            provider,
            current: RwLock::new(current),
        }))
    }

    /// Re-reads the files. On success new handshakes use the new pair; on failure the old one
    /// stays and the error says why.
    pub fn reload(&self) -> anyhow::Result<()> {
        let fresh = read_pair(&self.files, &self.provider)?;
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = fresh;
        Ok(())
    }

    /// The acceptor for the public listener: TLS 1.2 and 1.3, HTTP/1.1 only.
    pub fn acceptor(self: &Arc<Self>) -> anyhow::Result<TlsAcceptor> {
        let mut config = ServerConfig::builder_with_provider(self.provider.clone())
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .context("TLS: protocol versions")?
            .with_no_client_auth()
            .with_cert_resolver(self.clone());
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(TlsAcceptor::from(Arc::new(config)))
    }
}

impl ResolvesServerCert for CertStore {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(
            self.current
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
        )
    }
}

fn read_pair(files: &TlsSettings, provider: &CryptoProvider) -> anyhow::Result<Arc<CertifiedKey>> {
    let shown = |path: &Path| path.display().to_string();
    let certs = CertificateDer::pem_file_iter(&files.cert_file)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|err| {
            anyhow::anyhow!(
                "TLS_CERT_FILE: cannot read PEM certificates from {}: {err}",
                shown(&files.cert_file)
            )
        })?;
    if certs.is_empty() {
        bail!(
            "TLS_CERT_FILE: no certificate in {}",
            shown(&files.cert_file)
        );
    }
    let key = PrivateKeyDer::from_pem_file(&files.key_file).map_err(|err| {
        anyhow::anyhow!(
            "TLS_KEY_FILE: cannot read a PEM private key from {}: {err}",
            shown(&files.key_file)
        )
    })?;
    let pair = CertifiedKey::from_der(certs, key, provider).map_err(|err| {
        anyhow::anyhow!("TLS_KEY_FILE: not a key for the certificate in TLS_CERT_FILE: {err}")
    })?;
    Ok(Arc::new(pair))
}

/// A client connection on the public listener: plain, or TLS over the guarded stream.
pub enum Conn {
    Plain(Guarded),
    Tls(Box<TlsStream<Guarded>>),
}

impl Conn {
    pub fn activity(&self) -> Arc<ConnectionActivity> {
        match self {
            Self::Plain(io) => io.activity(),
            Self::Tls(io) => io.get_ref().0.activity(),
        }
    }
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(io) => Pin::new(io).poll_read(cx, buf),
            Self::Tls(io) => Pin::new(io.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(io) => Pin::new(io).poll_write(cx, buf),
            Self::Tls(io) => Pin::new(io.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(io) => Pin::new(io).poll_write_vectored(cx, bufs),
            Self::Tls(io) => Pin::new(io.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Self::Plain(io) => io.is_write_vectored(),
            Self::Tls(io) => io.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(io) => Pin::new(io).poll_flush(cx),
            Self::Tls(io) => Pin::new(io.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(io) => Pin::new(io).poll_shutdown(cx),
            Self::Tls(io) => Pin::new(io.as_mut()).poll_shutdown(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh self-signed pair for `localhost`, written to `dir`.
    fn write_pair(dir: &Path) -> (TlsSettings, CertificateDer<'static>) {
        let pair = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("cert");
        let files = TlsSettings {
            cert_file: dir.join("cert.pem"),
            key_file: dir.join("key.pem"),
        };
        std::fs::write(&files.cert_file, pair.cert.pem()).expect("writes");
        std::fs::write(&files.key_file, pair.signing_key.serialize_pem()).expect("writes");
        (files, pair.cert.der().clone())
    }

    fn served(store: &CertStore) -> CertificateDer<'static> {
        store.current.read().expect("lock").cert[0].clone()
    }

    #[test]
    fn a_reload_serves_the_new_pair_and_a_bad_one_keeps_the_old() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (files, first) = write_pair(dir.path());
        let store = CertStore::load(&files).expect("loads");
        assert_eq!(served(&store), first);

        let (_, second) = write_pair(dir.path());
        store.reload().expect("reloads");
        assert_eq!(served(&store), second);

        // Half-written rotation: a new certificate beside the old key.
        let key = std::fs::read(&files.key_file).expect("reads");
        write_pair(dir.path());
        std::fs::write(&files.key_file, &key).expect("writes");
        let err = store.reload().expect_err("mismatched pair");
        assert!(format!("{err:#}").starts_with("TLS_KEY_FILE"), "{err:#}");
        std::fs::write(&files.cert_file, "not a certificate").expect("writes");
        let err = store.reload().expect_err("no certificate");
        assert!(format!("{err:#}").starts_with("TLS_CERT_FILE"), "{err:#}");
        assert_eq!(served(&store), second, "the pair in use stays");
    }

    #[test]
    fn missing_or_mismatched_files_stop_the_start_naming_the_variable() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (files, _) = write_pair(dir.path());
        let missing_key = TlsSettings {
            key_file: dir.path().join("absent.pem"),
            ..files.clone()
        };
        let err = CertStore::load(&missing_key).expect_err("no key");
        assert!(format!("{err:#}").starts_with("TLS_KEY_FILE"), "{err:#}");
        let key_as_cert = TlsSettings {
            cert_file: files.key_file.clone(),
            ..files
        };
        let err = CertStore::load(&key_as_cert).expect_err("no certificate");
        assert!(format!("{err:#}").starts_with("TLS_CERT_FILE"), "{err:#}");
    }
}
