//! Spends the client's request budgets before anything else runs, and reports them in the
//! IETF `RateLimit-Policy` / `RateLimit` headers. Over budget: 429 `rate_limited`.

use actix_web::{
    Error, HttpMessage, ResponseError,
    body::{EitherBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::{
        Method,
        header::{HeaderMap, HeaderName, HeaderValue},
    },
    middleware::Next,
    web::Data,
};
use application::throttle::{Scope, Verdict};

use crate::{
    error::{ApiError, whole_seconds_up},
    middleware::ClientIp,
    state::AppState,
};

const RATELIMIT: HeaderName = HeaderName::from_static("ratelimit");
const RATELIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");

/// Routes that create accounts or sessions spend the tight authentication budget too.
fn scope(method: &Method, path: &str) -> Scope {
    let authentication = method == Method::POST
        && matches!(
            path,
            "/api/auth/register" | "/api/auth/login" | "/api/auth/refresh"
        );
    if authentication {
        Scope::Authentication
    } else {
        Scope::General
    }
}

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
    for (name, value) in [(RATELIMIT_POLICY, policies), (RATELIMIT, states)] {
        let value = value.join(", ");
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
}

pub async fn rate_limit<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, Error> {
    // Health probes come from the load balancer, whose budget must never run out.
    let state = req.app_data::<Data<AppState>>().cloned();
    let client = req.extensions().get::<ClientIp>().copied();
    let (Some(state), Some(ClientIp(ip)), false) =
        (state, client, req.path().starts_with("/health/"))
    else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let verdict = match state
        .throttle
        .spend(scope(req.method(), req.path()), &ip.to_string())
        .await
    {
        Ok(verdict) => verdict,
        Err(err) => {
            let response = ApiError::internal(err.into()).error_response();
            return Ok(req.into_response(response).map_into_right_body());
        }
    };
    if let Some(wait) = verdict.retry_after() {
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
