//! Open-loop load at a fixed rate, the way wrk2 drives it: a fixed set of keep-alive
//! connections, each owning every `connections`-th request of the schedule. Request *i* is due
//! at *i* / rate whatever happened before, and its latency counts from when it was due, so a
//! stall shows in the figures instead of silently lowering the rate (no coordinated omission).
//!
//! The requests are written as raw HTTP/1.1 bytes, formatted once, and each answer is read by
//! its `Content-Length` (`httparse` parses the head): a request costs the generator one write
//! and one read, not a client pool's bookkeeping and a spawned task. The generator runs on one
//! thread of its own, so it never takes more than a core from the server beside it. Tokio's
//! timer has a resolution of a millisecond: a request may go out up to 1 ms after it was due,
//! and that delay counts in its latency (the figures err high, never low).

use std::{net::SocketAddr, time::Duration};

use anyhow::Context;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    time::Instant,
};

use crate::report::Fixed;

/// One GET, written once and sent as is.
pub struct Request {
    addr: SocketAddr,
    bytes: Vec<u8>,
}

impl Request {
    /// `GET url` (`http://host:port/path`) with an optional bearer token.
    pub fn get(url: &str, bearer: Option<&str>) -> anyhow::Result<Self> {
        let rest = url
            .strip_prefix("http://")
            .with_context(|| format!("{url}: only http:// URLs"))?;
        let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let addr: SocketAddr = host
            .parse()
            .with_context(|| format!("{url}: the host must be an IP address and port"))?;
        let path = if path.is_empty() { "/" } else { path };
        let mut head = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n");
        if let Some(token) = bearer {
            head += &format!("Authorization: Bearer {token}\r\n");
        }
        head += "\r\n";
        Ok(Self {
            addr,
            bytes: head.into_bytes(),
        })
    }
}

/// What one connection saw.
#[derive(Default)]
struct Seen {
    latencies_ms: Vec<f64>,
    errors: usize,
}

/// Sends `rate` requests a second for `seconds` over `connections` connections, on a thread of
/// its own, and reports the latencies of those answered with 2xx/3xx.
pub fn run(request: Request, rate: u32, seconds: u32, connections: usize) -> anyhow::Result<Fixed> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let rate = rate.max(1);
    let total = rate as usize * seconds as usize;
    let connections = connections.clamp(1, total.max(1));
    let seen = std::thread::scope(|scope| {
        scope
            .spawn(|| runtime.block_on(drive(&request, rate, total, connections)))
            .join()
            .map_err(|_| anyhow::anyhow!("the fixed-rate generator panicked"))
    })?;
    let errors = seen.iter().map(|s| s.errors).sum();
    let mut latencies: Vec<f64> = seen.into_iter().flat_map(|s| s.latencies_ms).collect();
    latencies.sort_by(f64::total_cmp);
    let pick = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or(f64::NAN)
    };
    Ok(Fixed {
        rate,
        sent: total,
        connections,
        errors,
        p50_ms: pick(0.5),
        p99_ms: pick(0.99),
        max_ms: latencies.last().copied().unwrap_or(f64::NAN),
    })
}

async fn drive(request: &Request, rate: u32, total: usize, connections: usize) -> Vec<Seen> {
    let step = Duration::from_secs_f64(1.0 / f64::from(rate));
    let start = Instant::now() + Duration::from_millis(10);
    let tasks = (0..connections).map(|first| async move {
        let mut seen = Seen::default();
        let mut stream: Option<TcpStream> = None;
        let mut buffer = Vec::with_capacity(16 * 1024);
        for i in (first..total).step_by(connections) {
            let due = start + step.mul_f64(i as f64);
            tokio::time::sleep_until(due).await;
            match exchange(&mut stream, request, &mut buffer).await {
                Ok(true) => seen.latencies_ms.push(due.elapsed().as_secs_f64() * 1000.0),
                Ok(false) => seen.errors += 1,
                Err(_) => {
                    seen.errors += 1;
                    stream = None;
                }
            }
        }
        seen
    });
    futures_util::future::join_all(tasks).await
}

