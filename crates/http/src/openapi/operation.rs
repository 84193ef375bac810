//! The per-operation pass: each operation gets the shared errors by reference, the headers the
//! server always sends, its conditional-request parameters, CSRF beside cookie authentication,
//! plain optional bodies and an example of every body and problem.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use utoipa::openapi::{
    HttpMethod, RefOr, Required, Response, Schema, path::Operation, request_body::RequestBody,
    security::SecurityRequirement,
};

use super::shared::{codes_of, component_ref, header_ref, problem_response, standard_ref};
use crate::error::ProblemCode;

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
    let api = path.starts_with("/api/");
    let responses = &mut operation.responses.responses;
    problems(
        responses,
        &implied_codes(body.is_some(), authenticated, unsafe_method, api),
    );

    // Conditional requests, where the operation honours them.
    let parameters = operation.parameters.get_or_insert_with(Vec::new);
    if responses.contains_key("412") {
        parameters.push(RefOr::Ref(component_ref("parameters", "IfMatch")));
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

    let sets_cookies = matches!(
        path,
        "/api/auth/login" | "/api/auth/refresh" | "/api/auth/logout"
    );
    for (status, response) in responses.iter_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
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
        headers.insert("X-Request-Id".into(), header_ref("X-Request-Id"));
        if api {
            headers.insert("RateLimit".into(), header_ref("RateLimit"));
            headers.insert("RateLimit-Policy".into(), header_ref("RateLimit-Policy"));
        }
    }
}

/// How an implied code joins an operation's own: added to the codes it lists under the status,
/// or only where it lists none (its own codes then say what the status means there: logout's
/// 401, readiness's 503).
#[derive(Clone, Copy, PartialEq)]
enum Join {
    Add,
    Fill,
}

/// The codes every operation of its kind can answer with, beside those it lists.
fn implied_codes(
    body: bool,
    authenticated: bool,
    unsafe_method: bool,
    api: bool,
) -> Vec<(ProblemCode, Join)> {
    let mut implied = Vec::new();
    if body {
        implied.extend(
            [
                ProblemCode::MalformedJson,
                ProblemCode::RequestTimeout,
                ProblemCode::PayloadTooLarge,
                ProblemCode::UnsupportedMediaType,
                ProblemCode::ValidationFailed,
            ]
            .map(|code| (code, Join::Add)),
        );
    }
    if authenticated {
        implied.extend(
            [
                ProblemCode::Unauthenticated,
                ProblemCode::InvalidToken,
                ProblemCode::SessionRevoked,
            ]
            .map(|code| (code, Join::Fill)),
        );
        if unsafe_method {
            implied.push((ProblemCode::CsrfFailed, Join::Add));
        }
    }
    if api {
        implied.push((ProblemCode::RateLimited, Join::Add));
    }
    implied.push((ProblemCode::InternalError, Join::Fill));
    implied.push((ProblemCode::ServiceUnavailable, Join::Fill));
    implied
}

/// Joins the implied codes to those the operation lists (`Problems<...>`), then documents each
/// status's codes: by reference where they are a shared set, else spelled out.
fn problems(responses: &mut BTreeMap<String, RefOr<Response>>, implied: &[(ProblemCode, Join)]) {
    let mut listed: BTreeMap<String, Vec<ProblemCode>> = responses
        .iter()
        .filter_map(|(status, response)| match response {
            RefOr::T(response) => codes_of(response).map(|codes| (status.clone(), codes)),
            RefOr::Ref(_) => None,
        })
        .collect();
    let declared: Vec<String> = listed.keys().cloned().collect();
    for &(code, join) in implied {
        let status = code.status().as_str().to_owned();
        let own = declared.contains(&status);
        if (join == Join::Fill && own) || (responses.contains_key(&status) && !own) {
            continue;
        }
        let codes = listed.entry(status).or_default();
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    for (status, mut codes) in listed {
        codes.sort_by_key(|code| ProblemCode::ALL.iter().position(|c| c == code));
        let response = standard_ref(&codes).unwrap_or_else(|| RefOr::T(problem_response(&codes)));
        responses.insert(status, response);
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
