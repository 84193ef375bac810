//! Listeners beside the API (`METRICS_ADDR`, `HTTP_REDIRECT_ADDR`): bound and started alike,
//! failing with the setting's name.

use std::net::{SocketAddr, TcpListener};

use actix_server::Server;
use anyhow::Context;

/// Binds `addr` (the value of `setting`), hands the listener to `start`, and logs `what` with
/// the address and port. Returns the bound port and the server (not yet polled).
pub fn serve(
    setting: &str,
    addr: SocketAddr,
    what: &str,
    start: impl FnOnce(TcpListener) -> std::io::Result<Server>,
) -> anyhow::Result<(u16, Server)> {
    let listener =
        TcpListener::bind(addr).with_context(|| format!("{setting}: cannot listen on {addr}"))?;
    let port = listener.local_addr()?.port();
    let server = start(listener).with_context(|| format!("{setting}: cannot serve"))?;
    tracing::info!(address = %addr.ip(), port, "{what}");
    Ok((port, server))
}
