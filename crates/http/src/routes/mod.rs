//! Routes, one file per resource, each with a `configure` function.

pub mod audit;
pub mod auth;
mod auth_outcomes;
pub mod comments;
pub mod cookies;
pub mod docs;
pub mod health;
pub mod posts;
pub mod sessions;
pub mod users;

use actix_web::web;

use crate::HttpSettings;

pub fn configure(cfg: &mut web::ServiceConfig, settings: &HttpSettings) {
    auth::configure(cfg);
    sessions::configure(cfg);
    users::configure(cfg);
    posts::configure(cfg, settings.post_body_limit);
    comments::configure(cfg);
    health::configure(cfg);
    audit::configure(cfg);
    docs::configure(cfg);
}
