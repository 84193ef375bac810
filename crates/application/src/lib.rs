//! Agora's use cases and the ports (traits) they need. Depends on the domain only: adapters
//! for the ports live in `infrastructure` and are chosen by the composition root.

pub mod account;
pub mod audit;
pub mod auth;
pub mod authz;
pub mod comments;
mod content;
mod context;
mod error;
pub mod health;
pub mod mail;
pub mod pagination;
pub mod ports;
pub mod posts;
pub mod throttle;
pub mod users;
pub mod views;

/// Fakes of the ports and the contract suites of the ports (feature `testing`).
#[cfg(any(test, feature = "testing"))]
pub mod testing;
#[cfg(test)]
use testing::fakes;

pub use context::{Actor, ClientInfo};
pub(crate) use error::use_case_error;
pub use error::{DependencyError, HashingSaturated, RepositoryError, StoreError, UniqueField};
