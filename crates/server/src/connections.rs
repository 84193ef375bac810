//! The TCP edge, in front of actix's HTTP/1 service: at most `MAX_CONNECTIONS_PER_CLIENT`
//! connections per client address, and a deadline on every request head of a connection, not
//! only the first, and on every idle keep-alive wait.
//!
//! actix-http times only the first head of a connection and clears its keep-alive timer at the
//! first byte of the next head, so one byte after a quick request held a connection forever.
//! Here each connection's stream is wrapped: while no request is inside the application (see
//! [`ConnectionActivity`]), a read that would wait past the deadline fails, and actix drops
//! the connection.

mod slots;
mod stream;

pub use slots::{ClientSlots, Slot};
pub use stream::Guarded;
