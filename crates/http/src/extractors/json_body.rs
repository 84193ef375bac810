//! JSON bodies with precise errors: 415 for another content type, 413 over the size limit,
//! 408 when the body trickles in slower than the body timeout, 400 for malformed JSON, 422
//! naming the field for JSON of the wrong shape.

use actix_web::{
    FromRequest, HttpRequest,
    dev::Payload,
    http::{StatusCode, header},
    web::{Bytes, Data},
};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use crate::{
    HttpSettings,
    error::{ApiError, ProblemCode},
};

pub struct JsonBody<T>(pub T);

/// A JSON body that may be absent: no content, whatever `Content-Type` says (generated clients
/// send `Content-Type: application/json` with an empty body). The contract documents such a
/// body as an optional request body whose schema is `T`, so a present body must be a `T`: the
/// JSON `null` is refused like any other wrong shape (422).
pub struct OptionalJsonBody<T>(pub Option<T>);

fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            mime == "application/json"
                || (mime.starts_with("application/") && mime.ends_with("+json"))
        })
        .unwrap_or(false)
}

/// No body at all: `Content-Length: 0`, or neither a length nor chunked framing.
fn is_absent(req: &HttpRequest) -> bool {
    let no_length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .is_none_or(|v| v.as_bytes() == b"0");
    let chunked = req.headers().contains_key(header::TRANSFER_ENCODING);
    no_length && !chunked
}

fn read<T: DeserializeOwned + 'static>(
    req: &HttpRequest,
    payload: &mut Payload,
) -> LocalBoxFuture<'static, Result<T, ApiError>> {
    let json = is_json(req);
    let timeout = req.app_data::<Data<HttpSettings>>().map(|s| s.body_timeout);
    let bytes = Bytes::from_request(req, payload);
    Box::pin(async move {
        if !json {
            return Err(ApiError::for_status(StatusCode::UNSUPPORTED_MEDIA_TYPE));
        }
        let bytes = match timeout {
            Some(limit) => actix_web::rt::time::timeout(limit, bytes)
                .await
                .map_err(|_| ApiError::for_status(StatusCode::REQUEST_TIMEOUT))?,
            None => bytes.await,
        };
        let bytes = bytes.map_err(|err| {
            let status = err.as_response_error().status_code();
            if status == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::for_status(status)
            } else {
                ApiError::new(
                    ProblemCode::BadRequest,
                    "The request body could not be read.",
                )
            }
        })?;
        parse(&bytes)
    })
}

fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(shape_error)?;
    deserializer.end().map_err(|_| malformed())?;
    Ok(value)
}

fn malformed() -> ApiError {
    ApiError::new(
        ProblemCode::MalformedJson,
        "The request body is not valid JSON.",
    )
}

fn shape_error(err: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    if !err.inner().is_data() {
        return malformed();
    }
    let path = err.path().to_string();
    let message = err.inner().to_string();
    // serde_json appends the position; the field name says more to a client.
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_owned();
    let field = match message.strip_prefix("missing field `") {
        Some(rest) => rest.trim_end_matches('`').to_owned(),
        None if path == "." || path.is_empty() => "body".to_owned(),
        None => path,
    };
    ApiError::invalid_field(field, message)
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read::<T>(req, payload);
        Box::pin(async move { body.await.map(JsonBody) })
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for OptionalJsonBody<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if is_absent(req) {
            return Box::pin(async { Ok(OptionalJsonBody(None)) });
        }
        let body = read::<T>(req, payload);
        Box::pin(async move { body.await.map(|b| OptionalJsonBody(Some(b))) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        email: String,
        age: u8,
    }

    #[test]
    fn names_the_field_of_a_shape_error() {
        let err = parse::<Body>(br#"{"email": 1, "age": 3}"#).expect_err("wrong type");
        assert_eq!(err.code(), "validation_failed");
        assert_eq!(err.problem().errors.expect("fields")[0].field, "email");
        let err = parse::<Body>(br#"{"age": 3}"#).expect_err("missing");
        assert_eq!(err.problem().errors.expect("fields")[0].field, "email");
        let err = parse::<Body>(br#"{"email": "a", "age": 3, "extra": 1}"#).expect_err("unknown");
        assert_eq!(err.code(), "validation_failed");
    }

    #[test]
    fn a_present_optional_body_must_have_the_shape_null_included() {
        assert!(parse::<Body>(br#"{"email": "a", "age": 3}"#).is_ok());
        for raw in [&b"[]"[..], b"null"] {
            let err = parse::<Body>(raw).expect_err("not a Body");
            assert_eq!(err.code(), "validation_failed");
        }
    }

    #[test]
    fn malformed_json_is_a_bad_request() {
        for raw in [
            &b"{"[..],
            b"",
            b"{\"email\": \"a\", \"age\": 3} trailing",
            b"nul",
        ] {
            assert_eq!(
                parse::<Body>(raw).expect_err("malformed").code(),
                "malformed_json"
            );
        }
    }
}
