//! Request and response bodies, as they appear in the OpenAPI contract.

pub mod auth;
pub mod health;
pub mod session;
pub mod user;
