//! `/health`: liveness for the process, readiness for its dependencies.

use actix_web::{
    HttpResponse,
    web::{self, Data},
};

use crate::{
    dto::health::{Liveness, ReadinessChecks, ReadinessResponse},
    error::{ApiError, PROBLEM_JSON, ProblemCode},
    openapi::responses::Problems,
    problem_code::code,
    state::AppState,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/health/live").route(web::get().to(live)))
        .service(web::resource("/health/ready").route(web::get().to(ready)));
}

/// The process is up and serving.
#[utoipa::path(
    get, path = "/health/live", tag = "health",
    responses((status = 200, description = "Alive", body = Liveness))
)]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(Liveness {
        status: "ok".into(),
    })
}

/// The database and the session store both answer, and the process is not shutting down.
#[utoipa::path(
    get, path = "/health/ready", tag = "health",
    responses(
        (status = 200, description = "Ready", body = ReadinessResponse),
        Problems<code::NotReady>,
    )
)]
pub async fn ready(state: Data<AppState>) -> Result<HttpResponse, ApiError> {
    if state.readiness.is_draining() {
        // Expected, and asked for every few seconds by each load balancer: not an error to
        // log (the shutdown itself is logged once).
        let problem = ApiError::new(ProblemCode::NotReady, "Shutting down.").problem();
        return Ok(HttpResponse::ServiceUnavailable()
            .content_type(PROBLEM_JSON)
            .json(problem));
    }
    let report = state.readiness.check().await;
    if report.ready() {
        return Ok(HttpResponse::Ok().json(ReadinessResponse {
            status: "ok".into(),
            checks: ReadinessChecks {
                database: report.database,
                session_store: report.session_store,
            },
        }));
    }
    let down: Vec<&str> = [
        (!report.database).then_some("database"),
        (!report.session_store).then_some("session store"),
    ]
    .into_iter()
    .flatten()
    .collect();
    Err(ApiError::new(
        ProblemCode::NotReady,
        format!("Unavailable: {}.", down.join(", ")),
    ))
}
