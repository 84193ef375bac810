//! Middleware applied to every response.

mod client_ip;
mod compression;
mod connection;
mod cors;
mod error_tracking;
mod metrics;
mod problem_fallback;
mod rate_limit;
mod request_context;
mod security_headers;

pub use client_ip::{ClientIp, budget_key};
pub use compression::{NEVER_COMPRESSED, compress};
pub use connection::{ConnectionActivity, HeadDeadlines, track_activity};
pub use cors::cors;
pub use error_tracking::error_tracking;
pub use metrics::{UNMATCHED, record_metrics};
pub use problem_fallback::problem_fallback;
pub use rate_limit::{auth_budget, rate_limit};
pub use request_context::{RequestId, request_context};
pub use security_headers::security_headers;
