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
    time::{Duration, Instant},
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
pub struct Guarded<T = TcpStream> {
    io: T,
    activity: Arc<ConnectionActivity>,
    limits: HeadDeadlines,
    /// How long an answer may wait for the client to read any of it.
    write_stall: Duration,
    /// Since when the client has read nothing of an answer waiting to be written. While set,
    /// the connection is the client's to drain, not idle: the stall deadline replaces the
    /// head and keep-alive ones, so a slow download is not cut for being slow.
    write_blocked_since: Option<Instant>,
    timer: Pin<Box<Sleep>>,
    _slot: Slot,
}

impl<T> Guarded<T> {
    pub fn new(io: T, slot: Slot, limits: HeadDeadlines, write_stall: Duration) -> Self {
        let now = Instant::now();
        Self {
            io,
            activity: ConnectionActivity::new(now),
            limits,
            write_stall,
            write_blocked_since: None,
            timer: Box::pin(tokio::time::sleep_until((now + limits.head).into())),
            _slot: slot,
        }
    }

    pub fn activity(&self) -> Arc<ConnectionActivity> {
        self.activity.clone()
    }

    fn deadline(&self) -> Option<Instant> {
        match self.write_blocked_since {
            Some(since) => Some(since + self.write_stall),
            None => self.activity.deadline(self.limits),
        }
    }

    /// Arms the timer for `deadline`; true when it has already passed.
    fn expired(&mut self, deadline: Instant, cx: &mut Context<'_>) -> bool {
        if self.timer.deadline() != deadline.into() {
            self.timer.as_mut().reset(deadline.into());
        }
        self.timer.as_mut().poll(cx).is_ready()
    }
}

fn timed_out() -> io::Error {
    io::Error::new(
        io::ErrorKind::TimedOut,
        "the client took too long to send a request head or to read an answer",
    )
}

impl<T: AsyncRead + Unpin> AsyncRead for Guarded<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        // Checked before reading too: a client sending fast never makes a read wait.
        let deadline = this.deadline();
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
            // Waiting for the client: only allowed until the connection's deadline.
            Poll::Pending => match deadline {
                Some(deadline) if this.expired(deadline, cx) => Poll::Ready(Err(timed_out())),
                _ => Poll::Pending,
            },
        }
    }
}

impl<T: AsyncWrite + Unpin> Guarded<T> {
    /// Notes whether the client is keeping up with what is written to it.
    fn track_write<R>(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<R>>,
    ) -> Poll<io::Result<R>> {
        match &polled {
            Poll::Pending => {
                let since = *self.write_blocked_since.get_or_insert_with(Instant::now);
                if self.expired(since + self.write_stall, cx) {
                    return Poll::Ready(Err(timed_out()));
                }
            }
            Poll::Ready(_) => self.write_blocked_since = None,
        }
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Guarded<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.io).poll_write(cx, buf);
        this.track_write(cx, polled)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.io).poll_write_vectored(cx, bufs);
        this.track_write(cx, polled)
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
    use std::future::poll_fn;

    use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream, duplex};

    use super::*;

    const LIMITS: HeadDeadlines = HeadDeadlines {
        head: Duration::from_millis(100),
        keep_alive: Duration::from_millis(100),
    };

    fn guarded(stall: Duration) -> (Guarded<DuplexStream>, DuplexStream) {
        let slots = ClientSlots::new(1, 64, Vec::new());
        let slot = slots
            .acquire("192.0.2.1".parse().expect("ip"))
            .expect("slot");
        let (server, client) = duplex(64);
        (Guarded::new(server, slot, LIMITS, stall), client)
    }

    /// One read attempt, as the HTTP dispatcher makes: `None` while it would wait.
    async fn try_read(stream: &mut Guarded<DuplexStream>) -> Option<io::Result<()>> {
        let mut bytes = [0u8; 16];
        poll_fn(|cx| {
            let mut buf = ReadBuf::new(&mut bytes);
            Poll::Ready(match Pin::new(&mut *stream).poll_read(cx, &mut buf) {
                Poll::Ready(result) => Some(result),
                Poll::Pending => None,
            })
        })
        .await
    }

    #[tokio::test]
    async fn a_silent_client_is_cut_at_the_head_deadline() {
        let (mut stream, _client) = guarded(Duration::from_secs(5));
        assert!(try_read(&mut stream).await.is_none());
        tokio::time::sleep(Duration::from_millis(150)).await;
        let cut = try_read(&mut stream).await.expect("ends");
        assert_eq!(cut.expect_err("timed out").kind(), io::ErrorKind::TimedOut);
    }

    #[tokio::test]
    async fn a_client_still_reading_an_answer_is_not_cut_while_it_makes_progress() {
        let (mut stream, mut client) = guarded(Duration::from_millis(300));
        // An answer larger than the pipe: the write waits for the client.
        let answer = vec![b'x'; 1024];
        let mut written = 0;
        let blocked = poll_fn(|cx| {
            Poll::Ready(loop {
                match Pin::new(&mut stream).poll_write(cx, &answer[written..]) {
                    Poll::Ready(Ok(n)) => written += n,
                    Poll::Ready(Err(_)) => break false,
                    Poll::Pending => break true,
                }
            })
        })
        .await;
        assert!(blocked && written < answer.len());
        // Past the head deadline, but the answer is the client's to drain: no cut.
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert!(
            try_read(&mut stream).await.is_none(),
            "a slow reader was cut"
        );
        let mut drained = [0u8; 64];
        client.read_exact(&mut drained).await.expect("reads");
        stream
            .write_all(&answer[written..written + 1])
            .await
            .expect("progress");
        // A client that stops reading altogether is cut at the stall deadline.
        let stalled = stream.write_all(&answer).await;
        assert_eq!(
            stalled.expect_err("stalled").kind(),
            io::ErrorKind::TimedOut
        );
    }

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
