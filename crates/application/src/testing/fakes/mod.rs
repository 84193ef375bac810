//! In-memory fakes of the ports, for unit tests of the use cases. Each passes its port's
//! contract suite (`super::contract`), so a use-case test on fakes means what it says.
//! One file per port family; the rules every stored list or row obeys (keyset pages, the
//! `updated_at` guard) are written once here.

mod audit;
mod clock;
mod content;
mod credentials;
mod harness;
mod rate_limiter;
mod sessions;
mod throttle;
mod users;

use chrono::{DateTime, Utc};
use domain::{Comment, CommentId, Post, PostId, User, UserId};

pub use audit::FakeAudit;
pub use clock::FakeClock;
pub use content::FakeContent;
pub use credentials::{FakeDeviceTokens, FakeHasher, FakeStrength, FakeTokens, WEAK_PASSWORD};
pub use harness::{Harness, harness};
pub use rate_limiter::FakeRateLimiter;
pub use sessions::FakeSessions;
pub use throttle::FakeAttempts;
pub use users::FakeUsers;

use crate::pagination::{Cursor, Page, PageRequest};

/// A row listed by keyset on (created_at, id).
trait Listed {
    fn cursor(&self) -> Cursor;
}

/// Which way a list runs, as the SQL adapters read it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Order {
    NewestFirst,
    OldestFirst,
}

/// One keyset page of `rows` as the SQL adapters serve it: the rows past `page.after` in
/// `order`, at most `page.limit` of them, and the cursor after the last one when more follow.
fn keyset_page<T: Listed>(
    rows: impl IntoIterator<Item = T>,
    page: &PageRequest,
    order: Order,
) -> Page<T> {
    let position = |row: &T| {
        let cursor = row.cursor();
        (cursor.created_at, cursor.id)
    };
    let past = |row: &T| {
        page.after.is_none_or(|after| {
            let after = (after.created_at, after.id);
            match order {
                Order::NewestFirst => position(row) < after,
                Order::OldestFirst => position(row) > after,
            }
        })
    };
    let mut rows: Vec<T> = rows.into_iter().filter(past).collect();
    rows.sort_by_key(position);
    if order == Order::NewestFirst {
        rows.reverse();
    }
    rows.truncate(page.limit as usize + 1);
    Page::from_rows(rows, page.limit, T::cursor)
}

/// A stored row that a write may be guarded on: found by its id, at its `updated_at`.
trait Versioned {
    type Id: PartialEq;
    fn key(&self) -> Self::Id;
    fn version(&self) -> DateTime<Utc>;
}

/// The rows the fakes store: each is found by `id()`, guarded on `updated_at()`, and listed on
/// (`created_at()`, `id()`).
macro_rules! stored_rows {
    ($($row:ty => $id:ty),+ $(,)?) => {$(
        impl Listed for $row {
            fn cursor(&self) -> Cursor {
                Cursor {
                    created_at: self.created_at(),
                    id: self.id().as_uuid(),
                }
            }
        }

        impl Versioned for $row {
            type Id = $id;

            fn key(&self) -> $id {
                self.id()
            }

            fn version(&self) -> DateTime<Utc> {
                self.updated_at()
            }
        }
    )+};
}

stored_rows!(User => UserId, Post => PostId, Comment => CommentId);

/// Where the row `id` is, if it is there with `updated_at == expected` (when given): the
/// guard of every conditional update and delete.
fn current<T: Versioned>(rows: &[T], id: T::Id, expected: Option<DateTime<Utc>>) -> Option<usize> {
    rows.iter()
        .position(|r| r.key() == id && expected.is_none_or(|e| e == r.version()))
}

/// A search term folded for a case-insensitive match, as the SQL adapters compare.
fn lowercase(term: Option<&impl AsRef<str>>) -> Option<String> {
    term.map(|t| t.as_ref().to_lowercase())
}
