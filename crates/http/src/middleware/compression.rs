//! gzip and brotli for answers over 1 KiB, when `Accept-Encoding` allows, except on the routes
//! whose body carries a secret (tokens, the CSRF token, the caller's own account): compressing
//! a secret next to attacker-influenced content lets the compressed length leak it (BREACH).
//!
//! actix-web's own `Compress` compresses every size and answers 406 in plain text when no
//! encoding is acceptable; this layer uses the same encoder but never refuses (identity is always
//! acceptable to us) and keeps the exclusions in one place.

use actix_http::encoding::Encoder;
use actix_web::{
    Error,
    body::{BodySize, EitherBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::header::{self, AcceptEncoding, ContentEncoding, Encoding, Header as _, HeaderValue},
    middleware::Next,
    web::Data,
};

use super::metrics::route_pattern;
use crate::HttpSettings;

/// Route patterns whose answers are never compressed (BREACH): login and refresh return the
/// access token, the refresh token (native clients) and the CSRF token; `/api/users/me` returns
/// the caller's email next to fields the caller chose.
pub const NEVER_COMPRESSED: &[&str] = &["/api/auth/login", "/api/auth/refresh", "/api/users/me"];

/// The encoding to use: brotli, else gzip, as the client's preferences allow; else none.
fn negotiate(req: &ServiceRequest) -> Option<ContentEncoding> {
    let accept = AcceptEncoding::parse(req.request()).ok()?;
    let supported = [Encoding::brotli(), Encoding::gzip()];
    match accept.negotiate(supported.iter())? {
        Encoding::Known(ContentEncoding::Brotli) => Some(ContentEncoding::Brotli),
        Encoding::Known(ContentEncoding::Gzip) => Some(ContentEncoding::Gzip),
        _ => None,
    }
}

pub async fn compress(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<Encoder<impl MessageBody>, impl MessageBody>>, Error> {
    let encoding = negotiate(&req);
    // Smaller answers gain too little to be worth the CPU (`COMPRESS_MIN_BYTES`).
    let min = req
        .app_data::<Data<HttpSettings>>()
        .map_or(1024, |s| s.compress_min_bytes);
    let response = next.call(req).await?;
    let excluded = route_pattern(response.request())
        .is_some_and(|pattern| NEVER_COMPRESSED.contains(&&*pattern));
    let large = match response.response().body().size() {
        BodySize::Sized(len) => len >= min,
        BodySize::Stream => true,
        BodySize::None => false,
    };
    let already = response.headers().contains_key(header::CONTENT_ENCODING);
    match encoding {
        Some(encoding) if large && !excluded && !already => Ok(response
            .map_body(|head, body| Encoder::response(encoding, head, body))
            .map_into_left_body()),
        _ => {
            let mut response = response;
            if !excluded {
                // Caches must keep the compressed and plain answers apart.
                response
                    .headers_mut()
                    .append(header::VARY, HeaderValue::from_static("accept-encoding"));
            }
            Ok(response.map_into_right_body())
        }
    }
}
