//! What every operation shares, stated once in `components` and referenced: the standard
//! problem responses (with an example each), the headers the server always sends, the
//! conditional-request parameters, the CSRF scheme and the problem-code set.

use serde_json::{Value, json};
use utoipa::openapi::{
    self, Content, HttpMethod, ObjectBuilder, RefOr, Required, ResponseBuilder, Schema, Type,
    header::{Header, HeaderBuilder},
    path::{Operation, ParameterBuilder, ParameterIn},
    request_body::RequestBody,
    schema::{AnyOfBuilder, Ref},
    security::SecurityRequirement,
};

use crate::error::{PROBLEM_JSON, ProblemCode};

fn component_ref(kind: &str, name: &str) -> Ref {
    Ref::new(format!("#/components/{kind}/{name}"))
}

fn header(kind: Type, description: &str) -> Header {
    HeaderBuilder::new()
        .schema(Some(ObjectBuilder::new().schema_type(kind)))
        .description(Some(description))
        .build()
}

fn header_ref(name: &str) -> RefOr<Header> {
    RefOr::Ref(component_ref("headers", name))
}

/// The example problem a client gets for `code`.
pub(super) fn problem_example(code: ProblemCode) -> Value {
    let mut example = json!({
        "type": format!("urn:agora:problem:{}", code.as_str()),
        "title": code.title(),
        "status": code.status().as_u16(),
        "detail": code.meaning(),
        "code": code.as_str(),
    });
    if code == ProblemCode::ValidationFailed {
        example["errors"] = json!([{"field": "email", "message": "must be an address of the form name@example.com"}]);
    }
    example
}

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

/// The shared error responses: (component name, code, description).
const STANDARD: &[(&str, ProblemCode, &str)] = &[
    (
        "MalformedJson",
        ProblemCode::MalformedJson,
        "`malformed_json`: the body is not valid JSON",
    ),
    (
        "RequestTimeout",
        ProblemCode::RequestTimeout,
        "`request_timeout`: the body arrived slower than the request timeout",
    ),
    (
        "PayloadTooLarge",
        ProblemCode::PayloadTooLarge,
        "`payload_too_large`: the body is over the size limit",
    ),
    (
        "UnsupportedMediaType",
        ProblemCode::UnsupportedMediaType,
        "`unsupported_media_type`: the body is not application/json",
    ),
    (
        "ValidationFailed",
        ProblemCode::ValidationFailed,
        "`validation_failed`: fields are missing, of the wrong type, unknown, or invalid (see `errors`)",
    ),
    (
        "Unauthenticated",
        ProblemCode::Unauthenticated,
        "`unauthenticated`, `invalid_token` or `session_revoked`",
    ),
    (
        "CsrfFailed",
        ProblemCode::CsrfFailed,
        "`csrf_failed`: cookie-authenticated without a valid `X-CSRF-Token`",
    ),
    (
        "Forbidden",
        ProblemCode::Forbidden,
        "`forbidden`, or `csrf_failed`",
    ),
    ("NotFound", ProblemCode::NotFound, "`not_found`"),
    (
        "PreconditionFailed",
        ProblemCode::PreconditionFailed,
        "`precondition_failed`: `If-Match` did not match the current `ETag`",
    ),
    (
        "RateLimited",
        ProblemCode::RateLimited,
        "`rate_limited`: over the client's request budget (or, on login, the account is locked out after failed logins)",
    ),
    (
        "InternalError",
        ProblemCode::InternalError,
        "`internal_error`: an unexpected failure (details are logged, not returned)",
    ),
    (
        "ServiceUnavailable",
        ProblemCode::ServiceUnavailable,
        "`service_unavailable`: the database or session store cannot be reached; retry later",
    ),
];

/// The shared response for `code` (listed in `STANDARD`; a test checks every `$ref` resolves).
fn standard_ref(code: ProblemCode) -> RefOr<openapi::Response> {
    let name = STANDARD
        .iter()
        .find(|(_, c, _)| *c == code)
        .map_or(code.as_str(), |(name, _, _)| name);
    RefOr::Ref(component_ref("responses", name))
}

fn problem_response(code: ProblemCode, description: &str) -> openapi::Response {
    let mut content = Content::new(Some(RefOr::Ref(openapi::Ref::from_schema_name("Problem"))));
    content.example = Some(problem_example(code));
    let mut response = ResponseBuilder::new()
        .description(description)
        .content(PROBLEM_JSON, content)
        .build();
    retry_after_on(code.status().as_u16(), &mut response);
    response
}

fn retry_after_on(status: u16, response: &mut openapi::Response) {
    if status == 429 || status == 503 {
        response
            .headers
            .insert("Retry-After".into(), header_ref("Retry-After"));
    }
}

