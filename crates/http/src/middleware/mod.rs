//! Middleware applied to every response.

mod problem_fallback;
mod request_context;
mod security_headers;

pub use problem_fallback::problem_fallback;
pub use request_context::{RequestId, request_context};
pub use security_headers::security_headers;
