//! Turns any error response not already in problem form (actix's own 404, 405, 413, ...) into
//! `application/problem+json`, so clients meet one error shape everywhere.

use actix_web::{
    HttpResponse, ResponseError, body::MessageBody, dev::ServiceResponse, http::header,
    middleware::ErrorHandlerResponse,
};

use crate::error::{ApiError, PROBLEM_JSON};

pub fn problem_fallback<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let (req, original) = res.into_parts();
    let mut replacement: HttpResponse = ApiError::for_status(original.status()).error_response();
    for name in [header::ALLOW, header::RETRY_AFTER, header::SET_COOKIE] {
        for value in original.headers().get_all(&name) {
            replacement
                .headers_mut()
                .append(name.clone(), value.clone());
        }
    }
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, replacement)
            .map_into_boxed_body()
            .map_into_right_body(),
    ))
}
