//! The time, and work off the request path.

use chrono::{DateTime, Utc};

/// The time, so use cases can be tested at any instant.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// Work started by a use case that must not hold up its caller (e.g. a password reset, whose
/// answer must not depend on whether the account exists).
pub type BackgroundTask = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

/// Runs [`BackgroundTask`]s off the request path. Implementations MUST return at once, run
/// the task to completion unless the process stops, and keep the caller's tracing span.
pub trait TaskSpawner: Send + Sync {
    fn spawn(&self, task: BackgroundTask);
}
