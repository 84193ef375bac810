//! `agora healthcheck`: the container's HEALTHCHECK without curl in the image. It asks this
//! machine's server for `/health/live` over plain HTTP and fails unless the answer is 200.

use std::{
    io::{Read, Write},
    net::{SocketAddr, TcpStream},
    time::Duration,
};

use anyhow::{Context, bail};

const TIMEOUT: Duration = Duration::from_secs(3);

/// Where the local server listens: `BIND_ADDR`'s port on loopback when it binds every address.
pub fn local_address(bind_addr: Option<&str>) -> anyhow::Result<SocketAddr> {
    let raw = bind_addr.unwrap_or("0.0.0.0:8080");
    let mut addr: SocketAddr = raw
        .parse()
        .with_context(|| format!("BIND_ADDR: expected an address and port, got '{raw}'"))?;
    if addr.ip().is_unspecified() {
        addr.set_ip(if addr.is_ipv4() {
            [127, 0, 0, 1].into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    Ok(addr)
}

/// `GET path` on `addr`; Ok when the server answers 200 within the timeout.
pub fn check(addr: SocketAddr, path: &str) -> anyhow::Result<()> {
    let mut stream = TcpStream::connect_timeout(&addr, TIMEOUT)
        .with_context(|| format!("connecting to {addr}"))?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes())?;
    let mut head = [0_u8; 64];
    let mut read = 0;
    while read < 12 {
        let n = stream.read(&mut head[read..])?;
        if n == 0 {
            break;
        }
        read += n;
    }
    let status_line = String::from_utf8_lossy(&head[..read]);
    match status_line.split(' ').nth(1) {
        Some("200") => Ok(()),
        Some(status) => bail!("{path} on {addr} answered {status}"),
        None => bail!("{path} on {addr} gave no HTTP answer"),
    }
}