/// Declares the components every operation refers to.
pub(super) fn components(doc: &mut openapi::OpenApi) {
    let components = doc.components.get_or_insert_with(Default::default);
    for (name, code, description) in STANDARD {
        components.responses.insert(
            (*name).into(),
            RefOr::T(problem_response(*code, description)),
        );
    }
    for (name, kind, description) in [
        (
            "X-Request-Id",
            Type::String,
            "The request's id (the client's own, when it sent a sane one): quote it when reporting a problem",
        ),
        (
            "RateLimit-Policy",
            Type::String,
            "The client's request budgets, e.g. `\"general\";q=600;w=60`",
        ),
        (
            "RateLimit",
            Type::String,
            "What is left of each budget, e.g. `\"general\";r=599;t=60`",
        ),
        (
            "Retry-After",
            Type::Integer,
            "Seconds until a retry can succeed",
        ),
        (
            "ETag",
            Type::String,
            "The representation's version tag: send it back in `If-Match` (writes) or `If-None-Match` (reads)",
        ),
        (
            "Location",
            Type::String,
            "The address of the created resource",
        ),
        (
            "Set-Cookie",
            Type::String,
            "The session cookies (`access_token`, `refresh_token`, `csrf_token`, and `device` on login), set or cleared",
        ),
    ] {
        components
            .headers
            .insert(name.into(), RefOr::T(header(kind, description)));
    }
    for (name, param, description) in [
        (
            "IfMatch",
            "If-Match",
            "Only write if the resource's current `ETag` is one of these (or `*`); else 412 `precondition_failed`",
        ),
        (
            "IfNoneMatch",
            "If-None-Match",
            "Answer 304 without a body if the current `ETag` is one of these",
        ),
    ] {
        components.parameters.insert(
            name.into(),
            RefOr::T(
                ParameterBuilder::new()
                    .name(param)
                    .parameter_in(ParameterIn::Header)
                    .required(Required::False)
                    .description(Some(description))
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                    .build(),
            ),
        );
    }
    let mut not_modified = ResponseBuilder::new()
        .description("Not modified: `If-None-Match` matched the current `ETag`")
        .build();
    not_modified
        .headers
        .insert("ETag".into(), header_ref("ETag"));
    components
        .responses
        .insert("NotModified".into(), RefOr::T(not_modified));
    for (name, response) in components.responses.iter_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        response
            .headers
            .insert("X-Request-Id".into(), header_ref("X-Request-Id"));
        if name == "RateLimited" {
            response
                .headers
                .insert("RateLimit".into(), header_ref("RateLimit"));
            response
                .headers
                .insert("RateLimit-Policy".into(), header_ref("RateLimit-Policy"));
        }
    }
    problem_codes(components);
}

/// `ProblemCode` is the documented set; `Problem.code` is that set or any other string, so a
/// client generated today still parses a code added tomorrow.
fn problem_codes(components: &mut openapi::Components) {
    let listing: Vec<String> = ProblemCode::ALL
        .iter()
        .map(|c| {
            format!(
                "- `{}` ({}): {}",
                c.as_str(),
                c.status().as_u16(),
                c.meaning()
            )
        })
        .collect();
    let codes = ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(ProblemCode::ALL.iter().map(|c| c.as_str())))
        .description(Some(format!(
            "Every problem code the server sends today. New codes may be added: treat an \
             unknown code by its `status`.\n\n{}",
            listing.join("\n")
        )))
        .build();
    components
        .schemas
        .insert("ProblemCode".into(), RefOr::T(Schema::Object(codes)));
    if let Some(RefOr::T(Schema::Object(problem))) = components.schemas.get_mut("Problem") {
        let open = AnyOfBuilder::new()
            .item(RefOr::Ref(openapi::Ref::from_schema_name("ProblemCode")))
            .item(ObjectBuilder::new().schema_type(Type::String))
            .description(Some(
                "Stable snake_case identifier clients can branch on: one of `ProblemCode`, or a \
                 code added later.",
            ))
            .build();
        problem
            .properties
            .insert("code".into(), RefOr::T(Schema::AnyOf(open)));
    }
}

fn scheme_names(requirement: &SecurityRequirement) -> Vec<String> {
    serde_json::to_value(requirement)
        .ok()
        .and_then(|v| v.as_object().map(|o| o.keys().cloned().collect()))
        .unwrap_or_default()
}

/// The per-operation pass: shared errors by reference, headers, preconditions, CSRF, optional
/// bodies and examples.
pub(super) fn operation(path: &str, method: HttpMethod, operation: &mut Operation) {
    let unsafe_method = method != HttpMethod::Get;
    // Security: none declared means public; cookie-authenticated unsafe calls need the CSRF header.
    let requirements = operation.security.get_or_insert_with(Vec::new);
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
