//! `ApiError`: the one way errors leave the API, as RFC 9457 `application/problem+json` with a
//! stable machine-readable `code`. Every use-case error is mapped to it in `error_mapping.rs`.

use actix_web::{HttpResponse, ResponseError, http::StatusCode};
use serde::Serialize;
use std::fmt;
use utoipa::ToSchema;

pub use crate::problem_code::ProblemCode;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// What a 503 suggests: long enough for a restart or a failover, short enough to feel live.
const RETRY_UNAVAILABLE_AFTER_SECONDS: u64 = 5;

/// One invalid field of a request body.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    /// The field's name (a dotted path for nested fields).
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl ToString) -> Self {
        Self {
            field: field.into(),
            message: message.to_string(),
        }
    }
}

/// An error, as every endpoint reports it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:agora:problem:validation_failed",
    "title": "Validation failed",
    "status": 422,
    "detail": "One or more fields are invalid.",
    "code": "validation_failed",
    "errors": [{"field": "email", "message": "must be an address of the form name@example.com"}]
}))]
pub struct Problem {
    /// A URI naming the problem type: `urn:agora:problem:{code}`.
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable snake_case identifier clients can branch on.
    pub code: String,
    /// Present on `validation_failed` (422): each invalid field.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub errors: Option<Vec<FieldError>>,
}

/// `d` in whole seconds, rounded up: a client told to wait must not come back too early.
pub(crate) fn whole_seconds_up(d: std::time::Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

pub struct ApiError {
    status: StatusCode,
    code: ProblemCode,
    detail: String,
    errors: Vec<FieldError>,
    /// Sent as `Retry-After` (seconds) on 429 and 503.
    retry_after: Option<u64>,
    /// The cause of a 5xx, logged with its whole chain; never sent to the client.
    source: Option<anyhow::Error>,
}

impl ApiError {
    /// `code` with its status and title, and a `detail` for this occurrence.
    pub fn new(code: ProblemCode, detail: impl Into<String>) -> Self {
        Self {
            status: code.status(),
            code,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
            source: None,
        }
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        let mut err = Self::new(
            ProblemCode::ValidationFailed,
            "One or more fields are invalid.",
        );
        err.errors = errors;
        err
    }

    /// 422 for one invalid field.
    pub fn invalid_field(field: impl Into<String>, message: impl ToString) -> Self {
        Self::validation(vec![FieldError::new(field, message)])
    }

    pub fn unauthenticated(detail: impl Into<String>) -> Self {
        Self::new(ProblemCode::Unauthenticated, detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(ProblemCode::NotFound, detail)
    }

    /// A dependency that cannot be reached: 503 `service_unavailable` with `Retry-After`. The
    /// cause is logged, never sent.
    pub(crate) fn unavailable(source: anyhow::Error) -> Self {
        let mut err = Self::for_status(StatusCode::SERVICE_UNAVAILABLE);
        err.retry_after = Some(RETRY_UNAVAILABLE_AFTER_SECONDS);
        err.source = Some(source);
        err
    }

    /// A bug: 500 `internal_error`. The cause is logged with its whole chain, never sent.
    pub fn internal(source: anyhow::Error) -> Self {
        let mut err = Self::new(
            ProblemCode::InternalError,
            "The server could not complete the request.",
        );
        err.source = Some(source);
        err
    }

    /// 429 `rate_limited`: retry after `wait` (rounded up to whole seconds, at least one).
    pub fn rate_limited(detail: impl Into<String>, wait: std::time::Duration) -> Self {
        let mut err = Self::new(ProblemCode::RateLimited, detail);
        err.retry_after = Some(whole_seconds_up(wait).max(1));
        err
    }

    pub fn code(&self) -> &'static str {
        self.code.as_str()
    }

    /// The generic problem for a bare status (404 of an unknown route, 405, ...). The status is
    /// kept as given; the code is the closest one.
    pub fn for_status(status: StatusCode) -> Self {
        let detail = match status.as_u16() {
            400 => "The request could not be understood.",
            401 => "Valid credentials are required.",
            403 => "You may not do this.",
            404 => "No resource lives at this address.",
            405 => "This resource does not accept that method.",
            406 => "No acceptable representation is available.",
            408 => "The request took too long to arrive.",
            413 => "The request body is larger than allowed.",
            415 => "The body must be application/json.",
            422 => "One or more fields are invalid.",
            429 => "Slow down and retry later.",
            503 => "A dependency is unavailable; retry later.",
            s if s >= 500 => "The server could not complete the request.",
            _ => "The request could not be processed.",
        };
        let mut err = Self::new(ProblemCode::for_status(status), detail);
        err.status = status;
        err
    }

    pub fn problem(&self) -> Problem {
        Problem {
            type_: format!("urn:agora:problem:{}", self.code.as_str()),
            title: self.code.title().to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.as_str().to_owned(),
            errors: (!self.errors.is_empty()).then(|| self.errors.clone()),
        }
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code.as_str(),
            self.detail
        )?;
        if let Some(source) = &self.source {
            write!(f, ": {source:?}")?;
        }
        Ok(())
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        if self.status.is_server_error() {
            match &self.source {
                Some(source) => {
                    tracing::error!(code = self.code.as_str(), error = ?source, "request failed")
                }
                None => tracing::error!(code = self.code.as_str(), "request failed"),
            }
        }
        let mut response = HttpResponse::build(self.status);
        if let Some(seconds) = self.retry_after {
            response.insert_header((actix_web::http::header::RETRY_AFTER, seconds));
        }
        response.content_type(PROBLEM_JSON).json(self.problem())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_hide_their_cause() {
        let err = ApiError::internal(anyhow::anyhow!("connection refused to 10.0.0.1"));
        let body = serde_json::to_string(&err.problem()).expect("serialises");
        assert!(!body.contains("10.0.0.1"));
        assert!(body.contains("internal_error"));
    }

    #[test]
    fn validation_problems_list_fields_and_others_omit_the_list() {
        let err = ApiError::validation(vec![FieldError {
            field: "email".into(),
            message: "bad".into(),
        }]);
        let value = serde_json::to_value(err.problem()).expect("serialises");
        assert_eq!(value["errors"][0]["field"], "email");
        let value = serde_json::to_value(ApiError::not_found("x").problem()).expect("serialises");
        assert!(value.get("errors").is_none());
        assert_eq!(value["type"], "urn:agora:problem:not_found");
    }
}
