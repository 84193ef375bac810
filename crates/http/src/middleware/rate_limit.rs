//! Spends the client's request budgets and reports them in the IETF `RateLimit-Policy` /
//! `RateLimit` headers. Over budget: 429 `rate_limited`.
//!
//! Two layers: [`rate_limit`] wraps the whole app and spends the general budget of every
//! request; [`auth_budget`] wraps the routes that check a password or create an account, and
//! spends the authentication budget there. The second is attached to the routes themselves, so
//! it is the router's decision (whatever spelling of the path it decoded to reach the route)
//! that decides, never a comparison of the raw path.

use actix_web::{
    Error, HttpMessage, ResponseError,
    body::{BoxBody, EitherBody, MessageBody},
    dev::{Service, ServiceRequest, ServiceResponse, Transform},
    http::header::{HeaderMap, HeaderName, HeaderValue},
    middleware::{Next, from_fn},
    web::Data,
};
use application::throttle::{Scope, Verdict};

use crate::{
    HttpSettings,
    error::{ApiError, whole_seconds_up},
    middleware::{ClientIp, client_ip::budget_key},
    state::AppState,
};

const RATELIMIT: HeaderName = HeaderName::from_static("ratelimit");
const RATELIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");

/// Puts this layer's budgets in front of those an inner layer already reported, so a login
/// answer reads `"general"…, "auth"…`.
fn add_headers(headers: &mut HeaderMap, verdict: &Verdict) {
    let (mut policies, mut states) = (Vec::new(), Vec::new());
    for (p, d) in &verdict.budgets {
        policies.push(format!(
            "\"{}\";q={};w={}",
            p.name,
            p.limit,
            p.window.as_secs()
        ));
        let reset = whole_seconds_up(d.reset_after);
        states.push(format!("\"{}\";r={};t={reset}", p.name, d.remaining));
    }
    for (name, mut value) in [(RATELIMIT_POLICY, policies), (RATELIMIT, states)] {
        if let Some(inner) = headers.get(&name).and_then(|v| v.to_str().ok()) {
            value.push(inner.to_owned());
        }
        if let Ok(value) = HeaderValue::from_str(&value.join(", ")) {
            headers.insert(name, value);
        }
    }
}

/// The general budget, on every request but the health probes (they come from the load
/// balancer, whose budget must never run out).
pub async fn rate_limit<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, Error> {
    let exempt = req.path().starts_with("/health/");
    spend(Scope::General, exempt, req, next).await
}

/// The authentication budget, for the routes that check a password or create an account or a
/// session. Attach it with `.wrap(auth_budget())` on the route.
pub fn auth_budget<S>() -> impl Transform<
    S,
    ServiceRequest,
    Response = ServiceResponse<EitherBody<BoxBody>>,
    Error = Error,
    InitError = (),
> + 'static
where
    S: Service<ServiceRequest, Response = ServiceResponse, Error = Error> + 'static,
{
    from_fn(|req: ServiceRequest, next: Next<BoxBody>| {
        spend(Scope::Authentication, false, req, next)
    })
}

async fn spend<B: MessageBody + 'static>(
    scope: Scope,
    exempt: bool,
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, Error> {
    let state = req.app_data::<Data<AppState>>().cloned();
    let client = req.extensions().get::<ClientIp>().copied();
    let (Some(state), Some(ClientIp(ip)), false) = (state, client, exempt) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let prefix = req
        .app_data::<Data<HttpSettings>>()
        .map_or(64, |s| s.ipv6_prefix);
    let verdict = match state.throttle.spend(scope, &budget_key(ip, prefix)).await {
        Ok(verdict) => verdict,
        Err(err) => {
            let response = ApiError::from(err).error_response();
            return Ok(req.into_response(response).map_into_right_body());
        }
    };
    if let Some(wait) = verdict.retry_after() {
        for (policy, _) in verdict.budgets.iter().filter(|(_, d)| !d.allowed) {
            metrics::counter!("agora_rate_limit_refusals_total", "budget" => policy.name)
                .increment(1);
        }
        let mut response =
            ApiError::rate_limited("Too many requests from this client. Retry later.", wait)
                .error_response();
        add_headers(response.headers_mut(), &verdict);
        return Ok(req.into_response(response).map_into_right_body());
    }
    let mut response = next.call(req).await?;
    add_headers(response.headers_mut(), &verdict);
    Ok(response.map_into_left_body())
}
