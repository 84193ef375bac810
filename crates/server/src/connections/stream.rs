//! A connection's stream under the head, keep-alive and write-stall deadlines.

use std::{
    io,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::{Duration, Instant},
};

use actix_web::rt::net::TcpStream;
use agora_http::{ConnectionActivity, HeadDeadlines};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    time::Sleep,
};

use super::Slot;

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
    use crate::connections::ClientSlots;

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
}
