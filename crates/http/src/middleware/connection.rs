//! What a connection is doing, for the server's per-connection deadlines: whether a request is
//! inside the application (the handler's own limits govern it) or the connection is waiting for
//! the client's next request head (the head and keep-alive deadlines govern it).
//!
//! The server puts one [`ConnectionActivity`] in each connection's data; [`track_activity`],
//! the outermost middleware, marks a request in while it runs and until its body has been
//! handed to the connection.

use std::{
    pin::Pin,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    task::{Context, Poll},
    time::{Duration, Instant},
};

use actix_web::{
    Error,
    body::{BodySize, BoxBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::{ConnectionType, StatusCode},
    middleware::Next,
    web::Bytes,
};

/// The deadlines of one connection while it waits for a request head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeadDeadlines {
    /// Time from the connection's start, or from the first byte of a later head, until that
    /// head is complete (`CLIENT_HEADER_TIMEOUT_SECONDS`).
    pub head: Duration,
    /// Time an idle keep-alive connection is kept before the next head starts
    /// (`KEEP_ALIVE_SECONDS`).
    pub keep_alive: Duration,
}

#[derive(Debug)]
struct State {
    /// Requests inside the application.
    in_flight: usize,
    /// When the connection started waiting for its next head.
    waiting_since: Instant,
    /// When the first byte of that head arrived; `None` while idle.
    head_started: Option<Instant>,
    /// No request has been served yet: the first head's clock runs from the start.
    first: bool,
    /// An answer refused a body unread: the connection ends once that answer is out.
    closing: bool,
}

/// Time an answer that ends its connection gets to reach the client before the connection is
/// dropped, however the client goes on sending.
const CLOSING_GRACE: Duration = Duration::from_millis(500);

/// Shared by a connection's stream and the requests it carries.
#[derive(Debug)]
pub struct ConnectionActivity(Mutex<State>);

impl ConnectionActivity {
    pub fn new(now: Instant) -> Arc<Self> {
        Arc::new(Self(Mutex::new(State {
            in_flight: 0,
            waiting_since: now,
            head_started: None,
            first: true,
            closing: false,
        })))
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The stream read bytes from the client.
    pub fn bytes_arrived(&self, now: Instant) {
        let mut state = self.state();
        if state.in_flight == 0 && state.head_started.is_none() {
            state.head_started = Some(now);
        }
    }

    /// When the connection must be closed if no request has reached the application by then;
    /// `None` while a request is inside it.
    pub fn deadline(&self, limits: HeadDeadlines) -> Option<Instant> {
        let state = self.state();
        if state.in_flight > 0 {
            return None;
        }
        if state.closing {
            return Some(state.waiting_since + CLOSING_GRACE);
        }
        Some(match (state.first, state.head_started) {
            (true, _) => state.waiting_since + limits.head,
            (false, Some(started)) => started + limits.head,
            (false, None) => state.waiting_since + limits.keep_alive,
        })
    }

    fn end_after_response(&self) {
        self.state().closing = true;
    }

    fn request_started(&self) {
        let mut state = self.state();
        state.in_flight += 1;
        state.head_started = None;
    }

    fn request_finished(&self, now: Instant) {
        let mut state = self.state();
        state.in_flight = state.in_flight.saturating_sub(1);
        if state.in_flight == 0 {
            state.first = false;
            state.waiting_since = now;
            state.head_started = None;
        }
    }
}

/// Marks the request in from its start until its body is dropped (written out, or abandoned).
struct InFlight(Arc<ConnectionActivity>);

impl InFlight {
    fn start(activity: Arc<ConnectionActivity>) -> Self {
        activity.request_started();
        Self(activity)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.request_finished(Instant::now());
    }
}

/// A response body that carries its request's [`InFlight`] mark until the connection is done
/// with it.
pub struct Tracked {
    body: BoxBody,
    _in_flight: Option<InFlight>,
}

impl MessageBody for Tracked {
    type Error = Box<dyn std::error::Error>;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_next(cx)
    }
}

pub async fn track_activity<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<Tracked>, Error> {
    let in_flight = req
        .conn_data::<Arc<ConnectionActivity>>()
        .cloned()
        .map(InFlight::start);
    let mut response = next.call(req).await?;
    // A body refused unread (too slow, too large) would otherwise be drained from the client
    // at its own pace (actix reads a chunked body to its end, however slow): the connection
    // ends with the answer instead.
    if matches!(
        response.status(),
        StatusCode::REQUEST_TIMEOUT | StatusCode::PAYLOAD_TOO_LARGE
    ) {
        response
            .response_mut()
            .head_mut()
            .set_connection_type(ConnectionType::Close);
        if let Some(in_flight) = &in_flight {
            in_flight.0.end_after_response();
        }
    }
    Ok(response.map_body(|_, body| Tracked {
        body: body.boxed(),
        _in_flight: in_flight,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: HeadDeadlines = HeadDeadlines {
        head: Duration::from_secs(2),
        keep_alive: Duration::from_secs(5),
    };

    #[test]
    fn every_head_has_a_deadline_and_requests_in_the_application_have_none() {
        let start = Instant::now();
        let activity = ConnectionActivity::new(start);
        assert_eq!(activity.deadline(LIMITS), Some(start + LIMITS.head));
        let first = InFlight::start(activity.clone());
        assert_eq!(activity.deadline(LIMITS), None);
        drop(first);
        let idle = activity.deadline(LIMITS).expect("idle deadline");
        assert!(idle >= start + LIMITS.keep_alive, "idle: the keep-alive");
        let byte = Instant::now() + Duration::from_secs(1);
        activity.bytes_arrived(byte);
        assert_eq!(activity.deadline(LIMITS), Some(byte + LIMITS.head));
        activity.bytes_arrived(byte + Duration::from_secs(1));
        assert_eq!(
            activity.deadline(LIMITS),
            Some(byte + LIMITS.head),
            "more bytes of the same head do not extend it"
        );
        let second = InFlight::start(activity.clone());
        activity.bytes_arrived(byte + Duration::from_secs(3));
        assert_eq!(activity.deadline(LIMITS), None);
        drop(second);
        assert!(activity.deadline(LIMITS).is_some());
        let refused = InFlight::start(activity.clone());
        activity.end_after_response();
        drop(refused);
        let closing = activity.deadline(LIMITS).expect("closing deadline");
        assert!(closing <= Instant::now() + CLOSING_GRACE);
    }
}
