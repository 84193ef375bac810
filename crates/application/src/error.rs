//! Errors the ports report; each use case wraps them in its own error enum.

use std::fmt;
use thiserror::Error;

/// A column that must be unique across users.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UniqueField {
    Username,
    Email,
}

impl fmt::Display for UniqueField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UniqueField::Username => "username",
            UniqueField::Email => "email",
        })
    }
}

#[derive(Debug, Error)]
pub enum RepositoryError {
    #[error("{0} is already taken")]
    Duplicate(UniqueField),
    #[error("the change would leave no administrator")]
    LastAdmin,
    #[error("a row this one refers to no longer exists")]
    MissingParent,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

#[derive(Debug, Error)]
pub enum StoreError {
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}
