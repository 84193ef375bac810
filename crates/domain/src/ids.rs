//! Typed identifiers, so a session id can never be passed where a user id is expected.

use std::fmt;
use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Uuid);

        impl $name {
            pub fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }

            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

typed_id!(
    /// A user's id: a UUIDv7, time-ordered and not enumerable.
    UserId
);
typed_id!(
    /// A session's id: one per login, that is one per device.
    SessionId
);
typed_id!(
    /// A post's id.
    PostId
);
typed_id!(
    /// A comment's id.
    CommentId
);
