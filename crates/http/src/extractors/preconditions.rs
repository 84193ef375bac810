//! Conditional requests: `If-Match` guards writes (412 when stale), `If-None-Match` lets a
//! client revalidate a cached representation (304).

use std::future::{Ready, ready};

use actix_web::{
    FromRequest, HttpRequest, HttpResponse,
    dev::Payload,
    http::header::{self, HeaderValue},
};
use application::views::IfMatch;
use serde::Serialize;

use crate::error::ApiError;

pub struct Preconditions {
    pub if_match: Option<IfMatch>,
    pub if_none_match: Option<IfMatch>,
}

fn parse(req: &HttpRequest, name: header::HeaderName) -> Option<IfMatch> {
    let values: Vec<&str> = req
        .headers()
        .get_all(name)
        .filter_map(|v| v.to_str().ok())
        .collect();
    if values.is_empty() {
        return None;
    }
    let tags: Vec<String> = values
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| t.trim_matches('"').to_owned())
        .collect();
    if tags.iter().any(|t| t == "*") {
        Some(IfMatch::Any)
    } else {
        Some(IfMatch::Tags(tags))
    }
}

impl FromRequest for Preconditions {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self {
            if_match: parse(req, header::IF_MATCH),
            if_none_match: parse(req, header::IF_NONE_MATCH),
        }))
    }
}

fn etag_value(tag: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!("\"{tag}\"")).ok()
}

/// `200` with the body and its `ETag`, or `304` when the client's copy is current.
pub fn with_etag(
    tag: &str,
    body: &impl Serialize,
    if_none_match: Option<&IfMatch>,
) -> HttpResponse {
    let mut response = if if_none_match.is_some_and(|m| m.matches(tag)) {
        HttpResponse::NotModified().finish()
    } else {
        HttpResponse::Ok().json(body)
    };
    if let Some(value) = etag_value(tag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// Adds the `ETag` of a representation to a response (201 and 200 after writes).
pub fn tagged(mut response: HttpResponse, tag: &str) -> HttpResponse {
    if let Some(value) = etag_value(tag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}
