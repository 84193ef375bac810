//! Where the server listens: TLS files and the plain-HTTP redirect listener.

use std::{net::SocketAddr, path::PathBuf};

use anyhow::bail;

use super::vars::Vars;

/// `TLS_CERT_FILE` + `TLS_KEY_FILE`: PEM files, re-read on SIGHUP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    /// The certificate chain, leaf first.
    pub cert_file: PathBuf,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub key_file: PathBuf,
}

/// `TLS_CERT_FILE` and `TLS_KEY_FILE`: both or neither.
pub(super) fn tls(vars: &Vars) -> anyhow::Result<Option<TlsSettings>> {
    Ok(
        match (vars.text("TLS_CERT_FILE"), vars.text("TLS_KEY_FILE")) {
            (None, None) => None,
            (Some(cert), Some(key)) => Some(TlsSettings {
                cert_file: PathBuf::from(cert.trim()),
                key_file: PathBuf::from(key.trim()),
            }),
            (cert, _) => bail!(
                "{}: TLS_CERT_FILE and TLS_KEY_FILE go together: set both or neither",
                if cert.is_some() {
                    "TLS_KEY_FILE"
                } else {
                    "TLS_CERT_FILE"
                }
            ),
        },
    )
}

/// `HTTP_REDIRECT_ADDR`: redirects to HTTPS, so only with TLS.
pub(super) fn http_redirect_addr(vars: &Vars) -> anyhow::Result<Option<SocketAddr>> {
    match vars.text("HTTP_REDIRECT_ADDR") {
        None => Ok(None),
        Some(_) if tls(vars)?.is_none() => bail!(
            "HTTP_REDIRECT_ADDR: redirects to HTTPS, so it needs TLS_CERT_FILE and TLS_KEY_FILE"
        ),
        Some(_) => vars.parsed("HTTP_REDIRECT_ADDR", "an address like 0.0.0.0:80"),
    }
}
