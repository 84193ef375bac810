//! `/api/openapi.json` and the interactive docs at `/api/docs`, served from vendored assets.

use actix_web::web;
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::openapi::openapi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::redirect("/api/docs", "/api/docs/"))
        .service(
            SwaggerUi::new("/api/docs/{_:.*}")
                .url("/api/openapi.json", openapi())
                .config(Config::default().validator_url("none")),
        );
}
