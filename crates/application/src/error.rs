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

/// A port call that failed for a reason the caller cannot fix: the one shape every port error
/// gives a use case, and every use-case error carries as its `Dependency` variant. Which of the
/// two it is gets decided where an adapter meets its port (a refused connection is
/// `Unavailable`, an unreadable row a `Bug`), so no later layer has to guess from the cause.
#[derive(Debug, Error)]
pub enum DependencyError {
    /// The dependency cannot be reached right now (down, restarting, pool exhausted, every
    /// hashing slot busy): worth a retry (503), and never a reason to let a request in.
    #[error("a dependency is unavailable: {0:#}")]
    Unavailable(anyhow::Error),
    /// Anything else: a bug here or in the dependency (500).
    #[error("a dependency failed: {0:#}")]
    Bug(anyhow::Error),
}

impl DependencyError {
    /// A broken invariant: `Bug` with `message` as its cause.
    pub fn bug(message: impl fmt::Display + fmt::Debug + Send + Sync + 'static) -> Self {
        Self::Bug(anyhow::Error::msg(message))
    }

    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }

    /// The cause, with the context the adapter gave it.
    pub fn cause(&self) -> &anyhow::Error {
        match self {
            Self::Unavailable(cause) | Self::Bug(cause) => cause,
        }
    }

    pub fn into_cause(self) -> anyhow::Error {
        match self {
            Self::Unavailable(cause) | Self::Bug(cause) => cause,
        }
    }
}

/// An error an adapter raises itself (a row it cannot decode, a poisoned lock) is a bug: an
/// adapter classifies each outage explicitly as `Unavailable` where it meets the driver.
impl From<anyhow::Error> for DependencyError {
    fn from(err: anyhow::Error) -> Self {
        Self::Bug(err)
    }
}

/// What a repository call can report: its own outcomes, which the use case decides on, and a
/// dependency failure, which it passes on.
#[derive(Debug, Error)]
pub enum RepositoryError {
    #[error("{0} is already taken")]
    Duplicate(UniqueField),
    #[error("a row this one refers to no longer exists")]
    MissingParent,
    #[error(transparent)]
    Dependency(#[from] DependencyError),
}

impl RepositoryError {
    /// A broken invariant in the adapter (a row it cannot read back, ...).
    pub fn bug(message: impl fmt::Display + fmt::Debug + Send + Sync + 'static) -> Self {
        Self::Dependency(DependencyError::bug(message))
    }
}

impl From<anyhow::Error> for RepositoryError {
    fn from(err: anyhow::Error) -> Self {
        Self::Dependency(err.into())
    }
}

/// The one conversion from a repository error to a dependency failure, for use cases that
/// expect none of the repository's own outcomes: one that happens anyway is a bug.
impl From<RepositoryError> for DependencyError {
    fn from(err: RepositoryError) -> Self {
        match err {
            RepositoryError::Dependency(err) => err,
            unexpected => DependencyError::Bug(unexpected.into()),
        }
    }
}

/// Declares a use-case error enum: its own outcomes as written, then the one `Dependency`
/// variant every use-case error shares, and `From<RepositoryError>`, which turns the repository
/// outcomes listed under `repository:` (if any) into the enum's own and passes every other
/// repository error on as a dependency failure (see the conversion above).
macro_rules! use_case_error {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $($outcomes:tt)* }
        $(repository: { $($pattern:pat => $outcome:expr),+ $(,)? })?
    ) => {
        $(#[$meta])*
        pub enum $name {
            $($outcomes)*
            /// A port failed: an outage (503) or a bug (500), never the caller's fault. Shows
            /// as the `DependencyError` does; not `transparent`, which cannot mix with a
            /// caller's `#[error(transparent)]` in one macro's output.
            #[error("{0}")]
            Dependency($crate::DependencyError),
        }

        impl From<$crate::DependencyError> for $name {
            fn from(err: $crate::DependencyError) -> Self {
                Self::Dependency(err)
            }
        }

        impl From<$crate::RepositoryError> for $name {
            fn from(err: $crate::RepositoryError) -> Self {
                match err {
                    $($($pattern => $outcome,)+)?
                    other => Self::Dependency(other.into()),
                }
            }
        }
    };
}
pub(crate) use use_case_error;

/// The session and throttle stores report nothing of their own: only dependency failures.
pub type StoreError = DependencyError;

/// Every password-hashing slot stayed busy for longer than the queue bound: the request is
/// shed (503 with `Retry-After`) rather than queued without end.
#[derive(Debug, Error)]
#[error("no password-hashing slot came free within the queue bound")]
pub struct HashingSaturated;

impl From<HashingSaturated> for DependencyError {
    fn from(err: HashingSaturated) -> Self {
        Self::Unavailable(err.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repository_outage_stays_an_outage_and_its_own_outcomes_become_bugs() {
        let down =
            RepositoryError::Dependency(DependencyError::Unavailable(anyhow::anyhow!("refused")));
        assert!(DependencyError::from(down).is_unavailable());
        let bug = RepositoryError::bug("bad row");
        assert!(matches!(
            DependencyError::from(bug),
            DependencyError::Bug(_)
        ));
        let unexpected = DependencyError::from(RepositoryError::Duplicate(UniqueField::Email));
        assert!(matches!(unexpected, DependencyError::Bug(_)));
        assert!(format!("{:#}", unexpected.cause()).contains("email is already taken"));
    }

    #[test]
    fn a_shed_hash_is_an_outage() {
        assert!(DependencyError::from(HashingSaturated).is_unavailable());
    }
}
