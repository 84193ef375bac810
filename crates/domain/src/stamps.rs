//! When a record was created and last changed: the `updated_at` that guards concurrent edits.

use chrono::{DateTime, Duration, Utc};

/// A record's creation time and version. Every change moves `updated_at` strictly forward,
/// so two edits never share a version and a stale writer is always caught.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamps {
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl Stamps {
    /// The stamps of a record read back from storage.
    pub(crate) fn restore(created_at: DateTime<Utc>, updated_at: DateTime<Utc>) -> Self {
        Self {
            created_at,
            updated_at,
        }
    }

    /// Records a change at `now`: never equal to the last version, even within a microsecond.
    pub(crate) fn touch(&mut self, now: DateTime<Utc>) {
        self.updated_at = now.max(self.updated_at + Duration::microseconds(1));
    }

    pub(crate) fn created_at(self) -> DateTime<Utc> {
        self.created_at
    }

    pub(crate) fn updated_at(self) -> DateTime<Utc> {
        self.updated_at
    }
}

/// The read side of a record's `stamps` field, for each record type named.
macro_rules! stamped {
    ($($record:ty),+ $(,)?) => {$(
        impl $record {
            pub fn created_at(&self) -> chrono::DateTime<chrono::Utc> {
                self.stamps.created_at()
            }

            /// The version: compare it to guard a write against a concurrent one.
            pub fn updated_at(&self) -> chrono::DateTime<chrono::Utc> {
                self.stamps.updated_at()
            }
        }
    )+};
}

pub(crate) use stamped;
