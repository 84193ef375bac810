//! The per-operation pass: each operation gets the shared errors by reference, the headers the
//! server always sends, its conditional-request parameters, CSRF beside cookie authentication,
//! plain optional bodies and an example of every body and problem.

use serde_json::{Value, json};
use utoipa::openapi::{
    HttpMethod, RefOr, Required, Schema, path::Operation, request_body::RequestBody,
    security::SecurityRequirement,
};

use super::shared::{
    STANDARD, component_ref, header_ref, problem_example, problem_response, retry_after_on,
    standard_ref,
};
use crate::error::ProblemCode;

/// The problem code a response's description names first (`` `username_taken` or ...``), else
/// the usual one for its status.
fn code_of(status: &str, description: &str) -> ProblemCode {
    description
        .split('`')
        .skip(1)
        .step_by(2)
        .find_map(|word| ProblemCode::ALL.iter().find(|c| c.as_str() == word))
        .copied()
        .unwrap_or_else(|| {
            let status = status
                .parse::<u16>()
                .ok()
                .and_then(|s| actix_web::http::StatusCode::from_u16(s).ok())
                .unwrap_or(actix_web::http::StatusCode::BAD_REQUEST);
            ProblemCode::for_status(status)
        })
}

/// The operations anyone may call. Every other operation needs credentials (a bearer token or
/// the access cookie) unless its handler declares its own `security` (logout, refresh):
/// declared once here instead of on each handler, so an operation is documented as
/// authenticated unless it is listed. `tests/api/contract.rs` checks the document against what
/// the server answers an anonymous caller.
const PUBLIC: &[(HttpMethod, &str)] = &[
    (HttpMethod::Post, "/api/auth/register"),
    (HttpMethod::Post, "/api/auth/login"),
    (HttpMethod::Post, "/api/auth/verify-email"),
    (HttpMethod::Post, "/api/auth/confirm-email-change"),
    (HttpMethod::Post, "/api/auth/password-reset"),
    (HttpMethod::Post, "/api/auth/password-reset/confirm"),
    (HttpMethod::Get, "/api/posts"),
    (HttpMethod::Get, "/api/posts/{id}"),
    (HttpMethod::Get, "/api/posts/{id}/comments"),
    (HttpMethod::Get, "/api/comments/{id}"),
    (HttpMethod::Get, "/health/live"),
    (HttpMethod::Get, "/health/ready"),
];

/// What `PUBLIC` leaves out: a bearer token or the access cookie.
fn credentials() -> Vec<SecurityRequirement> {
    ["bearer", "cookie"]
        .into_iter()
        .map(|scheme| SecurityRequirement::new(scheme, Vec::<String>::new()))
        .collect()
}

fn scheme_names(requirement: &SecurityRequirement) -> Vec<String> {
    serde_json::to_value(requirement)
        .ok()
        .and_then(|v| v.as_object().map(|o| o.keys().cloned().collect()))
        .unwrap_or_default()
}

