//! Request ids, client addresses and access logs: every request runs in a span carrying its id
//! and client, and every response carries `X-Request-Id` (the client's, when it sent a sane one).

use std::time::Instant;

use actix_web::{
    Error, HttpMessage,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::header::{HeaderName, HeaderValue},
    middleware::Next,
    web::Data,
};
use tracing::Instrument;
use uuid::Uuid;

use super::client_ip::{ClientIp, resolve};
use crate::HttpSettings;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
const MAX_LEN: usize = 128;

/// The id of the request being served, also in every log line of its span.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

fn acceptable(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable(v))
        .map_or_else(|| Uuid::now_v7().to_string(), str::to_owned);
    req.extensions_mut().insert(RequestId(id.clone()));
    let client = req.peer_addr().map(|peer| {
        let forwarded: Vec<&str> = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .collect();
        let proxies = req
            .app_data::<Data<HttpSettings>>()
            .map(|s| s.trusted_proxies.as_slice())
            .unwrap_or_default();
        resolve(peer.ip(), &forwarded, proxies)
    });
    if let Some(ip) = client {
        req.extensions_mut().insert(ClientIp(ip));
    }
    let span = tracing::info_span!(
        "http_request",
        request_id = %id,
        client = client.map(tracing::field::display),
        method = %req.method(),
        path = %req.path(),
    );
    let started = Instant::now();
    // The request must not be cloned here: routing needs to be its only owner.
    let mut response = match next.call(req).instrument(span.clone()).await {
        Ok(response) => response,
        Err(err) => {
            span.in_scope(|| tracing::error!(error = %err, "request failed in middleware"));
            return Err(err);
        }
    };
    let status = response.status().as_u16();
    span.in_scope(|| {
        tracing::info!(
            status,
            latency_ms = started.elapsed().as_millis() as u64,
            "request served"
        );
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_ids_and_refuses_injection() {
        assert!(acceptable("0190f5e4-3b1e-7c3a-9d2e-1a2b3c4d5e6f"));
        assert!(acceptable("req_123.abc:9"));
        assert!(!acceptable(""));
        assert!(!acceptable("a b"));
        assert!(!acceptable("a\nb"));
        assert!(!acceptable(&"a".repeat(129)));
    }
}
