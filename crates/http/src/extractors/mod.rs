//! Extractors: typed input from headers, cookies and bodies, failing as `ApiError`.

mod auth_user;
mod client;
mod json_body;
mod preconditions;
mod query;
mod refresh_credential;
mod target;

pub use auth_user::{AuthUser, MaybeAuthUser};
pub use client::{Client, client_info};
pub use json_body::{JsonBody, OptionalJsonBody};
pub use preconditions::{Preconditions, tagged, with_etag};
pub use query::QueryParams;
pub use refresh_credential::{RefreshCredential, Via};
pub use target::{Guarded, Id};
