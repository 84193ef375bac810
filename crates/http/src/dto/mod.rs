//! Request and response bodies, as they appear in the OpenAPI contract.

pub mod account;
pub mod audit;
pub mod auth;
pub mod author;
pub mod comment;
pub mod health;
pub mod page;
pub mod post;
pub mod role;
pub mod session;
pub mod user;
