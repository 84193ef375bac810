//! Agora's HTTP layer: actix-web routes, extractors, middleware, the mapping of errors to
//! problem responses, and the OpenAPI document. Handlers stay thin: extract, convert, call, map.

mod csrf;
mod dto;
mod error;
mod error_mapping;
mod extractors;
mod middleware;
mod openapi;
mod problem_code;
mod routes;
mod state;

use actix_web::{
    App, Error,
    body::MessageBody,
    dev::{ServiceFactory, ServiceRequest, ServiceResponse},
    http::StatusCode,
    middleware::{ErrorHandlers, from_fn},
    web,
};

pub use csrf::CsrfTokens;
pub use error::{ApiError, FieldError, Problem, ProblemCode};
pub use middleware::{
    ConnectionActivity, HeadDeadlines, NEVER_COMPRESSED, RequestId, UNMATCHED, budget_key,
};
pub use openapi::{openapi, openapi_yaml};
pub use state::AppState;

/// Limits and trust the HTTP layer enforces.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Body cap on every route but the post routes.
    pub json_body_limit: usize,
    /// Body cap on `POST /api/posts` and `PUT /api/posts/{id}`.
    pub post_body_limit: usize,
    /// Time a client gets to send a whole body once its head has arrived.
    pub body_timeout: std::time::Duration,
    /// Peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// IPv6 clients are one client per network of this many bits.
    pub ipv6_prefix: u8,
    /// Browser origins allowed to call the API with credentials.
    pub cors_origins: Vec<String>,
    /// Answers at least this long are compressed (gzip or brotli) when the client allows.
    pub compress_min_bytes: u64,
}

/// The whole application: routes, middleware, shared state and the fallbacks that keep every
/// error in problem form.
pub fn app(
    state: AppState,
    settings: HttpSettings,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    let cors = middleware::cors(&settings.cors_origins);
    App::new()
        .app_data(web::Data::new(state))
        .app_data(web::PayloadConfig::new(settings.json_body_limit))
        .app_data(web::Data::new(settings.clone()))
        .app_data(
            web::PathConfig::default().error_handler(|_, _| {
                ApiError::not_found("No resource lives at this address.").into()
            }),
        )
        .configure(|cfg| routes::configure(cfg, &settings))
        .default_service(web::to(|| async {
            Err::<actix_web::HttpResponse, _>(ApiError::for_status(StatusCode::NOT_FOUND))
        }))
        .wrap(from_fn(middleware::rate_limit))
        .wrap(cors)
        .wrap(ErrorHandlers::new().default_handler(middleware::problem_fallback))
        .wrap(from_fn(middleware::security_headers))
        .wrap(from_fn(middleware::compress))
        .wrap(from_fn(middleware::error_tracking))
        .wrap(from_fn(middleware::request_context))
        .wrap(from_fn(middleware::record_metrics))
        .wrap(from_fn(middleware::track_activity))
}
