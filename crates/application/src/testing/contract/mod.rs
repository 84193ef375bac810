//! Contract suites: what every adapter of a port must do, written once against the trait.
//! Each suite is an async fn taking an instance of the port; it panics (like `assert!`) on the
//! first broken promise. Suites use fresh random ids, keys and buckets, so an instance (or a
//! Redis prefix, or a database) may be shared with other tests. Run them from the adapter's
//! crate, e.g. in `crates/infrastructure/tests/contracts.rs`.

mod audit;
mod content;
mod sessions;
mod throttle;
mod users;

pub use audit::audit_log;
pub use content::{authors_by_current_name, comment_repository, post_repository};
pub use sessions::{session_store, session_store_expiry};
pub use throttle::{login_attempts, rate_limiter};
pub use users::{user_repository, user_repository_admins};

use crate::pagination::{Page, PageRequest};

/// The page after `page`, of `limit` items.
fn next_page<T>(page: &Page<T>, limit: u64) -> PageRequest {
    PageRequest {
        limit,
        after: page.next_cursor,
    }
}
