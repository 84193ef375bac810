//! Routes, one file per resource, each with a `configure` function.

pub mod account;
pub mod audit;
pub mod auth;
mod auth_outcomes;
pub mod comments;
pub mod cookies;
pub mod docs;
pub mod health;
pub mod posts;
mod prelude;
pub mod sessions;
pub mod users;

use actix_web::{HttpResponse, http::header, web};
use serde::Serialize;

use crate::{HttpSettings, extractors::tagged};

pub fn configure(cfg: &mut web::ServiceConfig, settings: &HttpSettings) {
    auth::configure(cfg);
    account::configure(cfg);
    sessions::configure(cfg);
    users::configure(cfg);
    posts::configure(cfg, settings.post_body_limit);
    comments::configure(cfg);
    health::configure(cfg);
    audit::configure(cfg);
    docs::configure(cfg);
}

/// `200 OK` with the edited representation and its new `ETag`.
fn updated(body: &impl Serialize, tag: &str) -> HttpResponse {
    tagged(HttpResponse::Ok().json(body), tag)
}

/// `201 Created` at `location`, with the new representation and its `ETag`.
fn created(location: String, body: &impl Serialize, tag: &str) -> HttpResponse {
    let response = HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .json(body);
    tagged(response, tag)
}
