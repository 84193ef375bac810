//! Agora's HTTP layer: actix-web routes, extractors, middleware, the mapping of errors to
//! problem responses, and the OpenAPI document. Handlers stay thin: extract, convert, call, map.

mod dto;
mod error;
mod error_mapping;
mod extractors;
mod middleware;
mod openapi;
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

pub use error::{ApiError, FieldError, Problem};
pub use middleware::RequestId;
pub use openapi::{openapi, openapi_yaml};
pub use state::AppState;

/// Limits the HTTP layer enforces.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    pub json_body_limit: usize,
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
    App::new()
        .app_data(web::Data::new(state))
        .app_data(web::PayloadConfig::new(settings.json_body_limit))
        .app_data(
            web::PathConfig::default().error_handler(|_, _| {
                ApiError::not_found("No resource lives at this address.").into()
            }),
        )
        .configure(routes::configure)
        .default_service(web::to(|| async {
            Err::<actix_web::HttpResponse, _>(ApiError::for_status(StatusCode::NOT_FOUND))
        }))
        .wrap(ErrorHandlers::new().default_handler(middleware::problem_fallback))
        .wrap(from_fn(middleware::security_headers))
        .wrap(from_fn(middleware::request_context))
}