/// The per-operation pass: shared errors by reference, headers, preconditions, CSRF, optional
/// bodies and examples.
pub(super) fn complete(path: &str, method: HttpMethod, operation: &mut Operation) {
    let unsafe_method = method != HttpMethod::Get;
    // Security: credentials unless public or declared; cookie-authenticated unsafe calls need
    // the CSRF header.
    let public = PUBLIC.contains(&(method.clone(), path));
    let requirements = operation
        .security
        .get_or_insert_with(|| if public { Vec::new() } else { credentials() });
    for requirement in requirements.iter_mut() {
        let names = scheme_names(requirement);
        if unsafe_method
            && names.iter().any(|n| n == "cookie")
            && !names.iter().any(|n| n == "csrf")
        {
            *requirement = std::mem::take(requirement).add("csrf", Vec::<String>::new());
        }
    }
    let authenticated =
        !requirements.is_empty() && requirements.iter().all(|r| !scheme_names(r).is_empty());

    let body = operation.request_body.as_mut().map(optional_body);
    let responses = &mut operation.responses.responses;
    let mut add = |status: &str, code: ProblemCode| {
        responses
            .entry(status.to_owned())
            .or_insert_with(|| standard_ref(code));
    };
    if body.is_some() {
        add("400", ProblemCode::MalformedJson);
        add("408", ProblemCode::RequestTimeout);
        add("413", ProblemCode::PayloadTooLarge);
        add("415", ProblemCode::UnsupportedMediaType);
        add("422", ProblemCode::ValidationFailed);
    }
    if authenticated {
        add("401", ProblemCode::Unauthenticated);
        if unsafe_method {
            add("403", ProblemCode::CsrfFailed);
        }
    }
    add("500", ProblemCode::InternalError);
    add("503", ProblemCode::ServiceUnavailable);
    let api = path.starts_with("/api/");
    if api {
        add("429", ProblemCode::RateLimited);
    }

    // Conditional requests, where the operation honours them.
    let parameters = operation.parameters.get_or_insert_with(Vec::new);
    if responses.contains_key("412") {
        parameters.push(RefOr::Ref(component_ref("parameters", "IfMatch")));
        responses.insert(
            "412".into(),
            RefOr::T(problem_response(
                ProblemCode::PreconditionFailed,
                "`precondition_failed`: `If-Match` did not match the current `ETag`",
            )),
        );
    }
    if responses.contains_key("304") {
        parameters.push(RefOr::Ref(component_ref("parameters", "IfNoneMatch")));
        responses.insert(
            "304".into(),
            RefOr::Ref(component_ref("responses", "NotModified")),
        );
    }
    if parameters.is_empty() {
        operation.parameters = None;
    }

    // A handler's response worded exactly as a shared one is that one.
    for response in responses.values_mut() {
        let shared = match response {
            RefOr::T(inline) => STANDARD.iter().find(|(_, _, d)| *d == inline.description),
            RefOr::Ref(_) => None,
        };
        if let Some((_, code, _)) = shared {
            *response = standard_ref(*code);
        }
    }

    let sets_cookies = matches!(
        path,
        "/api/auth/login" | "/api/auth/refresh" | "/api/auth/logout"
    );
    for (status, response) in responses.iter_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        for content in response.content.values_mut() {
            if let RefOr::T(content) = content {
                let is_problem = matches!(&content.schema, Some(RefOr::Ref(r)) if r.ref_location.ends_with("/Problem"));
                if is_problem && content.example.is_none() {
                    content.example = Some(problem_example(code_of(status, &response.description)));
                }
            }
        }
        let headers = &mut response.headers;
        for name in ["ETag", "Location"] {
            if headers.contains_key(name) {
                headers.insert(name.into(), header_ref(name));
            }
        }
        if status == "201" {
            headers.insert("Location".into(), header_ref("Location"));
        }
        if sets_cookies && status.starts_with('2') {
            headers.insert("Set-Cookie".into(), header_ref("Set-Cookie"));
        }
        if let Ok(code) = status.parse() {
            retry_after_on(code, response);
        }
        let headers = &mut response.headers;
        headers.insert("X-Request-Id".into(), header_ref("X-Request-Id"));
        if api {
            headers.insert("RateLimit".into(), header_ref("RateLimit"));
            headers.insert("RateLimit-Policy".into(), header_ref("RateLimit-Policy"));
        }
    }
}

/// `Option<T>` bodies come out of utoipa as an inline `oneOf [T, null]`, which generators
/// mishandle: make them a plain `$ref` to `T`, not required. Every body gets its example.
fn optional_body(body: &mut RefOr<RequestBody>) {
    let RefOr::T(body) = body else { return };
    for content in body.content.values_mut() {
        let RefOr::T(content) = content else { continue };
        if let Some(RefOr::T(Schema::OneOf(one_of))) = &content.schema {
            let inner = one_of.items.iter().find_map(|item| match item {
                RefOr::Ref(r) => Some(r.clone()),
                RefOr::T(_) => None,
            });
            if let Some(inner) = inner {
                content.schema = Some(RefOr::Ref(inner));
                body.required = Some(Required::False);
            }
        }
        if content.example.is_none() {
            content.example = match &content.schema {
                Some(RefOr::Ref(r)) => {
                    request_example(r.ref_location.rsplit('/').next().unwrap_or(""))
                }
                _ => None,
            };
        }
    }
}

/// An example of each request body.
pub(super) fn request_example(schema: &str) -> Option<Value> {
    Some(match schema {
        "RegisterRequest" => {
            json!({"username": "ada", "email": "ada@example.com", "password": "correct horse battery staple"})
        }
        "LoginRequest" => {
            json!({"email": "ada@example.com", "password": "correct horse battery staple"})
        }
        "RefreshRequest" => json!({"refresh_token": "9b1f3c0e2d6a4f58a7c1e0b2d3f4a5b6"}),
        "UpdateUserRequest" => json!({"username": "ada_lovelace"}),
        "ChangePasswordRequest" => {
            json!({"current_password": "correct horse battery staple", "new_password": "a brand new passphrase"})
        }
        "DeleteAccountRequest" => json!({"password": "correct horse battery staple"}),
        "SetRolesRequest" => json!({"roles": ["user", "moderator"]}),
        "PostRequest" => json!({"title": "Hello, Agora", "body": "The first post.\nSecond line."}),
        "CommentRequest" => json!({"body": "Nice post!"}),
        "TokenRequest" => json!({"token": "q3kF0o6z1uBv6bPpX8m1S1q8pX2l6QyHcC0j9Yx3t7E"}),
        "PasswordResetRequest" => json!({"email": "ada@example.com"}),
        "PasswordResetConfirmRequest" => {
            json!({"token": "q3kF0o6z1uBv6bPpX8m1S1q8pX2l6QyHcC0j9Yx3t7E", "new_password": "a brand new passphrase"})
        }
        _ => return None,
    })
}
