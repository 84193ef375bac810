//! The roles a user can hold.

use thiserror::Error;

use crate::named::named_enum;

named_enum! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum Role (unknown: UnknownRole) {
        User => "user",
        Moderator => "moderator",
        Admin => "admin",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown role '{0}'")]
pub struct UnknownRole(pub String);
