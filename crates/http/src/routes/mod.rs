//! Routes, one file per resource, each with a `configure` function.

pub mod audit;
pub mod auth;
pub mod comments;
pub mod cookies;
pub mod docs;
pub mod health;
pub mod posts;
pub mod sessions;
pub mod users;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    auth::configure(cfg);
    sessions::configure(cfg);
    users::configure(cfg);
    posts::configure(cfg);
    comments::configure(cfg);
    health::configure(cfg);
    audit::configure(cfg);
    docs::configure(cfg);
}
