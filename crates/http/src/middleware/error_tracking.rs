//! Error tracking at the edge, through `sentry-core`'s hub (the server installs the client when
//! `SENTRY_DSN` is set; without one this middleware only passes the request on).
//!
//! Each request gets a hub of its own whose scope carries the request id, the route *pattern*
//! (never the raw path, which may hold identifiers) and the method, so an error logged while it
//! is served, or a panic, is reported with them. A 5xx answer that logged nothing is reported
//! too. Nothing of the request itself is attached: no URL, query, header, cookie or body.

use actix_web::{
    Error, HttpMessage,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    middleware::Next,
};
use sentry_core::{Hub, Level, SentryFutureExt};
use std::sync::Arc;

use super::{UNMATCHED, metrics::route_pattern, request_context::RequestId};
use crate::error::ApiError;

pub async fn error_tracking(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    if Hub::main().client().is_none() {
        return next.call(req).await;
    }
    let hub = Arc::new(Hub::new_from_top(Hub::main()));
    let route = route_pattern(req.request());
    let route = route.as_deref().unwrap_or(UNMATCHED);
    let method = req.method().to_string();
    let request_id = req.extensions().get::<RequestId>().map(|id| id.0.clone());
    hub.configure_scope(|scope| {
        scope.set_transaction(Some(&format!("{method} {route}")));
        scope.set_tag("route", route);
        scope.set_tag("method", &method);
        if let Some(id) = &request_id {
            scope.set_tag("request_id", id);
        }
    });
    let response = next.call(req).bind_hub(hub.clone()).await?;
    let status = response.status();
    if status.is_server_error() && hub.last_event_id().is_none() {
        let code = response
            .response()
            .error()
            .and_then(|err| err.as_error::<ApiError>())
            .map_or("none", ApiError::code);
        hub.configure_scope(|scope| scope.set_tag("status", status.as_u16()));
        hub.capture_message(
            &format!("{} answered (problem code {code})", status.as_u16()),
            Level::Error,
        );
    }
    Ok(response)
}
