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
    /// The database cannot be reached (down, restarting, pool exhausted): worth a retry.
    #[error("the database is unavailable: {0:#}")]
    Unavailable(anyhow::Error),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

#[derive(Debug, Error)]
pub enum StoreError {
    /// The store cannot be reached: worth a retry, and never a reason to let a request in.
    #[error("the session store is unavailable: {0:#}")]
    Unavailable(anyhow::Error),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Every password-hashing slot stayed busy for longer than the queue bound: the request is
/// shed (503 with `Retry-After`) rather than queued without end.
#[derive(Debug, Error)]
#[error("no password-hashing slot came free within the queue bound")]
pub struct HashingSaturated;

/// Whether `err` comes from a dependency that cannot be reached right now (answered with 503
/// rather than 500), wherever in its chain of causes the port's error sits.
pub fn is_unavailable(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<RepositoryError>(),
            Some(RepositoryError::Unavailable(_))
        ) || matches!(
            cause.downcast_ref::<StoreError>(),
            Some(StoreError::Unavailable(_))
        ) || cause.is::<HashingSaturated>()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unavailability_is_found_through_contexts_and_use_case_wrapping() {
        let down = anyhow::Error::from(RepositoryError::Unavailable(anyhow::anyhow!("refused")))
            .context("loading a post");
        assert!(is_unavailable(&down));
        let store = anyhow::Error::from(StoreError::Unavailable(anyhow::anyhow!("timeout")));
        assert!(is_unavailable(&store));
        let bug = anyhow::Error::from(RepositoryError::Unexpected(anyhow::anyhow!("bad row")));
        assert!(!is_unavailable(&bug));
    }
}