/// Sends the request on the connection (opening it if needed) and reads the whole answer:
/// `Ok(true)` for 2xx/3xx. The connection is dropped when the server asked to close it.
async fn exchange(
    stream: &mut Option<TcpStream>,
    request: &Request,
    buffer: &mut Vec<u8>,
) -> anyhow::Result<bool> {
    let connection = match stream {
        Some(open) => open,
        None => {
            let opened = TcpStream::connect(request.addr).await?;
            opened.set_nodelay(true)?;
            stream.insert(opened)
        }
    };
    connection.write_all(&request.bytes).await?;
    buffer.clear();
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut response = httparse::Response::new(&mut headers);
        if let httparse::Status::Complete(head) = response.parse(buffer)? {
            let status = response.code.unwrap_or(0);
            let header = |name: &str| {
                response
                    .headers
                    .iter()
                    .find(|h| h.name.eq_ignore_ascii_case(name))
                    .map(|h| h.value)
            };
            anyhow::ensure!(
                header("transfer-encoding").is_none(),
                "a chunked answer: only Content-Length is read"
            );
            let length: usize = match header("content-length") {
                Some(value) => std::str::from_utf8(value)?.trim().parse()?,
                None => 0,
            };
            let close = header("connection").is_some_and(|v| v.eq_ignore_ascii_case(b"close"));
            while buffer.len() < head + length {
                read_more(connection, buffer).await?;
            }
            if close {
                *stream = None;
            }
            return Ok((200..400).contains(&status));
        }
        read_more(connection, buffer).await?;
    }
}

async fn read_more(connection: &mut TcpStream, buffer: &mut Vec<u8>) -> anyhow::Result<()> {
    let mut chunk = [0_u8; 16 * 1024];
    let n = connection.read(&mut chunk).await?;
    anyhow::ensure!(n > 0, "the server closed the connection");
    buffer.extend_from_slice(&chunk[..n]);
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::{
        io::{Read, Write},
        net::TcpListener,
    };

    use super::*;

    /// A keep-alive HTTP/1.1 server on a loopback port, on threads of its own: every answer is
    /// `status` with a two-byte body; the very first request it reads waits `stall` first.
    fn server(status: &'static str, stall: Duration) -> anyhow::Result<SocketAddr> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let first = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let first = first.clone();
                std::thread::spawn(move || {
                    let mut stream = stream;
                    let mut buffer = [0_u8; 4096];
                    while let Ok(n) = stream.read(&mut buffer) {
                        if n == 0 {
                            break;
                        }
                        if first.swap(false, std::sync::atomic::Ordering::SeqCst) {
                            std::thread::sleep(stall);
                        }
                        let answer = format!("HTTP/1.1 {status}\r\nContent-Length: 2\r\n\r\nok");
                        if stream.write_all(answer.as_bytes()).is_err() {
                            break;
                        }
                    }
                });
            }
        });
        Ok(addr)
    }

    #[test]
    fn every_request_of_the_schedule_is_sent_and_a_stall_counts_for_those_queued_behind_it()
    -> anyhow::Result<()> {
        let addr = server("200 OK", Duration::from_millis(300))?;
        let request = Request::get(&format!("http://{addr}/"), None)?;
        let fixed = run(request, 200, 1, 4)?;
        assert_eq!((fixed.sent, fixed.errors, fixed.connections), (200, 0, 4));
        // The first request waits 300 ms; the 14 or so due meanwhile on its connection (one
        // in four, every 5 ms) wait for it too, and count from when they were due: about 2% of
        // the schedule above 100 ms, so p99 shows the stall instead of hiding it.
        assert!(fixed.max_ms >= 300.0, "max {}", fixed.max_ms);
        assert!(fixed.p99_ms >= 100.0, "p99 {}", fixed.p99_ms);
        assert!(fixed.p50_ms < 100.0, "p50 {}", fixed.p50_ms);
        Ok(())
    }

    #[test]
    fn answers_outside_2xx_and_3xx_are_errors() -> anyhow::Result<()> {
        let addr = server("503 Service Unavailable", Duration::ZERO)?;
        let fixed = run(Request::get(&format!("http://{addr}/"), None)?, 50, 1, 2)?;
        assert_eq!((fixed.sent, fixed.errors), (50, 50));
        Ok(())
    }

    #[test]
    fn a_request_is_written_once_as_http_1_1_with_its_token() -> anyhow::Result<()> {
        let request = Request::get("http://127.0.0.1:8080/api/users/me", Some("t0k"))?;
        assert_eq!(request.addr, "127.0.0.1:8080".parse::<SocketAddr>()?);
        assert_eq!(
            String::from_utf8(request.bytes)?,
            "GET /api/users/me HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAuthorization: Bearer t0k\r\n\r\n"
        );
        assert!(Request::get("https://127.0.0.1:1/", None).is_err());
        Ok(())
    }
}
