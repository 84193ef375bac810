//! The TCP edge, in front of actix's HTTP/1 service: at most `MAX_CONNECTIONS_PER_CLIENT`
//! connections per client address, and a deadline on every request head of a connection, not
//! only the first, and on every idle keep-alive wait.
//!
//! actix-http times only the first head of a connection and clears its keep-alive timer at the
//! first byte of the next head, so one byte after a quick request held a connection forever.
//! Here each connection's stream is wrapped: while no request is inside the application (see
//! [`ConnectionActivity`]), a read that would wait past the deadline fails, and actix drops
//! the connection.

use std::{
    collections::HashMap,
    io,
    net::IpAddr,
    pin::Pin,
    sync::{Arc, Mutex, PoisonError},
    task::{Context, Poll},
    time::Instant,
};

use actix_web::rt::net::TcpStream;
use agora_http::{ConnectionActivity, HeadDeadlines, budget_key};
use ipnet::IpNet;
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    time::Sleep,
};

/// Open connections per client, shared by every worker.
#[derive(Debug)]
pub struct ClientSlots {
    open: Mutex<HashMap<String, usize>>,
    per_client: usize,
    ipv6_prefix: u8,
    /// Proxies carry many clients on their connections; they are not capped.
    exempt: Vec<IpNet>,
}

/// One open connection of a client; the slot is given back when it drops.
#[derive(Debug)]
pub struct Slot {
    slots: Arc<ClientSlots>,
    key: Option<String>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            let mut open = self.slots.lock();
            if let Some(count) = open.get_mut(&key) {
                *count -= 1;
                if *count == 0 {
                    open.remove(&key);
                }
            }
        }
    }
}

impl ClientSlots {
    pub fn new(per_client: usize, ipv6_prefix: u8, exempt: Vec<IpNet>) -> Arc<Self> {
        Arc::new(Self {
            open: Mutex::new(HashMap::new()),
            per_client,
            ipv6_prefix,
            exempt,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, usize>> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A slot for one more connection from `peer`, or `None` when it holds all of its own.
    pub fn acquire(self: &Arc<Self>, peer: IpAddr) -> Option<Slot> {
        // An IPv4 peer on a dual-stack listener arrives as `::ffff:a.b.c.d`.
        let peer = match peer {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(peer, IpAddr::V4),
            v4 => v4,
        };
        if self.exempt.iter().any(|net| net.contains(&peer)) {
            return Some(Slot {
                slots: self.clone(),
                key: None,
            });
        }
        let key = budget_key(peer, self.ipv6_prefix);
        let mut open = self.lock();
        let count = open.entry(key.clone()).or_default();
        if *count >= self.per_client {
            return None;
        }
        *count += 1;
        Some(Slot {
            slots: self.clone(),
            key: Some(key),
        })
    }
}

/// A client's TCP stream under the head and keep-alive deadlines.
pub struct Guarded {
    io: TcpStream,
    activity: Arc<ConnectionActivity>,
    limits: HeadDeadlines,
    timer: Pin<Box<Sleep>>,
    _slot: Slot,
}

impl Guarded {
    pub fn new(io: TcpStream, slot: Slot, limits: HeadDeadlines) -> Self {
        let now = Instant::now();
        Self {
            io,
            activity: ConnectionActivity::new(now),
            limits,
            timer: Box::pin(tokio::time::sleep_until((now + limits.head).into())),
            _slot: slot,
        }
    }

    pub fn activity(&self) -> Arc<ConnectionActivity> {
        self.activity.clone()
    }
}

fn timed_out() -> io::Error {
    io::Error::new(
        io::ErrorKind::TimedOut,
        "the client took too long to send a request head",
    )
}

impl AsyncRead for Guarded {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        // Checked before reading too: a client sending fast never makes a read wait.
        let deadline = this.activity.deadline(this.limits);
        if deadline.is_some_and(|deadline| deadline <= Instant::now()) {
            return Poll::Ready(Err(timed_out()));
        }
        let before = buf.filled().len();
        match Pin::new(&mut this.io).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    this.activity.bytes_arrived(Instant::now());
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(err)) => Poll::Ready(Err(err)),
            Poll::Pending => {
                // Waiting for the client: only allowed until the connection's deadline.
                let Some(deadline) = deadline else {
                    return Poll::Pending;
                };
                if this.timer.deadline() != deadline.into() {
                    this.timer.as_mut().reset(deadline.into());
                }
                match this.timer.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Err(timed_out())),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_client_gets_its_own_slots_and_proxies_are_not_capped() {
        let slots = ClientSlots::new(2, 64, vec!["10.0.0.0/8".parse().expect("range")]);
        let a: IpAddr = "192.0.2.1".parse().expect("ip");
        let first = slots.acquire(a).expect("first");
        let _second = slots.acquire(a).expect("second");
        assert!(slots.acquire(a).is_none(), "a third is refused");
        assert!(slots.acquire("192.0.2.2".parse().expect("ip")).is_some());
        drop(first);
        assert!(
            slots.acquire(a).is_some(),
            "a closed connection frees its slot"
        );
        for proxy in ["10.1.2.3", "::ffff:10.1.2.3"] {
            let proxy: IpAddr = proxy.parse().expect("ip");
            let held: Vec<_> = (0..5).map(|_| slots.acquire(proxy)).collect();
            assert!(
                held.iter().all(Option::is_some),
                "{proxy} is a trusted proxy"
            );
        }
        let v6 = |s: &str| -> IpAddr { s.parse().expect("ip") };
        let _x = slots.acquire(v6("2001:db8::1")).expect("x");
        let _y = slots.acquire(v6("2001:db8::2")).expect("y");
        assert!(
            slots.acquire(v6("2001:db8::3")).is_none(),
            "one /64 is one client"
        );
    }
}
