//! Request metrics, counted at the edge through the `metrics` facade (the server installs the
//! Prometheus recorder; without one every call here is a no-op).
//!
//! Labels are bounded: the route is the router's *pattern* (`/api/posts/{id}`), never the raw
//! path, and a path no route matches is counted under [`UNMATCHED`]; methods outside the
//! standard set count as `OTHER`; statuses by class (`2xx` ... `5xx`).
//!
//! Every request would otherwise build a labelled key and look it up in the recorder's registry
//! twice (counter and histogram), and walk the router again for its pattern: each worker thread
//! keeps the handles it got per route, method and status class, and the pattern is matched
//! once per request for every layer ([`route_pattern`]). Handles are taken from the recorder
//! installed when a thread first sees a label set; the server installs it before it serves.

use std::{cell::RefCell, collections::HashMap, rc::Rc, time::Instant};

use actix_web::{
    Error, HttpMessage, HttpRequest,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::{Method, StatusCode},
    middleware::Next,
};
use metrics::{Counter, Gauge, Histogram, counter, gauge, histogram};

use crate::error::{ApiError, ProblemCode};

/// The one route label of every request no route matched.
pub const UNMATCHED: &str = "unmatched";

/// The route pattern of a request (`None`: no route matches), matched once and kept in the
/// request's extensions: `match_pattern()` walks the whole router and allocates each time, and
/// metrics, compression and error tracking all need it.
#[derive(Clone)]
struct RoutePattern(Option<Rc<str>>);

pub(crate) fn route_pattern(req: &HttpRequest) -> Option<Rc<str>> {
    if let Some(RoutePattern(pattern)) = req.extensions().get::<RoutePattern>() {
        return pattern.clone();
    }
    let pattern: Option<Rc<str>> = req.match_pattern().map(Rc::from);
    req.extensions_mut().insert(RoutePattern(pattern.clone()));
    pattern
}

/// The handles of one label set.
struct Handles {
    requests: Counter,
    duration: Histogram,
}

/// This thread's handles: by route, then by method and status class.
type HandleCache = HashMap<Box<str>, HashMap<(&'static str, &'static str), Rc<Handles>>>;

thread_local! {
    static IN_FLIGHT: Gauge = gauge!("agora_http_requests_in_flight");
    static HANDLES: RefCell<HandleCache> = RefCell::new(HashMap::new());
}

fn handles(route: &str, method: &'static str, status: &'static str) -> Rc<Handles> {
    HANDLES.with_borrow_mut(|cache| {
        if !cache.contains_key(route) {
            cache.insert(route.into(), HashMap::new());
        }
        let by_label = cache.get_mut(route).expect("inserted above");
        by_label
            .entry((method, status))
            .or_insert_with(|| {
                let route = route.to_owned();
                Rc::new(Handles {
                    requests: counter!(
                        "agora_http_requests_total",
                        "route" => route.clone(),
                        "method" => method,
                        "status" => status
                    ),
                    duration: histogram!(
                        "agora_http_request_duration_seconds",
                        "route" => route,
                        "method" => method,
                        "status" => status
                    ),
                })
            })
            .clone()
    })
}

/// Requests being served right now; decremented even when the request future is dropped.
struct InFlight;

impl InFlight {
    fn enter() -> Self {
        IN_FLIGHT.with(|g| g.increment(1.0));
        Self
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        IN_FLIGHT.with(|g| g.decrement(1.0));
    }
}

fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

fn status_class(status: StatusCode) -> &'static str {
    match status.as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// The problem code of an error answer, when the response still carries its `ApiError`.
fn problem_code<B>(response: &ServiceResponse<B>) -> Option<&'static str> {
    response
        .response()
        .error()
        .and_then(|err| err.as_error::<ApiError>())
        .map(ApiError::code)
}

pub async fn record_metrics(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let method = method_label(req.method());
    let _in_flight = InFlight::enter();
    let started = Instant::now();
    let result = next.call(req).await;
    let elapsed = started.elapsed().as_secs_f64();
    let (route, status) = match &result {
        Ok(response) => (
            route_pattern(response.request()),
            status_class(response.status()),
        ),
        Err(_) => (None, "5xx"),
    };
    let route = route.as_deref().unwrap_or(UNMATCHED);
    if let Ok(response) = &result {
        let success = response.status().is_success();
        if route == "/api/auth/login" && method == "POST" {
            let outcome = if success {
                "success"
            } else {
                problem_code(response)
                    .unwrap_or_else(|| ProblemCode::for_status(response.status()).as_str())
            };
            counter!("agora_logins_total", "outcome" => outcome).increment(1);
        }
        if problem_code(response) == Some(ProblemCode::RefreshTokenReused.as_str()) {
            counter!("agora_refresh_token_reuse_total").increment(1);
        }
    }
    let handles = handles(route, method, status);
    handles.requests.increment(1);
    handles.duration.record(elapsed);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_from_a_closed_set() {
        assert_eq!(method_label(&Method::GET), "GET");
        let odd = Method::from_bytes(b"BREW").expect("a token");
        assert_eq!(method_label(&odd), "OTHER");
        assert_eq!(status_class(StatusCode::NOT_FOUND), "4xx");
        assert_eq!(status_class(StatusCode::SERVICE_UNAVAILABLE), "5xx");
        assert_eq!(status_class(StatusCode::NO_CONTENT), "2xx");
    }
}
